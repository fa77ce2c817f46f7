package devpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/docflow/docflow/services/signing/internal/keys"
)

// ensureRoot keeps root.crt/root.key when both exist and match, and
// otherwise makes a new self-signed root.
func ensureRoot(dir string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	certFile, keyFile := keys.RootFile(dir), filepath.Join(dir, "root.key")
	hasCert, hasKey := fileExists(certFile), fileExists(keyFile)
	switch {
	case hasCert && hasKey:
		cert, err := keys.ReadCert(certFile)
		if err != nil {
			return nil, nil, err
		}
		key, err := keys.ReadKey(keyFile)
		if err != nil {
			return nil, nil, err
		}
		if err := keys.CheckPair(key, cert); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", keyFile, err)
		}
		return cert, key, nil
	case hasCert != hasKey:
		return nil, nil, fmt.Errorf("the development PKI in %s is incomplete (only one of root.crt and root.key exists): remove the directory to create a new one", dir)
	}

	cert, key, err := issue(&x509.Certificate{
		Subject:               devSubject(RootCommonName),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(rootValidityYears, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// Leaves are issued directly by the root; refusing intermediates keeps
		// a leaked development key from minting a CA.
		MaxPathLen:     0,
		MaxPathLenZero: true,
	}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("root certificate: %w", err)
	}
	if err := writePair(certFile, keyFile, cert, key); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// ensureLeaf keeps base.crt/base.key when both exist and chain to the
// issuer, and otherwise issues a new pair from the template.
func ensureLeaf(base string, issuer *Identity, template func() *x509.Certificate) (*Identity, error) {
	certFile, keyFile := base+".crt", base+".key"
	hasCert, hasKey := fileExists(certFile), fileExists(keyFile)
	switch {
	case hasCert && hasKey:
		return readIdentity(base, issuer.Cert)
	case hasCert != hasKey:
		return nil, fmt.Errorf("only one of %s and %s exists: remove the other to have a new pair issued", filepath.Base(certFile), filepath.Base(keyFile))
	}

	cert, key, err := issue(template(), issuer)
	if err != nil {
		return nil, err
	}
	// A fresh key makes any PKCS#12 of an earlier key stale.
	if err := os.Remove(base + ".p12"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale PKCS#12: %w", err)
	}
	if err := writePair(certFile, keyFile, cert, key); err != nil {
		return nil, err
	}
	return &Identity{Cert: cert, Key: key, CertFile: certFile, KeyFile: keyFile}, nil
}

// issue makes a new P-256 key and a certificate for it from tmpl, signed by
// issuer, or by the new key itself when issuer is nil (the root).
func issue(tmpl *x509.Certificate, issuer *Identity) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return nil, nil, err
	}
	parent, signer := tmpl, crypto.Signer(key)
	if issuer != nil {
		parent, signer = issuer.Cert, issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate: %w", err)
	}
	return cert, key, nil
}

// ensureImage writes the image draw makes to file unless the file exists:
// an image the operator put there replaces the demo one for good.
func ensureImage(file string, draw func() ([]byte, error)) error {
	if fileExists(file) {
		return nil
	}
	data, err := draw()
	if err != nil {
		return fmt.Errorf("draw: %w", err)
	}
	return writeFileAtomic(file, data, certMode)
}

func ensureP12(file string, id *Identity, root *x509.Certificate) error {
	if fileExists(file) {
		return nil
	}
	// Modern2023 (AES-256, PBKDF2, SHA-256 MAC) is what current OpenSSL,
	// NSS and Windows import without legacy providers.
	data, err := pkcs12.Modern2023.Encode(id.Key, id.Cert, []*x509.Certificate{root}, P12Password)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return writeFileAtomic(file, data, keyMode)
}

func orgTemplate(opts Options, now time.Time, root *x509.Certificate) *x509.Certificate {
	return signingTemplate(opts, pkix.Name{
		CommonName: opts.AgencyName,
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: opts.Agency}},
	}, orgValidityYears, now, root)
}

