// Package devpki creates and reads the development PKI: a root CA, one
// organisation certificate per agency (for the organisation signature), a
// personal signing certificate per demo user, and the certificates of the
// development timestamp authority and OCSP responder (package devtrust runs
// those services). It exists so that a laptop can run the whole signing path
// with real keys; its certificates chain to a root nobody else trusts and
// must never sign a real document.
//
// Layout under the PKI directory (keys 0600, directories 0700), the one the
// signing service reads (internal/keys, pkidir.go) plus the development
// root key and trust services:
//
//	root.crt, root.key                the development root CA
//	tsa.crt, tsa.key                  the development timestamp authority (EKU timeStamping, critical)
//	ocsp.crt, ocsp.key                the development OCSP responder (EKU OCSPSigning, ocsp-nocheck)
//	org/<agency-token>.crt, .key      organisation certificate of an agency
//	org/<agency-token>.seal.png       a demo seal of the agency (SealPNG)
//	users/<username>.crt, .key        personal certificate of a user
//	users/<username>.p12              the same key and chain as PKCS#12 (password P12Password)
//	users/<username>.signature.png    a demo handwritten signature of the user (SignaturePNG)
//
// Where the services are reached is fixed when a certificate is issued
// (Options.TrustServicesURL): personal, organisation and TSA certificates
// name the OCSP responder (AIA) and the CRL (distribution point) under that
// base URL, so independent validators can check them online. Certificates
// are made once and kept, while the services may later run elsewhere (tests
// use free ports); the signer therefore fetches validation data from URLs in
// its own configuration, and the names in the certificates only serve
// validators that look online.
package devpki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// P12Password protects every .p12 file of the development PKI. It is public
// on purpose: these keys protect nothing.
const P12Password = "demo"

// Names that make a development certificate recognisable wherever it shows
// up (a PDF reader's signature panel, openssl output, a file listing).
const (
	RootCommonName = "docflow DEVELOPMENT Root CA - not for production"
	TSACommonName  = "docflow DEVELOPMENT Time-Stamping Authority - not for production"
	OCSPCommonName = "docflow DEVELOPMENT OCSP Responder - not for production"
	devOrgUnit     = "docflow development certificate - not for production use"
)

// DefaultTrustServicesURL is where `docflow dev` runs the development trust
// services (timestamps, OCSP, CRL); certificates issued for the local stack
// point there.
const DefaultTrustServicesURL = "http://127.0.0.1:8089"

// Paths of the development trust services under their base URL.
const (
	TSAPath  = "/tsa"
	OCSPPath = "/ocsp"
	CRLPath  = "/crl"
	// RootPath serves root.crt (DER), named as caIssuers in the AIA.
	RootPath = "/root.crt"
)

// Validity periods. Personal certificates are short-lived as in real
// deployments, so expiry handling is exercised early; the root outlives them.
const (
	rootValidityYears = 20
	orgValidityYears  = 5
	userValidityYears = 3
	// The trust services' certificates live as long as organisation ones.
	serviceValidityYears = 5
	// Certificates start slightly in the past so a verifier whose clock is a
	// little behind does not see them as not yet valid.
	backdate = time.Hour
)

// File and directory modes: keys are secrets even in development, because a
// habit of world-readable keys would carry over to production.
const (
	dirMode  fs.FileMode = 0o700
	keyMode  fs.FileMode = 0o600
	certMode fs.FileMode = 0o644
)

// OIDs Go does not name.
var (
	oidUserID                 = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidExtKeyUsage            = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping         = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	// OIDOCSPNoCheck (RFC 6960, 4.2.2.2.1) tells validators not to check the
	// revocation of the OCSP responder's own certificate.
	OIDOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// Options say what Init creates.
type Options struct {
	Agency     string // agency identifier, e.g. 000.00.00.G22
	AgencyName string // e.g. "Văn phòng Chính phủ (demo)"
	Users      []User
	// TrustServicesURL is the base URL of the development trust services
	// (e.g. DefaultTrustServicesURL). Certificates issued by this Init name
	// <base>/ocsp as their OCSP responder and <base>/crl as their CRL
	// distribution point; empty issues them without, as before these
	// services existed. Certificates that already exist keep what they name.
	TrustServicesURL string
}

// User is a person who gets a personal signing certificate.
type User struct {
	Username string
	FullName string
}

// DemoOptions is the demo agency with its dev-only users.
func DemoOptions() Options {
	return Options{
		Agency:     "000.00.00.G22",
		AgencyName: "Văn phòng Chính phủ (demo)",
		Users: []User{
			{Username: "vanthu", FullName: "Trần Thị Thu"},
			{Username: "chuyenvien1", FullName: "Nguyễn Văn An"},
			{Username: "chuyenvien2", FullName: "Lê Thị Bình"},
			{Username: "lanhdao", FullName: "Phạm Minh Đức"},
			{Username: "luutru", FullName: "Hoàng Thị Lan"},
		},
	}
}

// Identity is a certificate with its private key.
type Identity struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertFile string
	KeyFile  string
	P12File  string // empty for organisation identities
}

