// Package stack runs the whole of docflow on one machine: the pinned real
// servers (embedded NATS with JetStream, the Temporal dev server, versitygw
// with object lock) and the five services, each exactly as it runs in
// production but in one process. `docflow dev` and the end-to-end tests use
// it; production runs each service on its own.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/docflow/docflow/services/archive"
	"github.com/docflow/docflow/services/gateway"
	"github.com/docflow/docflow/services/intake"
	"github.com/docflow/docflow/services/internal/clerical/hosted"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsauth"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/routing"
	"github.com/docflow/docflow/services/signing"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/devpki/devtrust"
	"github.com/docflow/docflow/workflows"
)

// Ports of the stack; a zero port is chosen free at start.
type Ports struct {
	Gateway, NATS, Temporal, TemporalUI, S3 int
	Intake, Routing, Signing, Archive       int
	// Trust is the port of the development trust services (timestamps,
	// OCSP, CRL) that the development certificates name.
	Trust int
}

// DevPorts are the fixed ports of `docflow dev`. NATS avoids 4222, where a
// machine often runs its own server.
var DevPorts = Ports{Gateway: 8080, NATS: 4233, Temporal: 7233, TemporalUI: 8233, S3: 7070,
	Intake: 8081, Routing: 8082, Signing: 8083, Archive: 8084, Trust: 8089}

// Options configure a stack.
type Options struct {
	// Dir keeps all the data: databases, object storage, JetStream, the
	// Temporal database, the development PKI. The next start reuses it.
	Dir string
	// RepoRoot holds deploy/dev (users, agency, routing rules); default: found from the working directory.
	RepoRoot string
	// BinDir holds the pinned server binaries; missing ones are built there.
	BinDir string
	Ports  Ports
	// Headless starts Temporal without its web UI.
	Headless bool
	// LogFormat of the services: "console" for people, "json" for machines.
	LogFormat string
	// Logs receives the services' and servers' logs until Stop returns, so
	// the caller may close it then; Progress the start-up steps.
	Logs, Progress io.Writer
	// Env overrides service settings (DOCFLOW_* keys).
	Env map[string]string
}

// Stack is a running system.
type Stack struct {
	GatewayURL    string
	TemporalUIURL string // empty when headless
	TemporalAddr  string
	NATSURL       string
	S3            objstore.S3Config
	Dir           string
	Users         []DevUser
	// Agencies are the agencies the installation hosts.
	Agencies []hosted.Agency
	// TrustURL is the base URL of the development trust services (TSA under
	// devpki.TSAPath, OCSP, CRL).
	TrustURL string

	cancel   context.CancelFunc
	services sync.WaitGroup
	errs     chan error
	stopOnce sync.Once
	stopErr  error
	cleanup  []func(context.Context) error
	auth     *natsauth.Installation
	logs     *gatedWriter
}

// CredsFile is the .creds file NATS user connects with: a service's name,
// NATSAdmin, or NATSAgencyUser of a hosted agency (for tests of the
// permissions); empty for a user the stack does not have.
func (s *Stack) CredsFile(user string) string {
	path, err := s.auth.Creds(user)
	if err != nil {
		return ""
	}
	return path
}

// NATSAdmin is the NATS user that provisions the streams.
const NATSAdmin = natsauth.AdminUser

// NATSAgencyUser is the NATS user of the link of a hosted agency.
func NATSAgencyUser(agencyID string) string { return natsauth.AgencyUser(agencyID) }

// DevUser is a development login.
type DevUser struct {
	Username string `yaml:"username"`
	FullName string `yaml:"full_name"`
	Role     string `yaml:"role"`
	Agency   string `yaml:"agency"`
}

// DevPassword is the password of every development user.
const DevPassword = "demo"

