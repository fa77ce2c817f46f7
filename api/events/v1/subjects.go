package events

import (
	"fmt"
	"strings"
)

// Subject prefixes.
const (
	EventPrefix    = "docflow.evt"
	ServicePrefix  = "docflow.svc"
	ExchangePrefix = "docflow.x"
)

// AgencyToken encodes an agency identifier into a single subject token.
// Identifiers are made of [0-9A-Z.]; the dot becomes an underscore, which
// never occurs in an identifier, so the encoding is reversible.
func AgencyToken(agencyID string) string {
	return strings.ReplaceAll(agencyID, ".", "_")
}

// AgencyFromToken reverses AgencyToken.
func AgencyFromToken(token string) string {
	return strings.ReplaceAll(token, "_", ".")
}

// EventSubject is the subject an event of the given type is published on for
// one agency: docflow.evt.<agency>.<entity>.<verb>.
func EventSubject(agencyID string, t Type) string {
	return fmt.Sprintf("%s.%s.%s.%s", EventPrefix, AgencyToken(agencyID), t.Entity(), t.Verb())
}

// EventFilter is the subject filter for one event type across every agency.
func EventFilter(t Type) string {
	return fmt.Sprintf("%s.*.%s.%s", EventPrefix, t.Entity(), t.Verb())
}

// Exchange message kinds: a document package, or a status package about one.
const (
	ExchangeDocument = "edoc"
	ExchangeStatus   = "status"
)

// ExchangeSubject is the subject an edXML package from one agency to another
// travels on: docflow.x.<to>.<from>.<kind>. The recipient comes first, so
// an agency's link subscribes to docflow.x.<itself>.> and receives
// everything addressed to it; the sender is a token of its own, so a link's
// permission to publish only docflow.x.*.<itself>.* stops it from speaking
// for another agency.
func ExchangeSubject(to, from, kind string) string {
	return fmt.Sprintf("%s.%s.%s.%s", ExchangePrefix, AgencyToken(to), AgencyToken(from), kind)
}

// ExchangeInbox is the filter of everything addressed to one agency.
func ExchangeInbox(agencyID string) string {
	return fmt.Sprintf("%s.%s.>", ExchangePrefix, AgencyToken(agencyID))
}

// ExchangeOutbox is the filter of everything one agency sends.
func ExchangeOutbox(agencyID string) string {
	return fmt.Sprintf("%s.*.%s.*", ExchangePrefix, AgencyToken(agencyID))
}

// ParseExchangeSubject splits an exchange subject into its recipient,
// sender and kind; ok is false for any other subject.
func ParseExchangeSubject(subject string) (to, from, kind string, ok bool) {
	parts := strings.Split(subject, ".")
	if len(parts) != 5 || parts[0]+"."+parts[1] != ExchangePrefix {
		return "", "", "", false
	}
	if parts[4] != ExchangeDocument && parts[4] != ExchangeStatus {
		return "", "", "", false
	}
	return AgencyFromToken(parts[2]), AgencyFromToken(parts[3]), parts[4], true
}
