package sign

import (
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/remote"
	"github.com/docflow/docflow/workflows"
)

func TestLevelFor(t *testing.T) {
	t.Parallel()
	cfg := Config{Level: pades.LevelBLT, AgencyLevels: map[string]pades.Level{"000.00.00.H10": pades.LevelBT}}
	if got := cfg.LevelFor("000.00.00.H10"); got != pades.LevelBT {
		t.Errorf("agency with its own level signs at %s, want B-T", got)
	}
	if got := cfg.LevelFor("000.00.00.G22"); got != pades.LevelBLT {
		t.Errorf("other agency signs at %s, want the default B-LT", got)
	}
}

// What a failed signature becomes decides whether Temporal retries it and
// what the workflow is told.
func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantType  string // "" means a plain, retryable error
		wantInMsg string
	}{
		{"refused on the phone", errs.Wrap("pades.Sign", errs.E("remote.Await", errs.Forbidden, errcode.Forbidden, "the signer declined").WithCause(remote.ErrRefused)),
			ErrSignatureRefused, "the signer declined"},
		{"no approval in time", errs.E("remote.Await", errs.Conflict, errcode.Conflict, "not in time").WithCause(remote.ErrExpired),
			ErrSignatureExpired, "not in time"},
		{"certificate gone", errs.E("token.Lookup", errs.NotFound, errcode.NotFound, "no certificate").WithCause(keys.ErrNoSigningKey),
			workflows.ErrNoSigningKey, "no certificate"},
		{"damaged PDF", errs.E("pades.Sign", errs.Invalid, errcode.MalformedPDF, "structure is damaged"),
			workflows.ErrUnsignablePDF, "structure is damaged"},
		{"token unplugged", errs.Wrap("pades.Sign", errs.E("token.Sign", errs.Unavailable, errcode.Unavailable, "token not present")), "", "token not present"},
		{"TSA down", errs.E("pades.Sign", errs.Unavailable, errcode.Unavailable, "no timestamp authority"), "", "no timestamp authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := classify("sign.SignDocument", tt.err)
			var appErr *temporal.ApplicationError
			isApp := errors.As(err, &appErr)
			switch {
			case tt.wantType == "" && isApp:
				t.Errorf("%v became application error %s; it must stay retryable", tt.err, appErr.Type())
			case tt.wantType != "" && (!isApp || appErr.Type() != tt.wantType || !appErr.NonRetryable()):
				t.Errorf("classify = %v, want a non-retryable %s", err, tt.wantType)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error %v does not carry %q", err, tt.wantInMsg)
			}
		})
	}
}
