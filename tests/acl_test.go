package tests

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/stack"
)

// assertSubjectPermissions checks the NATS side of authorisation on a
// running stack: anonymous clients are refused, and a service can neither
// publish another service's events nor call an endpoint it has no use for.
// The server reports each refused publish as a permissions violation.
func assertSubjectPermissions(t *testing.T, st *stack.Stack) {
	t.Helper()
	if nc, err := nats.Connect(st.NATSURL); err == nil {
		nc.Close()
		t.Fatal("an anonymous NATS client was accepted")
	}
	refused := []struct{ service, subject string }{
		{svc.SigningService, events.EventSubject("000.00.00.G22", events.DocumentReceived)},
		{svc.GatewayService, events.EventSubject("000.00.00.G22", events.DocumentArchived)},
		{svc.IntakeService, events.EventSubject("000.00.00.G22", events.TaskDecided)},
		{svc.SigningService, svc.IntakeAccept.Subject},
		{svc.RoutingService, svc.ArchiveSearch.Subject},
	}
	for _, r := range refused {
		violations := make(chan error, 4)
		nc, err := nats.Connect(st.NATSURL, nats.UserCredentials(st.CredsFile(r.service)),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
		if err != nil {
			t.Fatalf("connect as %s: %v", r.service, err)
		}
		if err := nc.Publish(r.subject, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		_ = nc.Flush()
		select {
		case err := <-violations:
			if !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), r.subject) {
				t.Fatalf("%s publishing on %s: %v, want a permissions violation", r.service, r.subject, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s published on %s without a permissions violation", r.service, r.subject)
		}
		nc.Close()
	}
}
