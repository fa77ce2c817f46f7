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
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

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

	if _, err := ensureLeaf(filepath.Join(dir, "tsa"), issuer, func() *x509.Certificate { return tsaTemplate(opts, now, root) }); err != nil {
		return nil, fmt.Errorf("%s: timestamp authority certificate: %w", op, err)
	}
	if _, err := ensureLeaf(filepath.Join(dir, "ocsp"), issuer, func() *x509.Certificate { return ocspTemplate(now, root) }); err != nil {
		return nil, fmt.Errorf("%s: OCSP responder certificate: %w", op, err)
	}
	orgBase := keys.OrgBase(dir, opts.Agency)
	if _, err := ensureLeaf(orgBase, issuer, func() *x509.Certificate { return orgTemplate(opts, now, root) }); err != nil {
		return nil, fmt.Errorf("%s: organisation certificate of %s: %w", op, opts.Agency, err)
	}
	if err := ensureImage(keys.SealImageFile(dir, opts.Agency), SealPNG); err != nil {
		return nil, fmt.Errorf("%s: seal image of %s: %w", op, opts.Agency, err)
	}
	for _, u := range opts.Users {
		base := keys.UserBase(dir, u.Username)
		id, err := ensureLeaf(base, issuer, func() *x509.Certificate { return userTemplate(opts, u, now, root) })
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

// Usernames lists the users of the PKI in order.
func (p *PKI) Usernames() []string {
	names := make([]string, 0, len(p.Users))
	for n := range p.Users {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
