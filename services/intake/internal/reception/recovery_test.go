package reception_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/intake/internal/register/registertest"
	"github.com/docflow/docflow/services/internal/errs"
)

func testRepeatedRequest(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
	first, err := f.desk.Accept(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	// The staged upload is gone by now; the register remembers it.
	again, err := f.desk.Accept(t.Context(), req)
	if err != nil {
		t.Fatalf("repeated Accept: %v", err)
	}
	if !sameReply(again, first) {
		t.Errorf("repeated Accept = %+v, want %+v", again, first)
	}
	if n := len(f.received(t)); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	if got := f.objects(t); len(got) != 1 {
		t.Errorf("bucket holds %v, want the one original", got)
	}
	next := f.accept(t, readSample(t, "one-page.pdf"))
	if next.ArrivalNumber != 2 {
		t.Errorf("next upload got number %d, want 2", next.ArrivalNumber)
	}
}

func testConcurrentRepeats(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	req := f.request(f.stage(t, readSample(t, "three-pages.pdf")))
	const n = 4
	replies := make([]svc.AcceptReply, n)
	failures := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { replies[i], failures[i] = f.desk.Accept(context.WithoutCancel(t.Context()), req) })
	}
	wg.Wait()
	for _, err := range failures {
		if err != nil {
			t.Fatalf("concurrent repeat failed: %v", err)
		}
	}
	ok := replies
	for _, r := range ok[1:] {
		if !sameReply(r, ok[0]) {
			t.Errorf("replies differ: %+v and %+v", r, ok[0])
		}
	}
	if ok[0].ArrivalNumber != 1 || f.registered(t) != 1 {
		t.Errorf("number %d with %d entries, want one entry numbered 1", ok[0].ArrivalNumber, f.registered(t))
	}
	if got := f.objects(t); !slices.Equal(got, []string{"originals/" + ok[0].DocumentID + ".pdf"}) {
		t.Errorf("bucket holds %v, want one version of the original", got)
	}
	if n := len(f.received(t)); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

func testFailedRegistration(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	allow := registertest.Refuse(t, f.db, "")
	req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
	_, err := f.desk.Accept(t.Context(), req)
	if err == nil {
		t.Fatal("Accept succeeded although the register refused the entry")
	}
	if k := errs.KindOf(err); k != errs.Unavailable {
		t.Errorf("failure of kind %s, want unavailable (the caller may retry): %v", k, err)
	}
	if left := f.objects(t); len(left) > 0 {
		t.Errorf("objects left behind: %v", left)
	}
	if evs := f.received(t); len(evs) != 0 {
		t.Errorf("%d events after a failed registration", len(evs))
	}
	allow()
	if rep := f.accept(t, readSample(t, "one-page.pdf")); rep.ArrivalNumber != 1 {
		t.Errorf("after a failed registration the next number is %d, want 1", rep.ArrivalNumber)
	}
}

// unreachable stands for a NATS server that is away when intake publishes.
type unreachable struct{}

func (unreachable) PublishWithID(context.Context, string, time.Time, events.Type, string, string, any) (events.Envelope, error) {
	return events.Envelope{}, errors.New("nats: no servers available for connection")
}

func testLateAnnouncement(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	dbDSN := dsn(t)
	offline := srv.fixture(t, dbDSN, withPublisher(unreachable{}))
	rep := offline.accept(t, readSample(t, "one-page.pdf"))
	if rep.ArrivalNumber != 1 {
		t.Errorf("arrival number %d, want 1: the document is registered even if its event is late", rep.ArrivalNumber)
	}
	if evs := offline.received(t); len(evs) != 0 {
		t.Fatalf("%d events although NATS was away", len(evs))
	}

	// The service comes back (here: a desk on the same register that can
	// publish) and announces what was missed.
	online := srv.fixture(t, dbDSN)
	online.agency, online.clerk = offline.agency, offline.clerk
	n, err := online.desk.AnnouncePending(t.Context(), 0)
	if err != nil || n != 1 {
		t.Fatalf("AnnouncePending = %d, %v; want 1 event published", n, err)
	}
	evs := online.received(t)
	if len(evs) != 1 || evs[0].Subject != rep.DocumentID {
		t.Fatalf("events after announcing: %+v", evs)
	}
	if n, err := online.desk.AnnouncePending(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("second AnnouncePending = %d, %v; want nothing left to publish", n, err)
	}
}

func testConcurrentUploads(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	const n = 12
	pdf := readSample(t, "one-page.pdf")
	staged := make([]events.Object, n)
	for i := range staged {
		staged[i] = f.stage(t, pdf)
	}
	numbers := make([]int64, n)
	failures := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rep, err := f.desk.Accept(context.WithoutCancel(t.Context()), f.request(staged[i]))
			numbers[i], failures[i] = rep.ArrivalNumber, err
		})
	}
	wg.Wait()
	for _, err := range failures {
		if err != nil {
			t.Fatalf("concurrent Accept: %v", err)
		}
	}
	registertest.CheckConsecutive(t, numbers, n)
	if got := len(f.objects(t)); got != n {
		t.Errorf("%d objects, want %d originals", got, n)
	}
	if got := len(f.received(t)); got != n {
		t.Errorf("%d events, want %d", got, n)
	}
}
