package text_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

// "Quyết định" with its letters decomposed, as some keyboards and PDF
// extractors produce it.
const decomposed = "Quye\u0302\u0301t \u0111i\u0323nh"

func TestNFC(t *testing.T) {
	t.Parallel()
	if got := text.NFC(decomposed); got != "Quyết định" {
		t.Fatalf("NFC = %q", got)
	}
	if got := text.Length(decomposed); got != 10 {
		t.Fatalf("Length = %d, want 10 characters", got)
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Quyết định", "quyet dinh"},
		{decomposed, "quyet dinh"},
		{"ĐỀ ÁN", "de an"},
		{"Ðà Nẵng", "da nang"}, // Icelandic Eth typed for Đ
		{"Ủy ban nhân dân tỉnh Quảng Ninh", "uy ban nhan dan tinh quang ninh"},
		{"H49.64.33", "h49.64.33"},
	}
	for _, tc := range tests {
		if got := text.Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLimitsOfAppendixVI(t *testing.T) {
	t.Parallel()
	want := map[text.Limit]int{
		text.CodeNumber: 11, text.CodeNotation: 30, text.Subject: 500, text.OrganName: 200,
		text.OrganIDLegacy: 13, text.OrganID: 35, text.ArrivalNumber: 10, text.Description: 500,
	}
	for _, l := range text.Limits() {
		if want[l] != l.Max {
			t.Errorf("%s: max %d, want %d", l.Element, l.Max, want[l])
		}
		delete(want, l)
	}
	if len(want) > 0 {
		t.Errorf("Limits() misses %v", want)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ệ", 512)
	tests := []struct {
		name    string
		fields  []text.Field
		details map[string]string // nil: accepted
	}{
		{
			name: "over-length subject is named",
			fields: []text.Field{
				{Name: "subject", Value: long, Limit: text.Subject, Required: true},
			},
			details: map[string]string{"subject": "at most 500 characters, got 512"},
		},
		{
			name: "exactly at the limit, counted in characters after NFC",
			fields: []text.Field{
				// 500 decomposed "ệ" are 1500 code points but 500 characters.
				{Name: "subject", Value: strings.Repeat("e\u0323\u0302", 500), Limit: text.Subject, Required: true},
			},
		},
		{
			name: "every problem at once",
			fields: []text.Field{
				{Name: "subject", Value: "  ", Limit: text.Subject, Required: true},
				{Name: "issuer", Value: strings.Repeat("a", 201), Limit: text.OrganName},
				{Name: "description", Value: "\xff", Limit: text.Description},
				{Name: "symbol", Value: "", Limit: text.CodeNotation}, // optional and empty
			},
			details: map[string]string{
				"subject":     "required",
				"issuer":      "at most 200 characters, got 201",
				"description": "not valid UTF-8 text",
			},
		},
		{
			name:   "nothing to check",
			fields: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := text.Check(tc.fields...)
			if tc.details == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Code != errcode.InvalidArgument {
				t.Fatalf("Check = %v, want an invalid-argument error", err)
			}
			if len(e.Details) != len(tc.details) {
				t.Errorf("details %v, want %v", e.Details, tc.details)
			}
			for field, want := range tc.details {
				if e.Details[field] != want {
					t.Errorf("detail %q = %q, want %q", field, e.Details[field], want)
				}
				if !strings.Contains(e.Message, field+": "+want) {
					t.Errorf("message %q does not name %s", e.Message, field)
				}
			}
		})
	}
}
