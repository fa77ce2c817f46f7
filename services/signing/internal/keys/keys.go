// Package keys finds the private key and certificate chain a person signs
// with. Keys are read from a PKI directory (pkidir.go: users/<username>.crt
// and .key issued by root.crt). Keys on PKCS#11 tokens
// (package token) and at remote signing services (package remote) are
// other sources behind the same Source interface.
package keys

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// ErrNoSigningKey is in the chain of every error that means the person has
// no usable signing key: no certificate at all, an expired one, or a name
// that cannot be a user. Retrying does not help until an operator issues one.
var ErrNoSigningKey = errors.New("no signing key")

// ErrNoOrganisationKey is in the chain of every error meaning the agency
// has no usable organisation certificate.
var ErrNoOrganisationKey = errors.New("no organisation key")

// Credential is what one person signs with.
type Credential struct {
	Username string
	Key      crypto.Signer
	Cert     *x509.Certificate
	// Chain holds the certificates above Cert up to and including the root.
	Chain []*x509.Certificate
}

// Source finds a person's credential.
type Source interface {
	Lookup(ctx context.Context, username string) (Credential, error)
}

// Dir reads credentials, images and the root from a PKI directory on every
// lookup, so a certificate issued while the service runs is used without a
// restart.
type Dir struct {
	dir string
	now func() time.Time
}

var _ Source = (*Dir)(nil)

// NewDir reads credentials from dir. now is the clock certificates'
// validity is judged by.
func NewDir(dir string, now func() time.Time) *Dir {
	if now == nil {
		now = time.Now
	}
	return &Dir{dir: dir, now: now}
}

// Check reports whether the directory holds a readable root certificate; the
// service is not ready to sign without one.
func (d *Dir) Check(context.Context) error {
	if _, err := d.root(); err != nil {
		return fmt.Errorf("keys.Check: %w", err)
	}
	return nil
}

// Lookup returns username's credential. An error wrapping ErrNoSigningKey
// means the person cannot sign; any other error is the directory's fault.
func (d *Dir) Lookup(ctx context.Context, username string) (Credential, error) {
	const op = "keys.Lookup"
	if !ValidUsername(username) {
		return Credential{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("%q is not a valid username, so it has no signing certificate", username)).
			WithDetail("signer", username).WithCause(ErrNoSigningKey)
	}
	return d.credential(ctx, op, UserBase(d.dir, username), holder{
		name: username, detail: "signer", what: "signing certificate", cause: ErrNoSigningKey,
		missing: fmt.Sprintf("user %s has no signing certificate: issue one (docflow pki init) before assigning documents for signature", username),
	})
}

// Organisation returns the credential of the agency's organisation
// signature. An error wrapping ErrNoOrganisationKey means the agency
// cannot seal; any other error is the directory's fault.
func (d *Dir) Organisation(ctx context.Context, agency string) (Credential, error) {
	return d.credential(ctx, "keys.Organisation", OrgBase(d.dir, agency), holder{
		name: agency, detail: "agency", what: "organisation certificate", cause: ErrNoOrganisationKey,
		missing: fmt.Sprintf("agency %s has no organisation certificate: issue one (docflow pki init) before issuing its documents", agency),
	})
}

// holder says whose credential is read and how to report its absence.
type holder struct {
	name, detail, what string
	// missing is the message when the holder has no certificate; cause is
	// in the chain of every error meaning they cannot sign.
	missing string
	cause   error
}

// credential reads the identity at base, issued by the root and valid now.
func (d *Dir) credential(ctx context.Context, op, base string, h holder) (Credential, error) {
	if err := ctx.Err(); err != nil {
		return Credential{}, errs.Wrap(op, err)
	}
	root, err := d.root()
	if err != nil {
		return Credential{}, fmt.Errorf("%s: %w", op, err)
	}
	id, err := ReadIdentity(base, root)
	if errors.Is(err, fs.ErrNotExist) {
		return Credential{}, errs.E(op, errs.NotFound, errcode.NotFound, h.missing).WithDetail(h.detail, h.name).WithCause(h.cause)
	}
	if err != nil {
		return Credential{}, fmt.Errorf("%s: %s of %s: %w", op, h.what, h.name, err)
	}
	if now := d.now(); now.Before(id.Cert.NotBefore) || now.After(id.Cert.NotAfter) {
		return Credential{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the %s of %s is valid only from %s to %s: issue a new one",
				h.what, h.name, id.Cert.NotBefore.Format(time.RFC3339), id.Cert.NotAfter.Format(time.RFC3339))).
			WithDetail(h.detail, h.name).WithCause(h.cause)
	}
	return Credential{Username: h.name, Key: id.Key, Cert: id.Cert, Chain: []*x509.Certificate{root}}, nil
}

// Trust is the root of the directory, as the one anchor personal
// signatures must chain to.
func (d *Dir) Trust(context.Context) (*x509.CertPool, error) {
	root, err := d.root()
	if err != nil {
		return nil, fmt.Errorf("keys.Trust: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return pool, nil
}

func (d *Dir) root() (*x509.Certificate, error) { return LoadRoot(d.dir) }

// attributeNames are the short names RFC 4514 and common tools (openssl,
// poppler) print for subject attributes; Go's own String leaves UID and
// organizationIdentifier as hex.
var attributeNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.42":                   "GN",
	"2.5.4.4":                    "SN",
	"2.5.4.97":                   "organizationIdentifier",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "emailAddress",
}

// Subject renders a certificate's subject the way people read it elsewhere
// (RFC 4514 order: most specific first), e.g.
// "UID=lanhdao,serialNumber=lanhdao,CN=Phạm Minh Đức,O=…,C=VN".
func Subject(cert *x509.Certificate) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(cert.RawSubject, &seq); err != nil || len(rest) > 0 {
		return cert.Subject.String()
	}
	var b strings.Builder
	for i := len(seq) - 1; i >= 0; i-- {
		for j, atv := range seq[i] {
			switch {
			case i < len(seq)-1 && j == 0:
				b.WriteByte(',')
			case j > 0:
				b.WriteByte('+')
			}
			name, ok := attributeNames[atv.Type.String()]
			if !ok {
				name = atv.Type.String()
			}
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(escapeValue(fmt.Sprint(atv.Value)))
		}
	}
	return b.String()
}

// escapeValue escapes an attribute value as RFC 4514 section 2.4 asks.
func escapeValue(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case strings.ContainsRune(`,+"\<>;`, r),
			i == 0 && (r == ' ' || r == '#'),
			i == len(v)-1 && r == ' ':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
