package svc_test

import (
	"slices"
	"testing"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
)

// Every event type has exactly one publishing service, one of the five:
// a type without an owner could be neither published under the services'
// permissions nor accepted by a consumer.
func TestEveryEventTypeHasAnOwner(t *testing.T) {
	t.Parallel()
	services := map[string]bool{svc.GatewayService: true, svc.IntakeService: true, svc.RoutingService: true, svc.SigningService: true, svc.ArchiveService: true}
	counted := 0
	for s := range services {
		counted += len(svc.Owned(s))
	}
	for _, typ := range events.Types {
		owner, ok := svc.Owner(typ)
		if !ok || !services[owner] {
			t.Errorf("%s: owner %q, want one of the services", typ, owner)
		}
	}
	if counted != len(events.Types) {
		t.Errorf("the services own %d types between them, want each of the %d types once", counted, len(events.Types))
	}
	if _, ok := svc.Owner("vn.docflow.document.received.v2"); ok {
		t.Error("a type no one declared has an owner")
	}
	want := []events.Type{events.DocumentSigned, events.ExchangeArrived, events.ExchangeStatusReceived}
	if got := svc.Owned(svc.SigningService); !slices.Equal(got, want) {
		t.Errorf("signing owns %v, want %v", got, want)
	}
}
