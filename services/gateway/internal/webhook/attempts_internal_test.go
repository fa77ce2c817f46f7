package webhook

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/testkit"
)

// Gateways claiming the same due delivery at once: one of them sends it.
// Its outcome is recorded only while its claim holds, and an attempt cut
// short by a shutdown is given back uncounted.
func TestClaim(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, err := Open(ctx, testkit.DB(t, dsn))
			if err != nil {
				t.Fatal(err)
			}
			sub, err := s.Create(ctx, NewSubscription{Agency: "000.00.00.G22", URL: "https://a.example.vn/hook", By: "vanthu"})
			if err != nil {
				t.Fatal(err)
			}
			ev := testkit.Event(t, events.DocumentReceived, "000.00.00.G22", "d1", time.Now(), events.DocumentReceivedData{DocumentID: "d1"})
			if err := s.Fanout(ctx, ev); err != nil {
				t.Fatal(err)
			}
			now := time.Now().Add(time.Second)
			ids, err := s.due(ctx, now, 10)
			if err != nil || len(ids) != 1 {
				t.Fatalf("due %v, %v; want the one delivery", ids, err)
			}

			var won atomic.Int32
			var claimed attempt
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					a, ok, err := s.claim(ctx, ids[0], now, time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						won.Add(1)
						claimed = a
					}
				})
			}
			wg.Wait()
			if won.Load() != 1 {
				t.Fatalf("%d claims won, want exactly one", won.Load())
			}
			if claimed.attempts != 1 || claimed.url != sub.URL || claimed.secret != sub.Secret || claimed.eventID != ev.ID || len(claimed.body) == 0 {
				t.Errorf("claimed %+v, want the first attempt with what sending it takes", claimed)
			}
			if ids, _ := s.due(ctx, now.Add(30*time.Second), 10); len(ids) != 0 {
				t.Errorf("a claimed delivery is due again within its lease: %v", ids)
			}

			if err := s.giveBack(ctx, claimed, now); err != nil {
				t.Fatal(err)
			}
			d, err := s.Delivery(ctx, "000.00.00.G22", claimed.id)
			if err != nil || d.Attempts != 0 || d.Status != StatusPending {
				t.Fatalf("given back: %+v (%v), want pending with no attempt counted", d, err)
			}
			// The old claim no longer holds: its outcome changes nothing.
			if err := s.delivered(ctx, claimed, 200, now); err != nil {
				t.Fatal(err)
			}
			if d, _ := s.Delivery(ctx, "000.00.00.G22", claimed.id); d.Status != StatusPending {
				t.Errorf("a stale claim recorded its outcome: %+v", d)
			}
		})
	}
}
