// Package keystest holds what every key source (keys.Source: the PKI
// directory, a PKCS#11 token, a remote signing service) must answer alike,
// so that the signing activity can tell a person without a usable key from
// a source that is down, whichever source it uses.
package keystest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// Refusal is a person a key source must refuse as having no usable key.
type Refusal struct {
	Name     string
	Username string
	// At is the source's clock, for sources that judge a certificate's
	// validity by it; zero for the others.
	At time.Time
	// Kind and Msg are the kind of the error and what its message says.
	Kind errs.Kind
	Msg  string
}

// CheckRefusals looks each refusal's person up, in parallel subtests, in
// the source open returns for the refusal's clock. Each answer must wrap
// keys.ErrNoSigningKey and be of the refusal's kind, saying its message.
func CheckRefusals(t *testing.T, open func(t *testing.T, now func() time.Time) keys.Source, refusals []Refusal) {
	t.Helper()
	for _, r := range refusals {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			_, err := open(t, func() time.Time { return r.At }).Lookup(t.Context(), r.Username)
			if !errors.Is(err, keys.ErrNoSigningKey) {
				t.Fatalf("Lookup = %v, want ErrNoSigningKey", err)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != r.Kind || !strings.Contains(e.Message, r.Msg) {
				t.Errorf("error %v, want kind %v saying %q", err, r.Kind, r.Msg)
			}
		})
	}
}
