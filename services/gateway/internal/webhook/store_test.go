package webhook_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/webhook"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
)

const (
	agencyA = "000.00.00.G22"
	agencyB = "000.00.00.H49"
)

// databases are the SQL stores every store test runs on.
func databases(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)}
}

func openStore(t *testing.T, dsn string) *webhook.Store {
	t.Helper()
	s, err := webhook.Open(t.Context(), testkit.DB(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	// Opening again applies no step twice.
	if _, err := webhook.Open(t.Context(), testkit.DB(t, dsn)); err != nil {
		t.Fatalf("opening the store a second time: %v", err)
	}
	return s
}

func create(t *testing.T, s *webhook.Store, agency, url string, types ...string) webhook.Subscription {
	t.Helper()
	sub, err := s.Create(t.Context(), webhook.NewSubscription{Agency: agency, URL: url, EventTypes: types, Description: "hệ thống " + agency, By: "vanthu"})
	if err != nil {
		t.Fatalf("create %s: %v", url, err)
	}
	return sub
}

// A clerk's subscriptions are their agency's alone: listed without the
// secret, paged, deleted only by that agency, with their deliveries.
func TestSubscriptions(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, dsn)
			var mine []string
			for i := range 3 {
				sub := create(t, s, agencyA, "https://a.example.vn/hook/"+string(rune('0'+i)), string(events.DocumentReceived), string(events.DocumentReceived))
				if !strings.HasPrefix(sub.Secret, "whsec_") || len(sub.Secret) < 40 {
					t.Errorf("secret %q, want a long whsec_ secret", sub.Secret)
				}
				if !slices.Equal(sub.EventTypes, []events.Type{events.DocumentReceived}) {
					t.Errorf("event types %v, want the repeated type once", sub.EventTypes)
				}
				mine = append(mine, sub.ID)
			}
			other := create(t, s, agencyB, "http://b.example.vn:8080/events?k=v")

			var listed []string
			token := ""
			for page := 0; ; page++ {
				subs, next, err := s.Subscriptions(t.Context(), agencyA, 2, token)
				if err != nil {
					t.Fatal(err)
				}
				for _, sub := range subs {
					if sub.Secret != "" {
						t.Errorf("listed subscription %s shows its secret", sub.ID)
					}
					if sub.Agency != agencyA || sub.CreatedBy != "vanthu" || sub.Description != "hệ thống "+agencyA || sub.CreatedAt.IsZero() {
						t.Errorf("listed subscription %+v", sub)
					}
					listed = append(listed, sub.ID)
				}
				if next == "" {
					break
				}
				if page > 3 {
					t.Fatal("paging does not end")
				}
				token = next
			}
			slices.Reverse(listed) // newest first
			if !slices.Equal(listed, mine) {
				t.Errorf("agency A lists %v, want its own %v newest first", listed, mine)
			}
			if _, _, err := s.Subscriptions(t.Context(), agencyA, 2, "bm90LWEtdG9rZW4"); errs.KindOf(err) != errs.Invalid {
				t.Errorf("a forged page token: %v, want invalid", err)
			}

			if err := s.Delete(t.Context(), agencyA, other.ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("agency A deleting agency B's subscription: %v, want not found", err)
			}
			if err := s.Delete(t.Context(), agencyA, mine[0]); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(t.Context(), agencyA, mine[0]); errs.KindOf(err) != errs.NotFound {
				t.Errorf("deleting twice: %v, want not found", err)
			}
			subs, _, err := s.Subscriptions(t.Context(), agencyB, 0, "")
			if err != nil || len(subs) != 1 || subs[0].ID != other.ID || subs[0].URL != "http://b.example.vn:8080/events?k=v" || len(subs[0].EventTypes) != 0 {
				t.Errorf("agency B lists %+v (%v), want its one subscription to every event", subs, err)
			}
		})
	}
}

// Bad subscriptions are refused with the field and what is wrong with it.
func TestCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := openStore(t, testkit.SQLite(t))
	for _, tc := range []struct {
		name, url string
		types     []string
		field     string
		says      string
	}{
		{"no URL", "", nil, "url", "required"},
		{"relative", "/hook", nil, "url", "absolute"},
		{"no scheme", "a.example.vn/hook", nil, "url", "absolute"},
		{"ftp", "ftp://a.example.vn/hook", nil, "url", "scheme"},
		{"mailto", "mailto:vanthu@example.vn", nil, "url", "absolute"},
		{"credentials", "https://user:pass@a.example.vn/hook", nil, "url", "credentials"},
		{"user only", "https://user@a.example.vn/hook", nil, "url", "credentials"},
		{"no host", "https:///hook", nil, "url", "host"},
		{"fragment", "https://a.example.vn/hook#x", nil, "url", "fragment"},
		{"bad port", "https://a.example.vn:99999/hook", nil, "url", "port"},
		{"space", "https://a.example.vn/ho ok\n", nil, "url", "not a URL"},
		{"too long", "https://a.example.vn/" + strings.Repeat("x", 2100), nil, "url", "at most"},
		{"unknown type", "https://a.example.vn/hook", []string{"vn.docflow.document.eaten.v1"}, "event_types", "unknown event types"},
	} {
		_, err := s.Create(t.Context(), webhook.NewSubscription{Agency: agencyA, URL: tc.url, EventTypes: tc.types, By: "vanthu"})
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: %v, want invalid", tc.name, err)
			continue
		}
		if got := errs.Wire(err).Details[tc.field]; !strings.Contains(got, tc.says) {
			t.Errorf("%s: %s says %q, want it to say %q", tc.name, tc.field, got, tc.says)
		}
	}
	if _, err := s.Create(t.Context(), webhook.NewSubscription{Agency: agencyA, URL: "https://a.example.vn/hook", Description: strings.Repeat("ý", 501)}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("a description of 501 characters: %v, want invalid", err)
	}
	subs, _, err := s.Subscriptions(t.Context(), agencyA, 0, "")
	if err != nil || len(subs) != 0 {
		t.Errorf("after refusals the agency has %+v (%v), want none", subs, err)
	}
}

