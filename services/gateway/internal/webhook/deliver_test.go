package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/webhook"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
)

// hit is one request a receiver got.
type hit struct {
	header http.Header
	body   []byte
	status int
}

// receiver is an agency's HTTP endpoint: it fails the first failFirst
// requests (every one while failing is set), then answers 204.
type receiver struct {
	url string

	mu        sync.Mutex
	failFirst int
	failing   bool
	hits      []hit
}

func newReceiver(t *testing.T, failFirst int, failing bool) *receiver {
	t.Helper()
	r := &receiver{failFirst: failFirst, failing: failing}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		status := http.StatusNoContent
		if r.failing || len(r.hits) < r.failFirst {
			status = http.StatusInternalServerError
		}
		r.hits = append(r.hits, hit{header: req.Header.Clone(), body: body, status: status})
		w.WriteHeader(status)
		if status >= 300 {
			_, _ = io.WriteString(w, "hệ thống đang bảo trì\n")
		}
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/docflow/events"
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

func (r *receiver) heal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = false
}

// deliver runs a Deliverer on s with a millisecond schedule until the test
// ends.
func deliver(t *testing.T, s *webhook.Store) {
	t.Helper()
	d := &webhook.Deliverer{
		Store: s, Backoff: webhook.Backoff{Base: time.Millisecond, Max: 40 * time.Millisecond},
		Timeout: 5 * time.Second, Poll: 5 * time.Millisecond, Workers: 4, Log: zaptest.NewLogger(t),
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// eventually waits for cond, failing the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deliveryOf is the delivery of event to sub, if there is one.
func deliveryOf(t *testing.T, s *webhook.Store, agency, event, sub string) (webhook.Delivery, bool) {
	t.Helper()
	list, _, err := s.Deliveries(t.Context(), webhook.DeliveryQuery{Agency: agency, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.EventID == event && d.SubscriptionID == sub {
			return d, true
		}
	}
	return webhook.Delivery{}, false
}

func waitStatus(t *testing.T, s *webhook.Store, agency, event, sub, status string) webhook.Delivery {
	t.Helper()
	var d webhook.Delivery
	eventually(t, "delivery of "+event+" to "+sub+" "+status, func() bool {
		var ok bool
		d, ok = deliveryOf(t, s, agency, event, sub)
		return ok && d.Status == status
	})
	return d
}

// verified checks that h is the signed CloudEvent of event id.
func verified(t *testing.T, secret, id string, h hit) {
	t.Helper()
	if err := webhook.Verify(secret, webhook.HeadersOf(h.header), h.body, time.Now(), 0); err != nil {
		t.Errorf("request for %s does not verify: %v", id, err)
	}
	if ct := h.header.Get("Content-Type"); ct != webhook.ContentType {
		t.Errorf("Content-Type %q, want %s", ct, webhook.ContentType)
	}
	var env events.Envelope
	if err := json.Unmarshal(h.body, &env); err != nil || env.ID != id || env.SpecVersion != events.SpecVersion || h.header.Get(webhook.HeaderEventID) != id {
		t.Errorf("body %s (%v) with event id header %q, want the CloudEvent %s", h.body, err, h.header.Get(webhook.HeaderEventID), id)
	}
}

// Events published on JetStream reach the webhooks of their agency through
// the gateway's consumer: retried until the receiver takes them, dead after
// twelve failures and sent again on replay, never to another agency, and
// recorded once even when JetStream delivers the event twice.
func TestDeliveryEndToEnd(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := openStore(t, dsn)
			flaky, down, other := newReceiver(t, 3, false), newReceiver(t, 0, true), newReceiver(t, 0, false)
			subFlaky := create(t, s, agencyA, flaky.url)
			subDown := create(t, s, agencyA, down.url, string(events.DocumentReceived))
			subOther := create(t, s, agencyB, other.url)

			nats := testkit.NATS(t)
			if err := natsx.EnsureStreams(ctx, nats.JS, events.Streams); err != nil {
				t.Fatal(err)
			}
			evA, evB := uuid.NewString(), uuid.NewString()
			// The first hand-over of evA fails after the fan-out wrote its
			// rows, as a crash before the ack would: JetStream delivers it again.
			var mu sync.Mutex
			handled := map[string]int{}
			stop, err := natsx.Consume(ctx, nats.JS, events.GatewayWebhooks, zaptest.NewLogger(t), func(ctx context.Context, ev events.Event) error {
				err := s.Fanout(ctx, ev)
				mu.Lock()
				defer mu.Unlock()
				handled[ev.ID]++
				if err == nil && ev.ID == evA && handled[ev.ID] == 1 {
					return errors.New("lost the ack")
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(stop)
			deliver(t, s)

			pub := natsx.NewPublisher(nats.JS, "intake")
			at := time.Now()
			for _, ev := range []struct{ id, agency string }{{evA, agencyA}, {evB, agencyB}} {
				if _, err := pub.PublishWithID(ctx, ev.id, at, events.DocumentReceived, ev.agency, "doc-"+ev.agency, events.DocumentReceivedData{
					DocumentID: "doc-" + ev.agency, Agency: ev.agency, Subject: "Kế hoạch năm 2026", Urgency: "THUONG", Confidentiality: "NONE",
				}); err != nil {
					t.Fatal(err)
				}
			}

			// The receiver failing three times takes the event at the fourth.
			d := waitStatus(t, s, agencyA, evA, subFlaky.ID, webhook.StatusDelivered)
			hits := flaky.got()
			if len(hits) != 4 || d.Attempts != 4 || d.LastStatusCode != http.StatusNoContent || d.LastError != "" || d.DeliveredAt.IsZero() {
				t.Fatalf("flaky receiver: %d requests, delivery %+v; want 4 attempts, the last one taken", len(hits), d)
			}
			for i, h := range hits {
				verified(t, subFlaky.Secret, evA, h)
				if string(h.body) != string(hits[0].body) {
					t.Errorf("attempt %d sent another body than the first", i+1)
				}
			}

			// The receiver that is down gets exactly twelve attempts; then the
			// delivery is dead, with why.
			d = waitStatus(t, s, agencyA, evA, subDown.ID, webhook.StatusDead)
			if n := len(down.got()); n != webhook.MaxAttempts || d.Attempts != webhook.MaxAttempts {
				t.Fatalf("down receiver: %d requests, %d attempts recorded; want exactly %d", n, d.Attempts, webhook.MaxAttempts)
			}
			if !strings.Contains(d.LastError, "500") || !strings.Contains(d.LastError, "bảo trì") || d.LastStatusCode != 500 || !d.NextAttemptAt.IsZero() {
				t.Errorf("dead delivery %+v, want the last error with the receiver's answer and no next attempt", d)
			}
			if dead, _, err := s.Deliveries(ctx, webhook.DeliveryQuery{Agency: agencyA, Status: webhook.StatusDead}); err != nil || len(dead) != 1 || dead[0].ID != d.ID {
				t.Errorf("dead-letter list %+v (%v), want the one dead delivery", dead, err)
			}
			// Replayed once the receiver works, it is delivered.
			down.heal()
			replayed, err := s.Replay(ctx, agencyA, d.ID)
			if err != nil || replayed.Status != webhook.StatusPending || replayed.Attempts != 0 {
				t.Fatalf("replay: %+v, %v; want pending with its attempts reset", replayed, err)
			}
			d = waitStatus(t, s, agencyA, evA, subDown.ID, webhook.StatusDelivered)
			hits = down.got()
			if len(hits) != webhook.MaxAttempts+1 || d.Attempts != 1 {
				t.Fatalf("after the replay: %d requests, %d attempts; want one more", len(hits), d.Attempts)
			}
			verified(t, subDown.Secret, evA, hits[len(hits)-1])

			// Agency B's webhook got B's event and nothing of A's, and A's
			// receivers nothing of B's.
			waitStatus(t, s, agencyB, evB, subOther.ID, webhook.StatusDelivered)
			for _, h := range other.got() {
				verified(t, subOther.Secret, evB, h)
			}
			for _, h := range append(flaky.got(), down.got()...) {
				if id := h.header.Get(webhook.HeaderEventID); id != evA {
					t.Errorf("agency A's receiver got event %s, want only %s", id, evA)
				}
			}
			if _, ok := deliveryOf(t, s, agencyB, evA, subOther.ID); ok {
				t.Error("agency A's event was recorded for agency B's webhook")
			}

			// evA was handed over twice and recorded once per subscription.
			eventually(t, "the redelivery of "+evA, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return handled[evA] >= 2
			})
			list, _, err := s.Deliveries(ctx, webhook.DeliveryQuery{Agency: agencyA, PageSize: 100})
			if err != nil || len(list) != 2 {
				t.Errorf("agency A's deliveries after the redelivery: %+v (%v), want one per subscription", list, err)
			}
			if n := len(flaky.got()); n != 4 {
				t.Errorf("the flaky receiver got %d requests after the redelivery, want still 4", n)
			}
		})
	}
}

// An attempt does not follow a receiver to another host, and reads only
// the start of a long answer.
func TestDeliveryRefusesRedirectsToAnotherHost(t *testing.T) {
	t.Parallel()
	s := openStore(t, testkit.SQLite(t))
	elsewhere := newReceiver(t, 0, false)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.url, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	long := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		for range 1024 {
			if _, err := io.WriteString(w, strings.Repeat("x", 1024)+" "); err != nil {
				return
			}
		}
	}))
	t.Cleanup(long.Close)
	subRedirect := create(t, s, agencyA, redirecting.URL+"/hook")
	subLong := create(t, s, agencyA, long.URL+"/hook")
	ev := testkit.Event(t, events.DocumentReceived, agencyA, "d1", time.Now(), events.DocumentReceivedData{DocumentID: "d1", Agency: agencyA})
	if err := s.Fanout(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	deliver(t, s)
	d := waitStatus(t, s, agencyA, ev.ID, subRedirect.ID, webhook.StatusDead)
	if !strings.Contains(d.LastError, "another host") {
		t.Errorf("last error %q, want the refused redirect", d.LastError)
	}
	if n := len(elsewhere.got()); n != 0 {
		t.Errorf("the other host got %d requests, want none", n)
	}
	d = waitStatus(t, s, agencyA, ev.ID, subLong.ID, webhook.StatusDead)
	if !strings.Contains(d.LastError, "502") || len(d.LastError) > 300 {
		t.Errorf("last error of a long answer is %d bytes: %.80q…, want the status and a short excerpt", len(d.LastError), d.LastError)
	}
}