// PKI is a development PKI read from its directory.
type PKI struct {
	Dir  string
	Root *x509.Certificate
	// Orgs are the organisation identities by agency identifier.
	Orgs map[string]*Identity
	// Users are the personal identities by username.
	Users map[string]*Identity
	// TSA and OCSP are the identities of the development trust services; nil
	// in a directory made before they existed, until the next Init.
	TSA  *Identity
	OCSP *Identity

	rootKey crypto.Signer
}

// Chain is the certificates above a leaf, up to and including the root.
func (p *PKI) Chain() []*x509.Certificate { return []*x509.Certificate{p.Root} }

// RootKey is the root CA's private key, which signs the development CRL.
func (p *PKI) RootKey() (crypto.Signer, error) {
	if p.rootKey == nil {
		return nil, fmt.Errorf("the development PKI in %s has no root.key: run `docflow pki init`", p.Dir)
	}
	return p.rootKey, nil
}

// Issued lists every certificate the root issued that the directory holds:
// organisations, users and the trust services.
func (p *PKI) Issued() []*x509.Certificate {
	var certs []*x509.Certificate
	for _, ids := range []map[string]*Identity{p.Orgs, p.Users} {
		for _, id := range ids {
			certs = append(certs, id.Cert)
		}
	}
	for _, id := range []*Identity{p.TSA, p.OCSP} {
		if id != nil {
			certs = append(certs, id.Cert)
		}
	}
	return certs
}

func (o Options) validate() error {
	var problems []error
	if o.TrustServicesURL != "" {
		u, err := url.Parse(o.TrustServicesURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, fmt.Errorf("trust services URL %q is not valid: use a base URL such as %s", o.TrustServicesURL, DefaultTrustServicesURL))
		}
	}
	if err := ids.CheckAgency(o.Agency); err != nil {
		problems = append(problems, err)
	}
	if strings.TrimSpace(o.AgencyName) == "" {
		problems = append(problems, errors.New("agency name is empty"))
	}
	seen := map[string]bool{}
	for _, u := range o.Users {
		if !keys.ValidUsername(u.Username) {
			problems = append(problems, fmt.Errorf("username %q is not valid: use lower-case letters, digits, '.', '_' and '-'", u.Username))
		}
		if strings.TrimSpace(u.FullName) == "" {
			problems = append(problems, fmt.Errorf("user %q has no full name", u.Username))
		}
		if seen[u.Username] {
			problems = append(problems, fmt.Errorf("user %q is listed twice", u.Username))
		}
		seen[u.Username] = true
	}
	return errors.Join(problems...)
}

