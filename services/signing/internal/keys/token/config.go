// Package token finds signing credentials on a PKCS#11 token (an HSM, a USB
// token, SoftHSM2 in development and tests). The private key never leaves the
// token: the crypto.Signer it hands out asks the token to sign each digest.
//
// A person's key is the private key object whose CKA_LABEL is their username.
// Their certificate is the certificate object on the same token with the same
// label (and, when the key has one, the same CKA_ID), because a certificate
// issued for a token key is written back to that token by every enrolment
// tool. The certificates above it (issuing CAs up to the root) come from a
// PEM file, since tokens rarely carry them.
package token

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Environment variables of the token configuration. The PIN comes from the
// environment or a file, never from a flag, so it stays out of process
// listings and shell history.
const (
	EnvModule      = "DOCFLOW_SIGNING_PKCS11_MODULE"
	EnvToken       = "DOCFLOW_SIGNING_PKCS11_TOKEN" //nolint:gosec // G101: the name of a variable holding a token label, not a credential
	EnvPIN         = "DOCFLOW_SIGNING_PKCS11_PIN"
	EnvPINFile     = "DOCFLOW_SIGNING_PKCS11_PIN_FILE"
	EnvChainFile   = "DOCFLOW_SIGNING_PKCS11_CHAIN_FILE"
	EnvMaxSessions = "DOCFLOW_SIGNING_PKCS11_SESSIONS"
)

// DefaultModule is where Debian's softhsm2 package installs its library.
const DefaultModule = "/usr/lib/softhsm/libsofthsm2.so"

// Config says which token to use and how to log in to it.
type Config struct {
	// Module is the path of the PKCS#11 library.
	Module string `env:"DOCFLOW_SIGNING_PKCS11_MODULE" default:"/usr/lib/softhsm/libsofthsm2.so"`
	// TokenLabel is the label of the token holding the signing keys.
	TokenLabel string `env:"DOCFLOW_SIGNING_PKCS11_TOKEN"`
	// PIN is the user PIN; PINFile names a file holding it instead.
	PIN     string `env:"DOCFLOW_SIGNING_PKCS11_PIN"`
	PINFile string `env:"DOCFLOW_SIGNING_PKCS11_PIN_FILE"`
	// ChainFile is a PEM file with the certificates above the signers'
	// certificates: the issuing CA first, the root last.
	ChainFile string `env:"DOCFLOW_SIGNING_PKCS11_CHAIN_FILE"`
	// MaxSessions bounds the sessions open on the token, hence the
	// signatures made at the same time.
	MaxSessions int `env:"DOCFLOW_SIGNING_PKCS11_SESSIONS" default:"4"`
	// SessionWait is how long a signature waits for a free session before
	// it reports the token as busy.
	SessionWait time.Duration `env:"DOCFLOW_SIGNING_PKCS11_SESSION_WAIT" default:"30s"`
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var problems []error
	if c.Module == "" {
		problems = append(problems, fmt.Errorf("%s is empty: name the PKCS#11 library (e.g. %s)", EnvModule, DefaultModule))
	}
	if c.TokenLabel == "" {
		problems = append(problems, fmt.Errorf("%s is empty: name the label of the token holding the signing keys", EnvToken))
	}
	switch {
	case c.PIN == "" && c.PINFile == "":
		problems = append(problems, fmt.Errorf("no token PIN: set %s to a file holding it, or %s", EnvPINFile, EnvPIN))
	case c.PIN != "" && c.PINFile != "":
		problems = append(problems, fmt.Errorf("both %s and %s are set: keep one", EnvPIN, EnvPINFile))
	}
	if c.ChainFile == "" {
		problems = append(problems, fmt.Errorf("%s is empty: name the PEM file with the issuing CA and root certificates", EnvChainFile))
	}
	if c.MaxSessions < 1 {
		problems = append(problems, fmt.Errorf("%s=%d: at least one session is needed", EnvMaxSessions, c.MaxSessions))
	}
	if c.SessionWait <= 0 {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_PKCS11_SESSION_WAIT must be positive"))
	}
	return errors.Join(problems...)
}

// pin returns the user PIN, reading PINFile when it is set. A trailing line
// break is dropped: editors and `echo` add one.
func (c Config) pin() (string, error) {
	if c.PINFile == "" {
		return c.PIN, nil
	}
	data, err := os.ReadFile(c.PINFile)
	if err != nil {
		return "", fmt.Errorf("read the token PIN from %s (%s): %w", c.PINFile, EnvPINFile, err)
	}
	pin := strings.TrimRight(string(data), "\r\n")
	if pin == "" {
		return "", fmt.Errorf("%s (%s) is empty", c.PINFile, EnvPINFile)
	}
	return pin, nil
}