// Start brings the stack up and returns once every service is ready. On
// failure everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	s := &Stack{Dir: opts.Dir, errs: make(chan error, 8), logs: &gatedWriter{w: opts.Logs}}
	opts.Logs = s.logs
	defer func() {
		if err != nil {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = errors.Join(err, s.Stop(stopCtx))
		}
	}()
	step := func(format string, args ...any) { fmt.Fprintf(opts.Progress, "• "+format+"\n", args...) }

	for _, d := range []string{"nats", "s3/data", "s3/versions", "pki", "logs"} {
		if err := os.MkdirAll(filepath.Join(opts.Dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("stack: %w", err)
		}
	}
	ports, err := opts.Ports.resolve()
	if err != nil {
		return nil, err
	}

	bins := map[string]string{}
	for _, tool := range servers.Tools {
		path, err := servers.Install(ctx, opts.BinDir, tool, opts.Progress)
		if err != nil {
			return nil, fmt.Errorf("stack: %w", err)
		}
		bins[tool.Name] = path
	}

	users, agencies, err := loadDevData(opts.RepoRoot)
	if err != nil {
		return nil, err
	}
	s.Users, s.Agencies = users, agencies
	pkiDir := filepath.Join(opts.Dir, "pki")
	s.TrustURL = "http://127.0.0.1:" + strconv.Itoa(ports.Trust)
	if err := InitPKI(pkiDir, opts.RepoRoot, s.TrustURL); err != nil {
		return nil, err
	}
	step("development PKI ready in %s (root CA, agency and personal certificates)", pkiDir)
	if err := s.startTrust(ctx, pkiDir, opts); err != nil {
		return nil, err
	}
	step("DEVELOPMENT trust services (timestamps, OCSP, CRL; not for production) at %s", s.TrustURL)

	tokenKey, err := secretFile(filepath.Join(opts.Dir, "gateway-token.key"), 32)
	if err != nil {
		return nil, err
	}
	s3Secret, err := secretFile(filepath.Join(opts.Dir, "s3-secret.key"), 20)
	if err != nil {
		return nil, err
	}

	// Each service connects to NATS as its own user of the installation
	// account, each hosted agency's link to an account of its own; the keys
	// are kept in Dir/nats-auth so a restart keeps the identities.
	hostedIDs := make([]string, 0, len(agencies))
	for _, a := range agencies {
		hostedIDs = append(hostedIDs, a.ID)
	}
	ns, auth, err := startNATS(ctx, opts.Dir, ports.NATS, hostedIDs)
	if err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func(context.Context) error { ns.Shutdown(); return nil })
	s.NATSURL = ns.URL()
	s.auth = auth
	step("NATS with JetStream at %s", s.NATSURL)

	s3Log, err := logFile(opts.Dir, "versitygw.log")
	if err != nil {
		return nil, err
	}
	s.S3 = objstore.S3Config{Endpoint: "127.0.0.1:" + strconv.Itoa(ports.S3), AccessKey: "docflow-dev", SecretKey: s3Secret, Region: "us-east-1"}
	gw, err := servers.StartVersityGW(ctx, servers.VersityOptions{
		Bin: bins[servers.VersityGW.Name], Root: filepath.Join(opts.Dir, "s3", "data"), VersioningDir: filepath.Join(opts.Dir, "s3", "versions"),
		Host: "127.0.0.1", Port: ports.S3, AccessKey: s.S3.AccessKey, SecretKey: s.S3.SecretKey, Output: s3Log,
	})
	if err != nil {
		return nil, fmt.Errorf("stack: versitygw: %w", err)
	}
	s.cleanup = append(s.cleanup, func(ctx context.Context) error { return errors.Join(gw.Stop(ctx), s3Log.Close()) })
	step("S3 object storage (versitygw, versioning and object lock) at http://%s", s.S3.Endpoint)

	tLog, err := logFile(opts.Dir, "temporal.log")
	if err != nil {
		return nil, err
	}
	uiPort := ports.TemporalUI
	if opts.Headless {
		uiPort = 0
	}
	tp, err := servers.StartTemporal(ctx, servers.TemporalOptions{
		Bin: bins[servers.Temporal.Name], DBFile: filepath.Join(opts.Dir, "temporal.db"), Host: "127.0.0.1",
		Port: ports.Temporal, UIPort: uiPort, Namespace: "default", Output: tLog,
		SearchAttributes: workflows.SearchAttributeTypes(),
	})
	if err != nil {
		return nil, fmt.Errorf("stack: temporal: %w", err)
	}
	s.cleanup = append(s.cleanup, func(ctx context.Context) error { return errors.Join(tp.Stop(ctx), tLog.Close()) })
	s.TemporalAddr = "127.0.0.1:" + strconv.Itoa(ports.Temporal)
	if uiPort != 0 {
		s.TemporalUIURL = "http://127.0.0.1:" + strconv.Itoa(uiPort)
	}
	step("Temporal dev server at %s", s.TemporalAddr)

	common := map[string]string{
		"DOCFLOW_NATS_URL":           s.NATSURL,
		"DOCFLOW_TEMPORAL_ADDRESS":   s.TemporalAddr,
		"DOCFLOW_TEMPORAL_NAMESPACE": "default",
		"DOCFLOW_S3_ENDPOINT":        s.S3.Endpoint,
		"DOCFLOW_S3_ACCESS_KEY":      s.S3.AccessKey,
		"DOCFLOW_S3_SECRET_KEY":      s.S3.SecretKey,
		"DOCFLOW_S3_REGION":          s.S3.Region,
		"DOCFLOW_LOG_FORMAT":         opts.LogFormat,
		"DOCFLOW_LOG_LEVEL":          "info",
	}
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	services := []service{
		{"intake", intake.Run, addr(ports.Intake), map[string]string{
			"DOCFLOW_INTAKE_DB":        "sqlite:" + filepath.Join(opts.Dir, "intake.db"),
			"DOCFLOW_INTAKE_HTTP_ADDR": addr(ports.Intake),
			"DOCFLOW_AGENCIES_DIR":     agenciesDir(opts.RepoRoot),
		}},
		{"routing", routing.Run, addr(ports.Routing), map[string]string{
			"DOCFLOW_AGENCIES_DIR":      agenciesDir(opts.RepoRoot),
			"DOCFLOW_ROUTING_DB":        "sqlite:" + filepath.Join(opts.Dir, "routing.db"),
			"DOCFLOW_ROUTING_HTTP_ADDR": addr(ports.Routing),
		}},
		{"signing", signing.Run, addr(ports.Signing), map[string]string{
			"DOCFLOW_SIGNING_PKI_DIR":   pkiDir,
			"DOCFLOW_SIGNING_HTTP_ADDR": addr(ports.Signing),
			"DOCFLOW_SIGNING_DB":        "sqlite:" + filepath.Join(opts.Dir, "signing.db"),
			"DOCFLOW_AGENCIES_DIR":      agenciesDir(opts.RepoRoot),
			"DOCFLOW_SIGNING_TSA_URLS":  s.TrustURL + devpki.TSAPath,
			// A data directory from a run on other ports holds certificates
			// naming those; the signer asks where the services run now.
			"DOCFLOW_SIGNING_OCSP_URL": s.TrustURL + devpki.OCSPPath,
			"DOCFLOW_SIGNING_CRL_URLS": s.TrustURL + devpki.CRLPath,
		}},
		{"archive", archive.Run, addr(ports.Archive), map[string]string{
			"DOCFLOW_ARCHIVE_DB":        "sqlite:" + filepath.Join(opts.Dir, "archive.db"),
			"DOCFLOW_ARCHIVE_HTTP_ADDR": addr(ports.Archive),
		}},
		{"gateway", gateway.Run, addr(ports.Gateway), map[string]string{
			"DOCFLOW_GATEWAY_ADDR":           addr(ports.Gateway),
			"DOCFLOW_GATEWAY_DB":             "sqlite:" + filepath.Join(opts.Dir, "gateway.db"),
			"DOCFLOW_GATEWAY_USERS":          filepath.Join(opts.RepoRoot, "deploy", "dev", "users.yaml"),
			"DOCFLOW_GATEWAY_TOKEN_KEY_FILE": tokenKey,
		}},
	}

	svcCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	for _, sv := range services {
		creds, err := auth.Creds(sv.name)
		if err != nil {
			return nil, fmt.Errorf("stack: %w", err)
		}
		env := map[string]string{"DOCFLOW_NATS_CREDS": creds}
		for _, m := range []map[string]string{common, sv.env, opts.Env} {
			for k, v := range m {
				env[k] = v
			}
		}
		s.services.Add(1)
		go func() {
			defer s.services.Done()
			if err := sv.run(svcCtx, func(k string) string { return env[k] }, opts.Logs); err != nil && svcCtx.Err() == nil {
				s.errs <- fmt.Errorf("%s stopped: %w", sv.name, err)
			}
		}()
	}
	for _, sv := range services {
		if err := s.waitReady(ctx, sv.name, "http://"+sv.health+"/readyz"); err != nil {
			return nil, err
		}
		step("%s ready", sv.name)
	}
	s.GatewayURL = "http://" + addr(ports.Gateway)
	return s, nil
}

