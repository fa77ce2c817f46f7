package signing

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/signing/internal/keys/token"
	"github.com/docflow/docflow/services/signing/internal/pades"
)

// Name is the service name in logs, NATS connection names and event sources.
const Name = "signing"

// Config is the signing service's configuration, from DOCFLOW_* variables.
type Config struct {
	service.Common
	service.Documents

	// PKIDir holds the signers' keys and certificates and the seal and
	// signature images, laid out as internal/keys describes (docflow pki
	// init makes a development one).
	PKIDir string `env:"DOCFLOW_SIGNING_PKI_DIR" default:"var/pki" required:"the directory made by 'docflow pki init'"`
	// Level is the PAdES level of the signatures made. B-LT, so that a
	// signature still verifies after its certificates expire.
	Level string `env:"DOCFLOW_SIGNING_LEVEL" default:"B-LT"`
	// AgencyLevels overrides Level per agency: "agencyID=B-T,agencyID=B-LTA".
	AgencyLevels []string `env:"DOCFLOW_SIGNING_AGENCY_LEVELS"`
	// TSAURLs are the RFC 3161 timestamp authorities of B-T and above, asked
	// in order.
	TSAURLs []string `env:"DOCFLOW_SIGNING_TSA_URLS"`
	// OCSPURL and CRLURLs replace the OCSP responder and CRL distribution
	// points the certificates name. Only for a PKI whose services moved
	// after its certificates were issued, such as the development one;
	// empty uses what each certificate names.
	OCSPURL string   `env:"DOCFLOW_SIGNING_OCSP_URL"`
	CRLURLs []string `env:"DOCFLOW_SIGNING_CRL_URLS"`
	// DB records the edXML packages the exchange sent and received.
	DB string `env:"DOCFLOW_SIGNING_DB" default:"sqlite:var/signing.db" required:"sqlite:<file> or a postgres:// address"`
	// Agencies is the hosted agencies directory: the exchange sends for and
	// receives for these agencies only.
	Agencies string `env:"DOCFLOW_AGENCIES_DIR" default:"deploy/dev/agencies" required:"the hosted agencies directory"`
	HTTPAddr string `env:"DOCFLOW_SIGNING_HTTP_ADDR" default:"127.0.0.1:8083" required:"the host:port of the health endpoints"`
	// TrustAnchors are PEM files with the root certificates signatures are
	// verified against (docflow.svc.signing.verify); empty trusts the root
	// of PKIDir.
	TrustAnchors []string `env:"DOCFLOW_SIGNING_TRUST_ANCHORS"`
	// Keys is where the signers' keys are: "pkcs12" (the PKI directory),
	// "pkcs11" (a token, Token) or "remote" (a CSC API v2 service, Remote).
	Keys   string `env:"DOCFLOW_SIGNING_KEYS" default:"pkcs12"`
	Token  token.Config
	Remote RemoteConfig
	// TempDir holds documents while they are signed (empty: the system
	// temp dir).
	TempDir string `env:"DOCFLOW_SIGNING_TEMP_DIR" default:""`
}

// Key sources (DOCFLOW_SIGNING_KEYS).
const (
	KeysPKCS12 = "pkcs12"
	KeysPKCS11 = "pkcs11"
	KeysRemote = "remote"
)

// RemoteConfig is the remote signing service (Cloud Signature Consortium API
// v2) of DOCFLOW_SIGNING_KEYS=remote.
type RemoteConfig struct {
	// URL is the API's base URI, ending in /csc/v2.
	URL string `env:"DOCFLOW_SIGNING_CSC_URL"`
	// Token is the OAuth2 access token of the signing application;
	// TokenFile names a file holding it instead.
	Token     string `env:"DOCFLOW_SIGNING_CSC_TOKEN"`
	TokenFile string `env:"DOCFLOW_SIGNING_CSC_TOKEN_FILE"`
	// Timeout is how long a person has to approve a signature on their
	// device; PollInterval how often the service is asked.
	Timeout      time.Duration `env:"DOCFLOW_SIGNING_REMOTE_TIMEOUT" default:"5m"`
	PollInterval time.Duration `env:"DOCFLOW_SIGNING_REMOTE_POLL_INTERVAL" default:"2s"`
}

