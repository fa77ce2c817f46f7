package reception_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
	"github.com/docflow/docflow/services/internal/testkit"
)

// testHostileUploads stages every file of the hostile PDF corpus and asks
// the desk to accept it: each is refused as a malformed PDF (kind Invalid,
// so a 4xx for the client) with a message that says what to do, leaving
// nothing behind; or, when its lie costs nothing, accepted and registered.
func testHostileUploads(t *testing.T, srv *servers) {
	for _, c := range pdfreadtest.Hostile() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			f := srv.fixture(t, testkit.SQLite(t))
			_, err := f.desk.Accept(t.Context(), f.request(f.stage(t, c.Data)))
			if c.Want == nil {
				if err != nil {
					t.Fatalf("Accept: %v, want %s (%s) accepted", err, c.Name, c.What)
				}
				if n := f.registered(t); n != 1 {
					t.Errorf("%d register entries, want 1", n)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errcode.MalformedPDF || errs.KindOf(err) != errs.Invalid ||
				!strings.HasPrefix(e.Message, "malformed PDF: ") || !strings.HasSuffix(e.Message, "upload it") {
				t.Fatalf("Accept = %v, want an invalid %s refusal saying what to do", err, errcode.MalformedPDF)
			}
			assertNothingLeft(t, f)
		})
	}
}

// assertNothingLeft checks that a refused upload left no object, register
// entry or event.
func assertNothingLeft(t *testing.T, f *fixture) {
	t.Helper()
	if left := f.objects(t); len(left) > 0 {
		t.Errorf("objects left behind: %v", left)
	}
	if n := f.registered(t); n != 0 {
		t.Errorf("%d register entries after a refusal", n)
	}
	if evs := f.received(t); len(evs) != 0 {
		t.Errorf("%d events after a refusal", len(evs))
	}
}
