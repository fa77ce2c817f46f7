package server_test

import (
	"net/http"
	"testing"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/internal/testkit"
)

// What the clerk typed about an incoming document on upload is shown with
// it, and omitted when nothing was typed.
func TestDocumentShowsWhatItSaysOfItself(t *testing.T) {
	t.Parallel()
	a := registerAPI(t, testkit.SQLite(t))
	res, body := a.get(t, "vanthu", "/v1/documents/d1")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	d := decode[httpapi.Document](t, body)
	if d.Issuer != "Bộ Nội vụ" || d.IssuerID != "000.00.00.G09" || d.Symbol != "12/QĐ-BNV" || d.Description != "Bản chính" ||
		d.IssuedOn == nil || d.IssuedOn.String() != "2026-02-27" {
		t.Errorf("document %s", body)
	}

	_, body = a.get(t, "vanthu", "/v1/documents/d4")
	fields := decode[map[string]any](t, body)
	for _, f := range []string{"issuer", "issuer_id", "symbol", "issued_on", "description"} {
		if _, ok := fields[f]; ok {
			t.Errorf("%s is shown although it was never given: %s", f, body)
		}
	}
}
