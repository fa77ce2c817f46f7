package events

import (
	"fmt"
	"strings"
	"time"
)

// Stream declares a JetStream stream. Services create or update the streams
// they use at start-up from these values.
type Stream struct {
	Name        string
	Description string
	Subjects    []string
	MaxAge      time.Duration // 0 keeps messages until the limits below
	Duplicates  time.Duration // window in which a repeated Nats-Msg-Id is dropped
	Replicas    int           // 1 in development, 3 in a production cluster
}

// Consumer declares a durable pull consumer on a stream.
type Consumer struct {
	Stream        string
	Durable       string
	Description   string
	FilterSubject []string
	AckWait       time.Duration
	MaxDeliver    int // -1 for unlimited redeliveries
}

// EventsStream holds every docflow event. Events are the audit trail and the
// source the read models are rebuilt from, so they are kept without an age
// limit; the deduplication window covers publisher retries.
var EventsStream = Stream{
	Name:        "DOCFLOW_EVENTS",
	Description: "Every docflow CloudEvent, by agency, entity and verb.",
	Subjects:    []string{EventPrefix + ".>"},
	Duplicates:  10 * time.Minute,
	Replicas:    1,
}

// ExchangeStream holds the edXML packages between agencies (QCVN 102):
// documents and status packages, each addressed by ExchangeSubject. A
// package is kept for 30 days: long enough for an agency whose link was
// down to catch up, after which both sides have it in their own records.
var ExchangeStream = Stream{
	Name:        "DOCFLOW_EXCHANGE",
	Description: "edXML packages between agencies: docflow.x.<to>.<from>.<edoc|status>.",
	Subjects:    []string{ExchangePrefix + ".>"},
	MaxAge:      30 * 24 * time.Hour,
	Duplicates:  10 * time.Minute,
	Replicas:    1,
}

// eventsConsumer declares a durable consumer of EventsStream on the
// subjects filter. An event not acknowledged within 30 seconds is
// delivered again, with no limit: a consumer that cannot handle an event
// yet (a service it needs is down) must not lose it.
func eventsConsumer(durable, description string, filter ...string) Consumer {
	return Consumer{
		Stream: EventsStream.Name, Durable: durable, Description: description, FilterSubject: filter,
		AckWait: 30 * time.Second, MaxDeliver: -1,
	}
}

// RoutingReceived is the routing service's consumer of new documents: each
// incoming document registered and each outgoing draft created is matched
// against the routing rules and its workflow started. (The durable name
// stays the one it was created with, when it took received documents only.)
var RoutingReceived = eventsConsumer("routing-received",
	"routing: start the workflow of each registered incoming document and each outgoing draft",
	EventFilter(DocumentReceived), EventFilter(DocumentDrafted))

// RoutingDelegations is the routing service's consumer of delegations: the
// running workflows of the position's holder learn their new substitutes.
var RoutingDelegations = eventsConsumer("routing-delegations",
	"routing: tell running workflows about new or revoked delegations",
	EventFilter(DelegationCreated), EventFilter(DelegationRevoked))

// GatewayProjection is the gateway's consumer that builds the read models
// (documents with their history, the inbox) from every event.
var GatewayProjection = eventsConsumer("gateway-projection",
	"gateway: project events into the document and inbox read models",
	EventPrefix+".>")

// GatewayWebhooks is the gateway's consumer that hands every event to the
// webhooks of its agency: it records one delivery per matching subscription,
// which the gateway then sends by HTTP to agencies not connected to NATS.
var GatewayWebhooks = eventsConsumer("gateway-webhooks",
	"gateway: record a webhook delivery of each event for every matching subscription of its agency",
	EventPrefix+".>")

// SigningExchangeSend is the signing service's consumer of dispatches: each
// agency a dispatch queued gets the document as a signed edXML package.
var SigningExchangeSend = eventsConsumer("signing-exchange-send",
	"signing: send each dispatched document to the agencies it queued, as a signed edXML package",
	EventFilter(DocumentDispatched))

// SigningExchangeReceipts is the signing service's consumer of what becomes
// of an arrived document: its registration (03) and handling (04–06) are
// sent to the sender as signed status packages.
var SigningExchangeReceipts = eventsConsumer("signing-exchange-receipts",
	"signing: send the sender of an arrived document its status receipts 03-06",
	EventFilter(DocumentReceived), EventFilter(HandlingAssigned), EventFilter(HandlingStarted), EventFilter(HandlingCompleted))

// exchangeConsumer declares a durable consumer of ExchangeStream. A package
// that cannot be handled yet (storage down) is delivered again without a
// limit, as an event would be.
func exchangeConsumer(durable, description string, filter ...string) Consumer {
	return Consumer{
		Stream: ExchangeStream.Name, Durable: durable, Description: description, FilterSubject: filter,
		AckWait: time.Minute, MaxDeliver: -1,
	}
}

// SigningExchangeInbox receives the document packages addressed to any
// agency; the service narrows it to the agencies it hosts (ForAgencies).
var SigningExchangeInbox = exchangeConsumer("signing-exchange-inbox",
	"signing: verify the edXML document packages addressed to the hosted agencies, answer 01 or 02",
	ExchangePrefix+".*.*."+ExchangeDocument)

// SigningExchangeStatuses receives the status packages addressed to any
// agency; the service narrows it to the agencies it hosts (ForAgencies).
var SigningExchangeStatuses = exchangeConsumer("signing-exchange-statuses",
	"signing: verify the status packages about documents the hosted agencies sent",
	ExchangePrefix+".*.*."+ExchangeStatus)

// ForAgencies narrows an exchange consumer to the packages addressed to the
// given agencies: docflow.x.<agency>.*.<kind> for each, the kind taken from
// the consumer's own filter.
func (c Consumer) ForAgencies(agencies []string) Consumer {
	if c.Stream != ExchangeStream.Name || len(c.FilterSubject) != 1 {
		return c
	}
	_, kind, _ := strings.Cut(strings.TrimPrefix(c.FilterSubject[0], ExchangePrefix+".*.*"), ".")
	out := c
	out.FilterSubject = make([]string, 0, len(agencies))
	for _, a := range agencies {
		out.FilterSubject = append(out.FilterSubject, fmt.Sprintf("%s.%s.*.%s", ExchangePrefix, AgencyToken(a), kind))
	}
	return out
}

// Streams lists every stream; Consumers every durable consumer.
var (
	Streams   = []Stream{EventsStream, ExchangeStream}
	Consumers = []Consumer{RoutingReceived, RoutingDelegations, GatewayProjection, GatewayWebhooks,
		SigningExchangeSend, SigningExchangeReceipts, SigningExchangeInbox, SigningExchangeStatuses}
)
