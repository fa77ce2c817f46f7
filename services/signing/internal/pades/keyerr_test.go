package pades_test

import (
	"crypto"
	"errors"
	"io"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// failingKey is a key whose device fails the way a token or a remote
// signing service does: with an error of its own kind.
type failingKey struct {
	crypto.Signer
	err error
}

func (k failingKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, k.err }

func TestKeyFailuresAreNotBlamedOnThePDF(t *testing.T) {
	t.Parallel()
	refused := errors.New("refused on the phone")
	tests := []struct {
		name      string
		err       error
		wantKind  errs.Kind
		wantCode  errcode.Code
		wantCause error
	}{
		{"token unavailable", errs.E("token.Sign", errs.Unavailable, errcode.Unavailable, "the token is not plugged in"), errs.Unavailable, errcode.Unavailable, nil},
		{"signer refused", errs.E("remote.Sign", errs.Forbidden, errcode.Forbidden, "the signer declined").WithCause(refused), errs.Forbidden, errcode.Forbidden, refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTrust(t)
			req := padestest.Request(tr, "lanhdao", pades.LevelBB)
			req.Key = failingKey{Signer: req.Key, err: tt.err}
			e := signRefused(t, pdftest.Document(t, "Quyet dinh"), req)
			if e.Kind != tt.wantKind || e.Code != tt.wantCode {
				t.Errorf("error kind %v code %q, want %v %q (the PDF is sound): %v", e.Kind, e.Code, tt.wantKind, tt.wantCode, e)
			}
			if tt.wantCause != nil && !errors.Is(e, tt.wantCause) {
				t.Errorf("the key's cause is lost: %v", e)
			}
		})
	}
}
