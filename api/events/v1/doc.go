// Package events declares docflow's events as data: the CloudEvents envelope,
// every event type with its payload, the NATS subjects they are published on
// and the JetStream streams and consumers that hold them. Services create the
// streams from these declarations at start-up; nothing is typed by hand in a
// main package.
//
// Consumers decode an envelope with Decode, which gives the payload its type
// declares, or says the type is unknown (skip it: a newer publisher may emit
// types an older consumer does not know) or the data malformed.
//
// Subjects:
//
//	docflow.evt.<agency>.<entity>.<verb>   events (JetStream stream DOCFLOW_EVENTS)
//	docflow.svc.<service>.<verb>           request/reply endpoints (NATS micro)
//	docflow.x.<agency>.…                   inter-agency exchange
//
// Agency identifiers contain dots, which NATS uses as the token separator, so
// they are encoded into one token with AgencyToken ("000.00.00.G22" becomes
// "000_00_00_G22").
package events
