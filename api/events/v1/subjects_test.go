package events_test

import (
	"testing"

	events "github.com/docflow/docflow/api/events/v1"
)

func TestExchangeSubjects(t *testing.T) {
	s := events.ExchangeSubject("000.00.00.H49", "000.00.00.G22", events.ExchangeDocument)
	if s != "docflow.x.000_00_00_H49.000_00_00_G22.edoc" {
		t.Fatalf("ExchangeSubject = %q", s)
	}
	to, from, kind, ok := events.ParseExchangeSubject(s)
	if !ok || to != "000.00.00.H49" || from != "000.00.00.G22" || kind != events.ExchangeDocument {
		t.Fatalf("ParseExchangeSubject(%q) = %q %q %q %v", s, to, from, kind, ok)
	}
	for _, bad := range []string{
		"docflow.x.000_00_00_H49.000_00_00_G22.other",  // unknown kind
		"docflow.evt.000_00_00_H49.000_00_00_G22.edoc", // not the exchange
		"docflow.x.000_00_00_H49.edoc",                 // no sender
	} {
		if _, _, _, ok := events.ParseExchangeSubject(bad); ok {
			t.Errorf("ParseExchangeSubject(%q) accepted it", bad)
		}
	}
	if got := events.ExchangeInbox("000.00.00.H49"); got != "docflow.x.000_00_00_H49.>" {
		t.Errorf("ExchangeInbox = %q", got)
	}
	if got := events.ExchangeOutbox("000.00.00.G22"); got != "docflow.x.*.000_00_00_G22.*" {
		t.Errorf("ExchangeOutbox = %q", got)
	}
}
