package reception

import (
	"errors"
	"strings"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

func TestRefusal(t *testing.T) {
	t.Parallel()
	digest := svc.SignatureProblem{Code: "digest_mismatch", Severity: "error", Message: "the signed bytes were changed after signing"}
	warning := svc.SignatureProblem{Code: "revocation_unknown", Severity: "warning", Message: "no revocation data"}
	appended := svc.SignatureProblem{Code: "appended_data", Severity: "error", Message: "bytes were appended after the last revision"}
	tests := []struct {
		name       string
		report     svc.SignatureReport
		wantReason string // empty: accepted
		wantMsg    string
		wantField  string
	}{
		{"unsigned", svc.SignatureReport{Problems: []svc.SignatureProblem{{Code: "not_signed", Severity: "error", Message: "not signed"}}}, "", "", ""},
		{"valid with a warning", svc.SignatureReport{Valid: true, SignatureFields: 1, Verified: 1,
			Signatures: []svc.SignatureVerdict{{Field: "Sig1", Valid: true, Problems: []svc.SignatureProblem{warning}}}}, "", "", ""},
		{"changed after signing", svc.SignatureReport{SignatureFields: 1, Verified: 1,
			Signatures: []svc.SignatureVerdict{{Field: "Sig1", Problems: []svc.SignatureProblem{warning, digest}}}},
			"digest_mismatch", "signature Sig1 does not verify, so it is not accepted: the signed bytes were changed after signing", "Sig1"},
		{"problem with the file first", svc.SignatureReport{SignatureFields: 1, Verified: 1, Problems: []svc.SignatureProblem{appended},
			Signatures: []svc.SignatureVerdict{{Field: "Sig1", Problems: []svc.SignatureProblem{digest}}}},
			"appended_data", "bytes were appended after the last revision", ""},
		{"a field whose value is no signature", svc.SignatureReport{SignatureFields: 1,
			Problems: []svc.SignatureProblem{{Code: "signature_missing", Severity: "error", Message: "field Sig1 holds no signature"}}},
			"signature_missing", "field Sig1 holds no signature", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := refusal(tt.report)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("refusal = %v, want a classified error", err)
			}
			if e.Kind != errs.Invalid || e.Code != errcode.SignatureInvalid {
				t.Errorf("kind %v code %s, want invalid %s", e.Kind, e.Code, errcode.SignatureInvalid)
			}
			if e.Details["reason"] != tt.wantReason || e.Details["signature"] != tt.wantField {
				t.Errorf("details %v, want reason %s, signature %q", e.Details, tt.wantReason, tt.wantField)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.wantMsg)
			}
		})
	}
}

func TestLooksSigned(t *testing.T) {
	t.Parallel()
	if looksSigned([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj")) {
		t.Error("a PDF without a signature dictionary looks signed")
	}
	if !looksSigned([]byte("%PDF-1.7\n5 0 obj << /Type /Sig /ByteRange [0 10 20 30] >> endobj")) {
		t.Error("a PDF with a signature dictionary does not look signed")
	}
}
