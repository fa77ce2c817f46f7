// Package webhook takes docflow's events by HTTP to agencies that do not
// connect to NATS.
//
// A clerk of an agency subscribes a URL, optionally to some event types
// only (none named: every event of the agency). The gateway's durable
// consumer (events.GatewayWebhooks) hands every event to Fanout, which
// records, in one transaction of the gateway's database, the event's body
// and one delivery per subscription of the event's agency (the envelope's
// Agency) whose filter matches. The Deliverer then sends each due delivery.
//
// # Crash safety
//
//   - Fanout writes before the consumer acknowledges the message: a crash
//     before the write has the message redelivered; a crash after it finds
//     the rows already there. A delivery's id is derived from the event id
//     and the subscription id, so a redelivered message (or an event
//     published twice under the same id) records nothing twice.
//   - The Deliverer claims a delivery before sending it, counting the
//     attempt and pushing its next attempt out by a lease longer than the
//     attempt may take. Several gateways therefore never send one delivery
//     at once; a gateway that dies mid-attempt leaves the delivery to be
//     tried again once the lease runs out. Delivery is at least once: a
//     receiver drops a repeat by its Docflow-Event-Id.
//   - Deleting a subscription deletes its deliveries: nothing more is sent
//     to the URL.
//
// # The request
//
// Each attempt is an HTTP POST to the subscription's URL whose body is the
// event's CloudEvents 1.0 JSON envelope (structured mode), byte for byte the
// same on every attempt, with the headers
//
//	Content-Type: application/cloudevents+json
//	Docflow-Event-Id: <the event id>
//	Docflow-Timestamp: <unix seconds of this attempt>
//	Docflow-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<event id>.<body>")>
//
// A receiver recomputes the HMAC with the subscription's secret over the
// timestamp, the event id and the raw body, joined by dots, compares it in
// constant time, and refuses a timestamp more than a few minutes from its
// own clock, so that a captured request cannot be replayed later. Verify
// does exactly that (tolerance DefaultTolerance, 5 minutes); it uses the
// standard library only, so that it may move to the api module for
// integrators and the CLI unchanged.
//
// The secret is generated when the subscription is created and shown once.
// It is stored in the gateway's database as given, not hashed: the gateway
// needs it to sign every request. Whoever reads that database can sign as
// docflow; protect it (and its backups) accordingly, and delete and
// recreate a subscription whose secret may have leaked.
//
// # Outcome and retries
//
// A 2xx answer within the attempt's timeout (default 10 s) delivers the
// event. Anything else (another status, a timeout, a connection failure, a
// redirect to another host) is a failed attempt: the next one waits
//
//	base·2^(n−1), capped (default 6 h), drawn uniformly within ±20 %
//
// after the n-th failed attempt. With the default base of 10 s the waits are
// about 10 s, 20 s, 40 s, 80 s, 2 min 40 s, 5 min 20 s, 10 min 40 s,
// 21 min 20 s, 42 min 40 s, 1 h 25 min and 2 h 51 min: 11 waits, about
// 5 h 41 min from the first attempt to the last. After MaxAttempts (12)
// failed attempts the delivery is dead: it keeps its last error and is sent
// again only when a clerk replays it, which resets its attempts.
//
// Redirects are followed only within the same scheme and host, only when
// they keep the POST and its body (307, 308), and at most three; only the
// first 64 KiB of an answer's headers and of its body are read. A receiver
// cannot point the gateway at another server, or hold it with an endless
// answer.
//
// The schedule's base and cap, the attempt's timeout, how often due
// retries are looked for and how many attempts run at once are the
// gateway's DOCFLOW_GATEWAY_WEBHOOK_* settings.
package webhook
