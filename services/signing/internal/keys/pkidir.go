package keys

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/services/internal/errs"
)

// The PKI directory (DOCFLOW_SIGNING_PKI_DIR) is read as laid out below;
// `docflow pki init` writes one for development, an operator provides one
// issued by a real CA in production. Certificates and keys are PEM (keys
// PKCS#8); every identity is issued directly by the root.
//
//	root.crt                          the root certificate
//	org/<agency token>.crt, .key      an agency's organisation certificate
//	org/<agency token>.seal.png       the agency's seal, a PNG recording its resolution
//	users/<username>.crt, .key        a person's signing certificate
//	users/<username>.signature.png    the person's handwritten signature, blue on transparent
//
// The agency token is events.AgencyToken of the agency identifier. `docflow
// pki init` also writes each person's key as users/<username>.p12 for their
// own tools; the service does not read it.

// RootFile is the root certificate of the PKI in dir.
func RootFile(dir string) string { return filepath.Join(dir, "root.crt") }

// UserBase is the path of username's files without their extension.
func UserBase(dir, username string) string { return filepath.Join(dir, "users", username) }

// OrgBase is the path of agency's files without their extension.
func OrgBase(dir, agency string) string { return filepath.Join(dir, "org", events.AgencyToken(agency)) }

// SealImageFile is the seal image of agency.
func SealImageFile(dir, agency string) string { return OrgBase(dir, agency) + ".seal.png" }

// SignatureImageFile is the handwritten signature image of username.
func SignatureImageFile(dir, username string) string {
	return UserBase(dir, username) + ".signature.png"
}

// ValidUsername reports whether name can be a username (ids.CheckUsername).
// Usernames become file names in the PKI directory and key labels on
// tokens; the rule refuses anything that could escape a directory.
func ValidUsername(name string) bool { return ids.CheckUsername(name) == nil }

// Seal is the agency's seal image. Without one the agency's documents
// cannot be sealed: the error names the file to provide.
func (d *Dir) Seal(_ context.Context, agency string) ([]byte, error) {
	return readImage("keys.Seal", SealImageFile(d.dir, agency),
		"agency "+agency+" has no seal image", "a PNG of its seal that records the seal's real resolution")
}

// Signature is the handwritten signature image of username. Without one
// the error names the file to provide.
func (d *Dir) Signature(_ context.Context, username string) ([]byte, error) {
	if !ValidUsername(username) {
		return nil, errs.E("keys.Signature", errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("%q is not a valid username, so it has no signature image", username))
	}
	return readImage("keys.Signature", SignatureImageFile(d.dir, username),
		"user "+username+" has no signature image", "a PNG of their handwritten signature, blue on transparent")
}

// readImage reads an image of the PKI directory; a missing one is NotFound
// with what to put where.
func readImage(op, file, missing, want string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("%s: put %s at %s (docflow pki init makes demo images for development)", missing, want, file)).WithCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return data, nil
}

// Identity is a certificate with its private key.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// LoadRoot reads the root certificate of the PKI in dir.
func LoadRoot(dir string) (*x509.Certificate, error) {
	root, err := ReadCert(RootFile(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no PKI in %s (root.crt is missing): run `docflow pki init`", dir)
	}
	return root, err
}

// ReadIdentity reads base.crt and base.key and checks that the key belongs
// to the certificate and that the certificate was issued by root. A missing
// file is an error wrapping fs.ErrNotExist.
func ReadIdentity(base string, root *x509.Certificate) (Identity, error) {
	cert, err := ReadCert(base + ".crt")
	if err != nil {
		return Identity{}, err
	}
	key, err := ReadKey(base + ".key")
	if err != nil {
		return Identity{}, err
	}
	if err := CheckPair(key, cert); err != nil {
		return Identity{}, fmt.Errorf("%s: %w", base+".key", err)
	}
	if err := cert.CheckSignatureFrom(root); err != nil {
		return Identity{}, fmt.Errorf("%s was not issued by the root certificate of this PKI (remove it to have a new one issued): %w", base+".crt", err)
	}
	return Identity{Cert: cert, Key: key}, nil
}

// CheckPair reports a key that does not belong to the certificate.
func CheckPair(key crypto.Signer, cert *x509.Certificate) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := key.Public().(equaler)
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("private key does not belong to the certificate")
	}
	return nil
}

// ReadCert reads a PEM certificate.
func ReadCert(file string) (*x509.Certificate, error) {
	return readPEM(file, "CERTIFICATE", "certificate", x509.ParseCertificate)
}

// ReadKey reads a PEM PKCS#8 private key.
func ReadKey(file string) (crypto.Signer, error) {
	return readPEM(file, "PRIVATE KEY", "PKCS#8 private key", func(der []byte) (crypto.Signer, error) {
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, err
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, errors.New("the key cannot sign")
		}
		return signer, nil
	})
}

// readPEM parses the first PEM block of file, which must be of blockType.
func readPEM[T any](file, blockType, what string, parse func(der []byte) (T, error)) (T, error) {
	var zero T
	data, err := os.ReadFile(file)
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", what, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != blockType {
		return zero, fmt.Errorf("%s is not a PEM %s", file, what)
	}
	v, err := parse(block.Bytes)
	if err != nil {
		return zero, fmt.Errorf("parse %s: %w", file, err)
	}
	return v, nil
}
