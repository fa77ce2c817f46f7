// Package keystest holds what every key source (keys.Source: the PKI
// directory, a PKCS#11 token, a remote signing service) must answer alike,
// so that the signing activity can tell a person without a usable key from
// a source that is down, whichever source it uses.
package keystest

import (
	"errors"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// NoSigningKey fails the test unless err is a Lookup's refusal for a person
// without a usable key: it wraps keys.ErrNoSigningKey, is of kind and its
// message says msg.
func NoSigningKey(t testing.TB, err error, kind errs.Kind, msg string) {
	t.Helper()
	if !errors.Is(err, keys.ErrNoSigningKey) {
		t.Fatalf("Lookup = %v, want ErrNoSigningKey", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != kind || !strings.Contains(e.Message, msg) {
		t.Errorf("error %v, want kind %v saying %q", err, kind, msg)
	}
}