func userTemplate(opts Options, u User, now time.Time, root *x509.Certificate) *x509.Certificate {
	return signingTemplate(opts, pkix.Name{
		CommonName:   u.FullName,
		SerialNumber: u.Username,
		ExtraNames:   []pkix.AttributeTypeAndValue{{Type: oidUserID, Value: u.Username}},
	}, userValidityYears, now, root)
}

// signingTemplate is a certificate that signs documents of the agency, the
// organisation's or a person's: subject says whose, and the agency's name
// is added to it.
func signingTemplate(opts Options, subject pkix.Name, years int, now time.Time, root *x509.Certificate) *x509.Certificate {
	subject.Organization = []string{opts.AgencyName}
	subject.OrganizationalUnit = []string{devOrgUnit}
	subject.Country = []string{"VN"}
	return withServices(opts, &x509.Certificate{
		Subject:     subject,
		NotBefore:   now.Add(-backdate),
		NotAfter:    clampTo(now.AddDate(years, 0, 0), root.NotAfter),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: signingEKU,
	})
}

// tsaTemplate follows RFC 3161, 2.3: the certificate of a TSA carries the
// timeStamping purpose alone, in a critical extension. Go never marks the
// extended key usage critical itself, so the extension is written here.
func tsaTemplate(opts Options, now time.Time, root *x509.Certificate) *x509.Certificate {
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping}) // a fixed, valid OID cannot fail to marshal
	return withServices(opts, &x509.Certificate{
		Subject:         devSubject(TSACommonName),
		NotBefore:       now.Add(-backdate),
		NotAfter:        clampTo(now.AddDate(serviceValidityYears, 0, 0), root.NotAfter),
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
	})
}

// ocspTemplate is a delegated responder (RFC 6960, 4.2.2.2): issued by the
// root it answers for, with id-pkix-ocsp-nocheck so validators do not ask the
// responder about itself. It names no OCSP responder or CRL for that reason.
func ocspTemplate(now time.Time, root *x509.Certificate) *x509.Certificate {
	null, _ := asn1.Marshal(asn1.NullRawValue) // the NULL value cannot fail to marshal
	return &x509.Certificate{
		Subject:         devSubject(OCSPCommonName),
		NotBefore:       now.Add(-backdate),
		NotAfter:        clampTo(now.AddDate(serviceValidityYears, 0, 0), root.NotAfter),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		ExtraExtensions: []pkix.Extension{{Id: OIDOCSPNoCheck, Value: null}},
	}
}

// devSubject names a certificate of the development PKI itself: the root
// and the trust services.
func devSubject(cn string) pkix.Name {
	return pkix.Name{
		CommonName:         cn,
		Organization:       []string{"docflow development"},
		OrganizationalUnit: []string{devOrgUnit},
		Country:            []string{"VN"},
	}
}

// withServices names the development OCSP responder, CRL and root
// certificate in c when the options give where the services run.
func withServices(opts Options, c *x509.Certificate) *x509.Certificate {
	if opts.TrustServicesURL == "" {
		return c
	}
	base := strings.TrimRight(opts.TrustServicesURL, "/")
	c.OCSPServer = []string{base + OCSPPath}
	c.CRLDistributionPoints = []string{base + CRLPath}
	c.IssuingCertificateURL = []string{base + RootPath}
	return c
}

// signingEKU is emailProtection: poppler (pdfsig) validates PDF signer
// certificates with NSS's "email signer" usage, which refuses the newer
// document-signing EKU (RFC 9336) but accepts emailProtection, and Adobe
// Reader accepts it as well.
var signingEKU = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}

func clampTo(t, limit time.Time) time.Time {
	if t.After(limit) {
		return limit
	}
	return t
}

func randomSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	// Zero is not a valid serial number.
	return serial.Add(serial, big.NewInt(1)), nil
}