// The fan-out records each event once per matching subscription of the
// event's own agency; the deliveries are listed by status and replayed
// only when no longer pending.
func TestFanout(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, dsn)
			all := create(t, s, agencyA, "https://a.example.vn/all")
			tasks := create(t, s, agencyA, "https://a.example.vn/tasks", string(events.TaskAssigned))
			other := create(t, s, agencyB, "https://b.example.vn/all")

			at := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
			received := testkit.Event(t, events.DocumentReceived, agencyA, "d1", at, events.DocumentReceivedData{DocumentID: "d1", Agency: agencyA, Subject: "Kế hoạch"})
			assigned := testkit.Event(t, events.TaskAssigned, agencyA, "d1", at.Add(time.Minute), events.TaskAssignedData{TaskID: "t1", DocumentID: "d1"})
			for _, ev := range []events.Event{received, assigned, received} {
				if err := s.Fanout(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			noAgency := received
			noAgency.ID, noAgency.Agency = "no-agency", ""
			if err := s.Fanout(t.Context(), noAgency); err != nil {
				t.Fatal(err)
			}

			list, next, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA, Status: webhook.StatusPending})
			if err != nil || next != "" {
				t.Fatalf("deliveries: %v (next %q)", err, next)
			}
			var got []string
			for _, d := range list {
				got = append(got, d.EventID+" "+d.SubscriptionID)
				if d.Agency != agencyA || d.Status != webhook.StatusPending || d.Attempts != 0 || d.NextAttemptAt.IsZero() || d.CreatedAt.IsZero() || d.URL == "" {
					t.Errorf("delivery %+v, want pending and due", d)
				}
			}
			want := []string{received.ID + " " + all.ID, assigned.ID + " " + all.ID, assigned.ID + " " + tasks.ID}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("deliveries %v, want %v: each event once for each subscription taking it", got, want)
			}
			if b, _, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyB}); err != nil || len(b) != 0 {
				t.Errorf("agency B (subscription %s) has deliveries %+v (%v), want none of agency A's events", other.ID, b, err)
			}
			for _, status := range []string{webhook.StatusDelivered, webhook.StatusDead} {
				if l, _, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA, Status: status}); err != nil || len(l) != 0 {
					t.Errorf("%s deliveries %+v (%v), want none yet", status, l, err)
				}
			}
			if _, _, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA, Status: "lost"}); errs.KindOf(err) != errs.Invalid {
				t.Errorf("status lost: %v, want invalid", err)
			}
			page, next, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA, PageSize: 2})
			if err != nil || len(page) != 2 || next == "" {
				t.Fatalf("first page %d items, next %q, %v", len(page), next, err)
			}
			rest, last, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA, PageSize: 2, PageToken: next})
			if err != nil || len(rest) != 1 || last != "" || rest[0].ID == page[0].ID || rest[0].ID == page[1].ID {
				t.Errorf("second page %+v, next %q, %v; want the third delivery and the end", rest, last, err)
			}
			if _, _, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA, Status: webhook.StatusDead, PageToken: next}); errs.KindOf(err) != errs.Invalid {
				t.Errorf("a page token of another status: %v, want invalid", err)
			}

			if _, err := s.Replay(t.Context(), agencyA, list[0].ID); errs.KindOf(err) != errs.Conflict {
				t.Errorf("replaying a pending delivery: %v, want conflict", err)
			}
			if _, err := s.Replay(t.Context(), agencyB, list[0].ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("agency B replaying agency A's delivery: %v, want not found", err)
			}
			if _, err := s.Delivery(t.Context(), agencyB, list[0].ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("agency B reading agency A's delivery: %v, want not found", err)
			}

			// Deleting a subscription takes its deliveries with it; an event
			// after that records none for it.
			if err := s.Delete(t.Context(), agencyA, all.ID); err != nil {
				t.Fatal(err)
			}
			later := testkit.Event(t, events.DocumentReceived, agencyA, "d2", at.Add(time.Hour), events.DocumentReceivedData{DocumentID: "d2", Agency: agencyA})
			if err := s.Fanout(t.Context(), later); err != nil {
				t.Fatal(err)
			}
			left, _, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agencyA})
			if err != nil || len(left) != 1 || left[0].SubscriptionID != tasks.ID || left[0].EventID != assigned.ID {
				t.Errorf("after deleting %s: %+v (%v), want only the task subscription's delivery", all.ID, left, err)
			}
		})
	}
}
