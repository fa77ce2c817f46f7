// Package signing is the signing service: it signs approved documents with
// their signer's personal key (PAdES) on the approval workflow's signing task
// queue, stores the signed PDF next to the original and announces it with a
// document.signed event.
package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/temporalx"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/keys/token"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/remote"
	"github.com/docflow/docflow/services/signing/internal/remote/csc"
	"github.com/docflow/docflow/services/signing/internal/sign"
	"github.com/docflow/docflow/services/signing/internal/verifyendpoint"
	"github.com/docflow/docflow/workflows"
)

// Name is the service name in logs, NATS connection names and event sources.
const Name = "signing"

// Config is the signing service's configuration, from DOCFLOW_* variables.
type Config struct {
	NATS     natsx.Config
	S3       objstore.S3Config
	Temporal temporalx.Config
	Log      logging.Config

	DocumentsBucket string `env:"DOCFLOW_DOCUMENTS_BUCKET" default:"docflow-documents"`
	// PKIDir holds the signers' keys and certificates (docflow pki init).
	PKIDir string `env:"DOCFLOW_SIGNING_PKI_DIR" default:"var/pki"`
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
	OCSPURL  string   `env:"DOCFLOW_SIGNING_OCSP_URL"`
	CRLURLs  []string `env:"DOCFLOW_SIGNING_CRL_URLS"`
	HTTPAddr string   `env:"DOCFLOW_SIGNING_HTTP_ADDR" default:"127.0.0.1:8083"`
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
	problems := []error{c.NATS.Validate(), c.S3.Validate(), c.Temporal.Validate()}
	if c.DocumentsBucket == "" {
		problems = append(problems, errors.New("DOCFLOW_DOCUMENTS_BUCKET is empty: name the bucket holding the documents"))
	}
	if c.PKIDir == "" {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_PKI_DIR is empty: point it at the directory made by `docflow pki init`"))
	}
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
	if c.HTTPAddr == "" {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_HTTP_ADDR is empty: give the host:port of the health endpoints"))
	}
	if err := c.Log.Validate(); err != nil {
		problems = append(problems, err)
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
	var cfg Config
	if err := config.LoadValid("signing", getenv, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Run runs the service until ctx is cancelled, then stops the worker and
// closes its connections.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	log, err := cfg.Log.Logger(stdout, Name)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer func() { _ = log.Sync() }()

	level, agencyLevels, _ := cfg.Levels() // checked by Validate
	keySource, checkKeys, closeKeys, err := openKeys(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer closeKeys()

	nc, err := natsx.Connect(ctx, cfg.NATS, Name, log)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer func() { _ = nc.Drain() }()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("signing: jetstream: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("signing: %w", err)
	}

	store, err := objstore.NewS3(cfg.S3)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	// The bucket is shared with intake and the gateway, which decide how it
	// is set up; signing only needs it to exist.
	if err := store.EnsureBucket(ctx, cfg.DocumentsBucket, objstore.BucketOptions{}); err != nil {
		return fmt.Errorf("signing: documents bucket: %w", err)
	}

	tc, err := temporalx.Dial(ctx, cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer tc.Close()

	acts := sign.NewActivities(sign.Config{
		Bucket: cfg.DocumentsBucket, Level: level, AgencyLevels: agencyLevels, TempDir: cfg.TempDir,
		TSAURLs:    cfg.TSAURLs,
		Revocation: &pades.HTTPRevocation{OCSPURL: cfg.OCSPURL, CRLURLs: cfg.CRLURLs},
	}, store, keySource, pades.NewPDFSign(), natsx.NewPublisher(js, Name), log)
	verifier := verifyendpoint.New(verifyendpoint.Config{
		Bucket: cfg.DocumentsBucket, Roots: cfg.trustAnchors, TempDir: cfg.TempDir,
	}, store, log)
	micro, err := natsx.Serve(nc, Name, "Verifies the signatures of PDFs in object storage.", log,
		natsx.Endpoint{Name: "verify", Subject: svc.SigningVerify, Handle: verifier.Handle, Timeout: 2 * time.Minute})
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer func() {
		if err := micro.Stop(); err != nil {
			log.Warn("stopping the verify endpoint", zap.Error(err))
		}
	}()

	w := worker.New(tc, workflows.SigningTaskQueue, worker.Options{})
	acts.Register(w)
	// The organisation signature: organisation keys and seal images come from
	// the PKI directory whatever holds the personal keys; the personal
	// signature must chain to the same anchors the verify endpoint trusts.
	pkiDir := sign.NewPKIDir(cfg.PKIDir, time.Now)
	acts.SignatureImages(pkiDir)
	acts.Sealer(pkiDir, func(context.Context) (*x509.CertPool, error) {
		return cfg.trustAnchors()
	}).Register(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("signing: start worker on %s: %w", workflows.SigningTaskQueue, err)
	}
	defer w.Stop()
	log.Info("signing activities ready",
		zap.String("task_queue", workflows.SigningTaskQueue), zap.String("level", string(level)),
		zap.Any("agency_levels", agencyLevels), zap.Strings("tsa_urls", cfg.TSAURLs),
		zap.String("keys", cfg.Keys), zap.String("bucket", cfg.DocumentsBucket), zap.String("pki_dir", cfg.PKIDir))

	err = health.Serve(ctx, cfg.HTTPAddr, log, map[string]health.Check{
		"nats":     natsx.Check(nc),
		"temporal": temporalx.Check(tc),
		"keys":     checkKeys,
	})
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	log.Info("signing service stopping")
	return nil
}

// trustAnchors reads the roots signatures are verified against.
func (c Config) trustAnchors() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if len(c.TrustAnchors) == 0 {
		root, err := devpki.LoadRoot(c.PKIDir)
		if err != nil {
			return nil, fmt.Errorf("trust anchor from DOCFLOW_SIGNING_PKI_DIR: %w", err)
		}
		pool.AddCert(root)
		return pool, nil
	}
	for _, file := range c.TrustAnchors {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("DOCFLOW_SIGNING_TRUST_ANCHORS: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("DOCFLOW_SIGNING_TRUST_ANCHORS: %s holds no PEM certificate", file)
		}
	}
	return pool, nil
}

// openKeys opens the key source DOCFLOW_SIGNING_KEYS names, with its
// readiness check and what closes it.
func openKeys(ctx context.Context, cfg Config, log *zap.Logger) (keys.Source, health.Check, func(), error) {
	switch cfg.Keys {
	case KeysPKCS11:
		src, err := token.Open(cfg.Token, time.Now, log)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("PKCS#11 token: %w", err)
		}
		return src, src.Check, func() {
			if err := src.Close(); err != nil {
				log.Warn("closing the PKCS#11 token", zap.Error(err))
			}
		}, nil
	case KeysRemote:
		tok, err := cfg.Remote.token()
		if err != nil {
			return nil, nil, nil, err
		}
		client, err := csc.New(csc.Config{
			BaseURL: cfg.Remote.URL, Token: tok, RequestTTL: cfg.Remote.Timeout,
			Description: "docflow: approve signing the document",
		}, log)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("remote signing: %w", err)
		}
		src := remote.NewSource(client, remote.Wait{Timeout: cfg.Remote.Timeout, Interval: cfg.Remote.PollInterval}, time.Now)
		// The service is asked on each signature; being unreachable for a
		// moment must not take the worker out of rotation.
		return src, func(context.Context) error { return nil }, func() {}, nil
	default:
		src := keys.NewDir(cfg.PKIDir, time.Now)
		if err := src.Check(ctx); err != nil {
			// Not fatal: the PKI may be created after start (docflow dev does
			// it in parallel); readiness reports it until then.
			log.Warn("no signing keys yet", zap.String("pki_dir", cfg.PKIDir), zap.Error(err))
		}
		return src, src.Check, func() {}, nil
	}
}