// Init makes sure dir holds a development PKI with the agency and users of
// opts. What already exists is kept, so certificates handed out earlier stay
// valid; only what is missing is created, signed by the existing root.
func Init(dir string, opts Options, now time.Time) (*PKI, error) {
	const op = "devpki.Init"
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "org"), filepath.Join(dir, "users")} {
		if err := os.MkdirAll(d, dirMode); err != nil {
			return nil, fmt.Errorf("%s: create directory: %w", op, err)
		}
		// MkdirAll leaves an existing directory as it was; the keys below
		// must not be readable by others whatever created it.
		if err := os.Chmod(d, dirMode); err != nil {
			return nil, fmt.Errorf("%s: restrict directory: %w", op, err)
		}
	}
	// The README describes what this version of Init makes, so an older one
	// is replaced.
	if err := writeIfChanged(filepath.Join(dir, "README.txt"), []byte(readme), certMode); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	root, rootKey, err := ensureRoot(dir, now)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	issuer := &Identity{Cert: root, Key: rootKey}

	if _, err := ensureLeaf(filepath.Join(dir, "tsa"), issuer, now, func() *x509.Certificate { return tsaTemplate(opts, now, root) }); err != nil {
		return nil, fmt.Errorf("%s: timestamp authority certificate: %w", op, err)
	}
	if _, err := ensureLeaf(filepath.Join(dir, "ocsp"), issuer, now, func() *x509.Certificate { return ocspTemplate(now, root) }); err != nil {
		return nil, fmt.Errorf("%s: OCSP responder certificate: %w", op, err)
	}
	orgBase := keys.OrgBase(dir, opts.Agency)
	if _, err := ensureLeaf(orgBase, issuer, now, func() *x509.Certificate { return orgTemplate(opts, now, root) }); err != nil {
		return nil, fmt.Errorf("%s: organisation certificate of %s: %w", op, opts.Agency, err)
	}
	if err := ensureImage(keys.SealImageFile(dir, opts.Agency), SealPNG); err != nil {
		return nil, fmt.Errorf("%s: seal image of %s: %w", op, opts.Agency, err)
	}
	for _, u := range opts.Users {
		base := keys.UserBase(dir, u.Username)
		id, err := ensureLeaf(base, issuer, now, func() *x509.Certificate { return userTemplate(opts, u, now, root) })
		if err != nil {
			return nil, fmt.Errorf("%s: certificate of %s: %w", op, u.Username, err)
		}
		if err := ensureP12(base+".p12", id, root); err != nil {
			return nil, fmt.Errorf("%s: PKCS#12 of %s: %w", op, u.Username, err)
		}
		if err := ensureImage(keys.SignatureImageFile(dir, u.Username), func() ([]byte, error) { return SignaturePNG(u.FullName) }); err != nil {
			return nil, fmt.Errorf("%s: signature image of %s: %w", op, u.Username, err)
		}
	}
	pki, err := Load(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return pki, nil
}