type service struct {
	name   string
	run    func(context.Context, func(string) string, io.Writer) error
	health string
	env    map[string]string
}

// Err delivers the first failure of a service after start.
func (s *Stack) Err() <-chan error { return s.errs }

// Stop stops the services, then the servers, waiting for each.
func (s *Stack) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		done := make(chan struct{})
		go func() { s.services.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			s.stopErr = errors.New("stack: services did not stop in time")
		}
		for i := len(s.cleanup) - 1; i >= 0; i-- {
			s.stopErr = errors.Join(s.stopErr, s.cleanup[i](ctx))
		}
		s.logs.close()
	})
	return s.stopErr
}

// gatedWriter passes writes on until it is closed and drops them after.
// Goroutines of the services' libraries may outlive the services (the
// Temporal SDK finishes activities in hand after its worker stopped), and
// their last words must not reach a log the caller closed after Stop.
type gatedWriter struct {
	mu sync.Mutex
	w  io.Writer // nil once closed
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gatedWriter) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.w = nil
}

func (s *Stack) waitReady(ctx context.Context, name, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		select {
		case err := <-s.errs:
			return fmt.Errorf("stack: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("stack: %s not ready at %s: %s", name, url, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (o *Options) defaults() error {
	if o.Dir == "" {
		return errors.New("stack: Options.Dir is required")
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	o.Dir = abs
	if o.RepoRoot == "" {
		if o.RepoRoot, err = servers.RepoRoot(); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	if o.BinDir == "" {
		if o.BinDir, err = servers.BinDir(); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	if o.LogFormat == "" {
		o.LogFormat = "console"
	}
	if o.Logs == nil {
		o.Logs = io.Discard
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return nil
}

func (p Ports) resolve() (Ports, error) {
	for _, port := range []*int{&p.Gateway, &p.NATS, &p.Temporal, &p.TemporalUI, &p.S3, &p.Intake, &p.Routing, &p.Signing, &p.Archive, &p.Trust} {
		if *port != 0 {
			if err := portFree(*port); err != nil {
				return p, err
			}
			continue
		}
		free, err := servers.FreePort()
		if err != nil {
			return p, fmt.Errorf("stack: %w", err)
		}
		*port = free
	}
	return p, nil
}

func portFree(port int) error {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("stack: port %d is in use (is another docflow dev running?): %w", port, err)
	}
	return ln.Close()
}

// secretFile returns the path of a file holding n random bytes (hex),
// creating it on first use so restarts keep sessions and credentials.
func secretFile(path string, n int) (string, error) {
	if raw, err := os.ReadFile(path); err == nil && len(raw) >= 2*n {
		return path, nil
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("stack: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(b)), 0o600); err != nil {
		return "", fmt.Errorf("stack: %w", err)
	}
	return path, nil
}

func logFile(dir, name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "logs", name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	return f, nil
}

type devData struct {
	Users []DevUser `yaml:"users"`
}

// agenciesDir is the directory of the agencies the development
// installation hosts.
func agenciesDir(root string) string { return filepath.Join(root, "deploy", "dev", "agencies") }

func loadDevData(root string) ([]DevUser, []hosted.Agency, error) {
	var u devData
	if err := readYAML(filepath.Join(root, "deploy", "dev", "users.yaml"), &u); err != nil {
		return nil, nil, err
	}
	agencies, err := hosted.Load(agenciesDir(root))
	if err != nil {
		return nil, nil, fmt.Errorf("stack: %w", err)
	}
	for _, user := range u.Users {
		if _, ok := hosted.Find(agencies, user.Agency); !ok {
			return nil, nil, fmt.Errorf("stack: development user %s belongs to agency %q, which %s does not hold", user.Username, user.Agency, agenciesDir(root))
		}
	}
	return u.Users, agencies, nil
}

func readYAML(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("stack: %s: %w", path, err)
	}
	return nil
}

// startTrust runs the development trust services on the stack's trust port
// until the stack stops.
func (s *Stack) startTrust(ctx context.Context, pkiDir string, opts Options) error {
	log, err := logging.Config{Format: opts.LogFormat, Level: "info"}.Logger(opts.Logs, "devtrust")
	if err != nil {
		return fmt.Errorf("stack: trust services: %w", err)
	}
	svc, err := devtrust.New(pkiDir, nil, log)
	if err != nil {
		return fmt.Errorf("stack: trust services: %w", err)
	}
	trustCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	srv, err := devtrust.Start(trustCtx, strings.TrimPrefix(s.TrustURL, "http://"), svc, log)
	if err != nil {
		cancel()
		return fmt.Errorf("stack: trust services: %w", err)
	}
	s.cleanup = append(s.cleanup, func(context.Context) error {
		cancel()
		return srv.Wait()
	})
	return nil
}

// InitPKI creates (or completes) the development PKI in dir for the demo
// agencies and users of deploy/dev under root: one root, and for each
// agency its organisation certificate (the seal) and its people's personal
// certificates. Certificates it issues name the development trust services
// under trustURL (OCSP responder, CRL); empty names none.
func InitPKI(dir, root, trustURL string) error {
	users, agencies, err := loadDevData(root)
	if err != nil {
		return err
	}
	for _, a := range agencies {
		opts := devpki.Options{Agency: a.ID, AgencyName: a.Name, TrustServicesURL: trustURL}
		for _, u := range users {
			if u.Agency == a.ID {
				opts.Users = append(opts.Users, devpki.User{Username: u.Username, FullName: u.FullName})
			}
		}
		if _, err := devpki.Init(dir, opts, time.Now()); err != nil {
			return fmt.Errorf("stack: pki of %s: %w", a.ID, err)
		}
	}
	return nil
}