func (r RemoteConfig) validate() []error {
	var problems []error
	if !strings.HasPrefix(r.URL, "https://") && !strings.HasPrefix(r.URL, "http://") {
		problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_CSC_URL %q is not an http(s) URL: give the CSC API base URI ending in /csc/v2", r.URL))
	}
	switch {
	case r.Token == "" && r.TokenFile == "":
		problems = append(problems, errors.New("no CSC access token: set DOCFLOW_SIGNING_CSC_TOKEN_FILE to a file holding it, or DOCFLOW_SIGNING_CSC_TOKEN"))
	case r.Token != "" && r.TokenFile != "":
		problems = append(problems, errors.New("both DOCFLOW_SIGNING_CSC_TOKEN and DOCFLOW_SIGNING_CSC_TOKEN_FILE are set: keep one"))
	}
	if r.Timeout <= 0 {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_REMOTE_TIMEOUT must be positive"))
	}
	if r.PollInterval <= 0 {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_REMOTE_POLL_INTERVAL must be positive"))
	}
	return problems
}

// token returns the access token, reading TokenFile when it is set.
func (r RemoteConfig) token() (string, error) {
	if r.TokenFile == "" {
		return r.Token, nil
	}
	data, err := os.ReadFile(r.TokenFile)
	if err != nil {
		return "", fmt.Errorf("read the CSC access token (DOCFLOW_SIGNING_CSC_TOKEN_FILE): %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("%s (DOCFLOW_SIGNING_CSC_TOKEN_FILE) is empty", r.TokenFile)
	}
	return tok, nil
}

// Levels returns the default level and the per-agency ones.
func (c Config) Levels() (pades.Level, map[string]pades.Level, error) {
	var problems []error
	def, err := pades.ParseLevel(c.Level)
	if err != nil {
		problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_LEVEL: %w", err))
	}
	byAgency := map[string]pades.Level{}
	for _, item := range c.AgencyLevels {
		agency, lvl, ok := strings.Cut(item, "=")
		agency, lvl = strings.TrimSpace(agency), strings.TrimSpace(lvl)
		if !ok || agency == "" {
			problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_AGENCY_LEVELS: %q is not agencyID=LEVEL (e.g. 000.00.00.G22=B-T)", item))
			continue
		}
		l, err := pades.ParseLevel(lvl)
		if err != nil {
			problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_AGENCY_LEVELS: agency %s: %w", agency, err))
			continue
		}
		if _, dup := byAgency[agency]; dup {
			problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_AGENCY_LEVELS: agency %s is given twice", agency))
		}
		byAgency[agency] = l
	}
	return def, byAgency, errors.Join(problems...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := append(config.Missing(c), c.Common.Validate(), c.Documents.Validate())
	def, byAgency, err := c.Levels()
	problems = append(problems, err)
	if err == nil {
		// A timestamp needs an authority: refuse to start rather than fail
		// every signature.
		timestamped := def != pades.LevelBB
		var agencies []string
		for agency, l := range byAgency {
			if l != pades.LevelBB {
				timestamped = true
				agencies = append(agencies, agency)
			}
		}
		if timestamped && len(c.TSAURLs) == 0 {
			what := "DOCFLOW_SIGNING_LEVEL=" + c.Level
			if def == pades.LevelBB {
				slices.Sort(agencies)
				what = "DOCFLOW_SIGNING_AGENCY_LEVELS for " + strings.Join(agencies, ", ")
			}
			problems = append(problems, fmt.Errorf(
				"DOCFLOW_SIGNING_TSA_URLS is empty, but %s asks for timestamped signatures (B-T and above): name at least one RFC 3161 timestamp authority, or sign at B-B", what))
		}
	}
	for _, u := range c.TSAURLs {
		problems = append(problems, checkURL("DOCFLOW_SIGNING_TSA_URLS", u))
	}
	if c.OCSPURL != "" {
		problems = append(problems, checkURL("DOCFLOW_SIGNING_OCSP_URL", c.OCSPURL))
	}
	for _, u := range c.CRLURLs {
		problems = append(problems, checkURL("DOCFLOW_SIGNING_CRL_URLS", u))
	}
	switch c.Keys {
	case KeysPKCS12:
	case KeysPKCS11:
		problems = append(problems, c.Token.Validate())
	case KeysRemote:
		problems = append(problems, c.Remote.validate()...)
	default:
		problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_KEYS=%q: use pkcs12 (the PKI directory), pkcs11 (a token) or remote (a CSC signing service)", c.Keys))
	}
	return errors.Join(problems...)
}

func checkURL(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an http(s) URL", key, raw)
	}
	return nil
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	return config.LoadValid[Config]("signing", getenv)
}
