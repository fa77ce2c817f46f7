package objectkey_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/api/vntime"
)

const (
	doc = "0190f0c4-0000-7000-8000-000000000001"
	sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

// The layout is stored data: these are the keys objects already live
// under, and they must not change.
func TestLayout(t *testing.T) {
	t.Parallel()
	signedAt := time.Date(2025, 12, 31, 17, 30, 0, 0, time.UTC) // 00:30 on 1 January 2026 in Hà Nội
	tests := []struct{ got, want string }{
		{objectkey.Staging("4b0c1b4e-2a6f-4a43-9d4c-3a3f0f8f1b2c"), "staging/4b0c1b4e-2a6f-4a43-9d4c-3a3f0f8f1b2c"},
		{objectkey.Original(doc), "originals/" + doc + ".pdf"},
		{objectkey.Revision(doc, sum), "revisions/" + doc + "/" + sum + ".pdf"},
		{objectkey.Signed(doc), "signed/" + doc + ".pdf"},
		{objectkey.Sealed(doc), "sealed/" + doc + ".pdf"},
		{objectkey.Record("000.00.00.G22", signedAt, doc), "records/000_00_00_G22/2026/" + doc + ".pdf"},
		{objectkey.Record("H49.64.33", time.Date(2026, 6, 1, 9, 0, 0, 0, vntime.Zone), "d1"), "records/H49_64_33/2026/d1.pdf"},
		{objectkey.AreaStaging.Prefix(), "staging/"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("key %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	signedAt := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
	tests := []struct {
		key  string
		want objectkey.Key
	}{
		{objectkey.Staging("u1"), objectkey.Key{Area: objectkey.AreaStaging, Upload: "u1"}},
		{objectkey.Staging("nested/name.pdf"), objectkey.Key{Area: objectkey.AreaStaging, Upload: "nested/name.pdf"}},
		{objectkey.Original(doc), objectkey.Key{Area: objectkey.AreaOriginals, DocumentID: doc}},
		{objectkey.Revision(doc, sum), objectkey.Key{Area: objectkey.AreaRevisions, DocumentID: doc, SHA256: sum}},
		{objectkey.Signed("doc-1"), objectkey.Key{Area: objectkey.AreaSigned, DocumentID: "doc-1"}},
		{objectkey.Sealed("doc-1"), objectkey.Key{Area: objectkey.AreaSealed, DocumentID: "doc-1"}},
		{objectkey.Record("000.00.00.G22", signedAt, doc), objectkey.Key{Area: objectkey.AreaRecords, DocumentID: doc, Agency: "000.00.00.G22", Year: 2026}},
	}
	for _, tt := range tests {
		got, err := objectkey.Parse(tt.key)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.key, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.key, got, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, says string }{
		{"", "not an area"},
		{"elsewhere/x.pdf", `"elsewhere" is not an area`},
		{"staging/", "a staged upload is staging/<name>"},
		{"staging", "a staged upload is staging/<name>"},
		{"staging/../originals/x.pdf", `has no ".."`},
		{"originals/" + doc, "is not <document id>.pdf"},
		{"originals/.pdf", "document id is required"},
		{"signed/a/b.pdf", `"a/b" is not a document id`},
		{"sealed/../x.pdf", "not a document id"},
		{"revisions/" + doc + "/abc.pdf", "64 lower-case hex digits"},
		{"revisions/" + doc + "/" + strings.ToUpper(sum) + ".pdf", "64 lower-case hex digits"},
		{"revisions/" + sum + ".pdf", `"" is not <sha256>.pdf`},
		{"records/000_00_00_G22/2026.pdf", "a record key is records/<agency token>/<year>/<document id>.pdf"},
		{"records/000.00.00.G22/2026/d1.pdf", "not an agency token"},
		{"records/000_00_00_g22/2026/d1.pdf", "not an agency token"},
		{"records/G22/26/d1.pdf", `"26" is not a year`},
		{"records/G22/2026/d1", "is not <document id>.pdf"},
	}
	for _, tt := range tests {
		_, err := objectkey.Parse(tt.key)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Parse(%q) = %v, want an error saying %q", tt.key, err, tt.says)
		}
	}
}
