package delegation_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
)

// Over NATS, as the gateway calls them: the holder delegates, the list
// shows it, a stranger cannot revoke it, the holder can; each change is
// announced once on the stream.
func TestEndpoints(t *testing.T) {
	t.Parallel()
	chart := routingtest.Chart(t)
	store := routingtest.Delegations(t, testkit.SQLite(t), chart, time.Now)
	nts := routingtest.Events(t)
	srv, err := natsx.Serve(nts.Conn, "routing", "test", zaptest.NewLogger(t), store.Endpoints(natsx.NewPublisher(nts.JS, "routing"))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	holder, err := chart.Holder("chuyen-vien-tong-hop")
	if err != nil {
		t.Fatal(err)
	}
	actor := func(u, role string) events.Actor { return events.Actor{Username: u, Role: role, Agency: chart.Agency} }
	from := time.Now().Add(-time.Hour)
	created, err := natsx.Call(t.Context(), nts.Conn, svc.RoutingDelegationsCreate, svc.CreateDelegationRequest{
		Position: "chuyen-vien-tong-hop", Substitute: "chuyenvien2", From: from, Until: from.AddDate(0, 0, 7),
		Authority: delegation.TUQ, Kinds: []string{"CONG_VAN"}, Reference: "05/GUQ-TH ngày 01/12/2026",
		Reason: "Nghỉ phép", By: actor(holder, "official"),
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := natsx.Call(t.Context(), nts.Conn, svc.RoutingDelegationsList, svc.ListDelegationsRequest{Active: time.Now(), By: actor(holder, "official")})
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != created.ID || list.Items[0].Substitute != "chuyenvien2" {
		t.Fatalf("list %+v %v", list, err)
	}
	_, err = natsx.Call(t.Context(), nts.Conn, svc.RoutingDelegationsRevoke, svc.RevokeDelegationRequest{ID: created.ID, By: actor("luutru", "records_officer")})
	if errs.Wire(err).Code != errcode.Forbidden {
		t.Fatalf("revoke by someone else: %v", err)
	}
	if _, err := natsx.Call(t.Context(), nts.Conn, svc.RoutingDelegationsRevoke, svc.RevokeDelegationRequest{ID: created.ID, By: actor(holder, "official")}); err != nil {
		t.Fatal(err)
	}
	stream, err := nts.JS.Stream(t.Context(), events.EventsStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []events.Type{events.DelegationCreated, events.DelegationRevoked} {
		msg, err := stream.GetLastMsgForSubject(t.Context(), events.EventSubject(chart.Agency, typ))
		if err != nil {
			t.Fatalf("%s not announced: %v", typ, err)
		}
		// The written authorisation names its authorising document.
		var env events.Envelope
		var data events.DelegationData
		if err := json.Unmarshal(msg.Data, &env); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(env.Data, &data); err != nil || data.Reference != "05/GUQ-TH ngày 01/12/2026" {
			t.Fatalf("%s carries %+v (%v), want the authorising document", typ, data, err)
		}
	}
	info, err := stream.Info(t.Context(), jetstream.WithSubjectFilter(events.EventPrefix+".>"))
	if err != nil || info.State.Msgs != 2 {
		t.Fatalf("stream holds %d events, want 2 (%v)", info.State.Msgs, err)
	}
}