// Load reads the development PKI in dir: the root, and every organisation
// and user identity found. Every identity must chain to the root.
func Load(dir string) (*PKI, error) {
	const op = "devpki.Load"
	root, err := keys.LoadRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p := &PKI{Dir: dir, Root: root, Orgs: map[string]*Identity{}, Users: map[string]*Identity{}}
	if key, err := keys.ReadKey(filepath.Join(dir, "root.key")); err == nil {
		p.rootKey = key
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	orgs, err := loadLeaves(filepath.Join(dir, "org"), root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for token, id := range orgs {
		p.Orgs[events.AgencyFromToken(token)] = id
	}
	users, err := loadLeaves(filepath.Join(dir, "users"), root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if p.TSA, err = loadService(filepath.Join(dir, "tsa"), root); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if p.OCSP, err = loadService(filepath.Join(dir, "ocsp"), root); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for name, id := range users {
		if p12 := filepath.Join(dir, "users", name+".p12"); fileExists(p12) {
			id.P12File = p12
		}
		p.Users[name] = id
	}
	return p, nil
}

// loadService reads a trust service's identity, which a directory made
// before the services existed does not have.
func loadService(base string, root *x509.Certificate) (*Identity, error) {
	if !fileExists(base+".crt") && !fileExists(base+".key") {
		return nil, nil //nolint:nilnil // absent is not an error: the next Init creates it
	}
	return readIdentity(base, root)
}

// loadLeaves reads every <name>.crt with its <name>.key in dir.
func loadLeaves(dir string, root *x509.Certificate) (map[string]*Identity, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*Identity{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	out := map[string]*Identity{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".crt")
		if !ok || e.IsDir() {
			continue
		}
		id, err := readIdentity(filepath.Join(dir, name), root)
		if err != nil {
			return nil, err
		}
		out[name] = id
	}
	return out, nil
}

// readIdentity reads an identity as the signing service does, keeping
// where its files are.
func readIdentity(base string, root *x509.Certificate) (*Identity, error) {
	id, err := keys.ReadIdentity(base, root)
	if err != nil {
		return nil, err
	}
	return &Identity{Cert: id.Cert, Key: id.Key, CertFile: base + ".crt", KeyFile: base + ".key"}, nil
}

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

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate root key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:         RootCommonName,
			Organization:       []string{"docflow development"},
			OrganizationalUnit: []string{devOrgUnit},
			Country:            []string{"VN"},
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(rootValidityYears, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// Leaves are issued directly by the root; refusing intermediates keeps
		// a leaked development key from minting a CA.
		MaxPathLen:     0,
		MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("create root certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse root certificate: %w", err)
	}
	if err := writePair(certFile, keyFile, cert, key); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// ensureLeaf keeps base.crt/base.key when both exist and chain to the
// issuer, and otherwise issues a new pair from the template.
func ensureLeaf(base string, issuer *Identity, now time.Time, template func() *x509.Certificate) (*Identity, error) {
	certFile, keyFile := base+".crt", base+".key"
	hasCert, hasKey := fileExists(certFile), fileExists(keyFile)
	switch {
	case hasCert && hasKey:
		return readIdentity(base, issuer.Cert)
	case hasCert != hasKey:
		return nil, fmt.Errorf("only one of %s and %s exists: remove the other to have a new pair issued", filepath.Base(certFile), filepath.Base(keyFile))
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl := template()
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.Cert, key.Public(), issuer.Key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
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
	return withServices(opts, &x509.Certificate{
		Subject: pkix.Name{
			CommonName:         opts.AgencyName,
			Organization:       []string{opts.AgencyName},
			OrganizationalUnit: []string{devOrgUnit},
			Country:            []string{"VN"},
			ExtraNames:         []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: opts.Agency}},
		},
		NotBefore:   now.Add(-backdate),
		NotAfter:    clampTo(now.AddDate(orgValidityYears, 0, 0), root.NotAfter),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: signingEKU,
	})
}

func userTemplate(opts Options, u User, now time.Time, root *x509.Certificate) *x509.Certificate {
	return withServices(opts, &x509.Certificate{
		Subject: pkix.Name{
			CommonName:         u.FullName,
			SerialNumber:       u.Username,
			Organization:       []string{opts.AgencyName},
			OrganizationalUnit: []string{devOrgUnit},
			Country:            []string{"VN"},
			ExtraNames:         []pkix.AttributeTypeAndValue{{Type: oidUserID, Value: u.Username}},
		},
		NotBefore:   now.Add(-backdate),
		NotAfter:    clampTo(now.AddDate(userValidityYears, 0, 0), root.NotAfter),
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
		Subject:         serviceSubject(TSACommonName),
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
		Subject:         serviceSubject(OCSPCommonName),
		NotBefore:       now.Add(-backdate),
		NotAfter:        clampTo(now.AddDate(serviceValidityYears, 0, 0), root.NotAfter),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		ExtraExtensions: []pkix.Extension{{Id: OIDOCSPNoCheck, Value: null}},
	}
}

func serviceSubject(cn string) pkix.Name {
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

// writePair writes the key before the certificate: a certificate file alone
// would be refused on the next Init, a key alone likewise, and the rename
// makes each file appear complete or not at all.
func writePair(certFile, keyFile string, cert *x509.Certificate, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode private key: %w", err)
	}
	if err := writeFileAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), keyMode); err != nil {
		return err
	}
	return writeFileAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), certMode)
}

func writeFileAtomic(file string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	// After a successful rename there is nothing left to remove.
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(mode); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

func writeIfChanged(file string, data []byte, mode fs.FileMode) error {
	if old, err := os.ReadFile(file); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return writeFileAtomic(file, data, mode)
}

func fileExists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

// Usernames lists the users of the PKI in order.
func (p *PKI) Usernames() []string {
	names := make([]string, 0, len(p.Users))
	for n := range p.Users {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

const readme = `DEVELOPMENT PKI - NOT FOR PRODUCTION

Everything in this directory was generated by "docflow pki init" for local
development and tests. The root CA is trusted by nobody; a PDF signed with
these keys proves nothing about anyone. Never import root.crt into a system
or browser trust store and never use these keys for a real document.

  root.crt, root.key            development root CA
  tsa.crt, tsa.key              development timestamp authority
  ocsp.crt, ocsp.key            development OCSP responder
  org/<agency>.crt, .key        organisation certificate (organisation signature)
  org/<agency>.seal.png         demo seal of the agency
  users/<username>.crt, .key    personal signing certificate
  users/<username>.p12          the same as PKCS#12, password "demo"
  users/<username>.signature.png  demo handwritten signature

Re-running "docflow pki init" keeps what exists and creates what is missing.
Delete a user's files to have that user's certificate issued again. Replace
an image with a PNG of your own to see it on signed documents.
`
