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
