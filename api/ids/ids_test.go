package ids_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docflow/docflow/api/ids"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	checks := map[string]func(string) error{
		"document": ids.CheckDocument,
		"username": ids.CheckUsername,
		"agency":   ids.CheckAgency,
	}
	tests := []struct {
		check string
		value string
		says  string // empty: accepted
	}{
		{"document", "0190f0c4-0000-7000-8000-000000000001", ""},
		{"document", "doc-1", ""},
		{"document", "a.b_c-D", ""},
		{"document", strings.Repeat("d", 128), ""},
		{"document", strings.Repeat("d", 129), "too long: 129 characters, at most 128 in a document id"},
		{"document", "", "document id is required"},
		{"document", "../x", `"../x" is not a document id: use letters, digits`},
		{"document", "a/b", "not a document id"},
		{"document", "-x", "starting with a letter or digit"},
		{"document", "a b", "not a document id"},
		{"document", "a\n", "not a document id"},
		{"username", "chuyenvien1", ""},
		{"username", "nguyen.van-a_2", ""},
		{"username", strings.Repeat("u", 64), ""},
		{"username", strings.Repeat("u", 65), "at most 64 in a username"},
		{"username", "../root", `"../root" is not a username: use lower-case letters`},
		{"username", "VanThu", "not a username"},
		{"username", "", "username is required"},
		{"agency", "000.00.00.G22", ""},
		{"agency", "H49.64.33", ""},
		{"agency", "G22", ""},
		{"agency", strings.Repeat("A", 35), ""},
		{"agency", strings.Repeat("A", 36), "too long: 36 characters, at most 35 in an agency identifier"},
		{"agency", "000.00.00.g22", `"000.00.00.g22" is not an agency identifier: write it as 000.00.00.G22 or H49.64.33`},
		{"agency", "H49..33", "not an agency identifier"},
		{"agency", ".G22", "not an agency identifier"},
		{"agency", "G22.", "not an agency identifier"},
		{"agency", "../G22", "not an agency identifier"},
		{"agency", "000_00_00_G22", "not an agency identifier"},
		{"agency", "", "agency identifier is required"},
	}
	for _, tt := range tests {
		err := checks[tt.check](tt.value)
		if tt.says == "" {
			if err != nil {
				t.Errorf("%s %q refused: %v", tt.check, tt.value, err)
			}
			continue
		}
		var e *ids.Error
		if !errors.As(err, &e) {
			t.Errorf("%s %q: error %v, want an *ids.Error", tt.check, tt.value, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s %q: %q does not say %q", tt.check, tt.value, err, tt.says)
		}
		if e.Value != tt.value || e.Reason == "" {
			t.Errorf("%s %q: error %+v does not carry the value and a reason", tt.check, tt.value, e)
		}
	}
}

// A refusal quotes a long value clipped, not whole.
func TestErrorClipsTheValue(t *testing.T) {
	t.Parallel()
	err := ids.CheckAgency(strings.Repeat("x", 30))
	if got := err.Error(); !strings.HasPrefix(got, `"`+strings.Repeat("x", 30)+`" is not`) {
		t.Errorf("short value: %s", got)
	}
	err = ids.CheckDocument(strings.Repeat("/", 1000))
	if got := err.Error(); len(got) > 200 || !strings.Contains(got, "…") {
		t.Errorf("long value repeated back: %d bytes: %.80s", len(got), got)
	}
}
