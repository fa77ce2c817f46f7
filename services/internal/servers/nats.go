package servers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
)

// NATSOptions configure the embedded NATS server.
type NATSOptions struct {
	Host string // default 127.0.0.1
	Port int    // 0 picks a free port
	// StoreDir holds JetStream data; required (JetStream is always on).
	StoreDir string
	// Users, when given, make authentication mandatory.
	Users []NATSUser
	// Operator, when given, runs the server in operator (JWT) mode
	// instead: accounts and users come from it, and Users must be empty.
	Operator *NATSOperator
}

// NATSUser is an account on the embedded server. Empty allow lists allow
// every subject.
type NATSUser struct {
	User, Password     string
	Publish, Subscribe []string
}

// NATS is an embedded NATS server with JetStream.
type NATS struct {
	srv *server.Server
}

// StartNATS starts an embedded server and waits until it accepts clients.
func StartNATS(opts NATSOptions, log *zap.Logger) (*NATS, error) {
	const op = "servers.StartNATS"
	if log == nil {
		log = zap.NewNop()
	}
	if opts.StoreDir == "" {
		return nil, fmt.Errorf("%s: StoreDir is empty: JetStream needs a directory for its data", op)
	}
	var problems []error
	seen := map[string]bool{}
	for i, u := range opts.Users {
		if u.User == "" || u.Password == "" {
			problems = append(problems, fmt.Errorf("user %d: name and password are both required", i+1))
		}
		if seen[u.User] {
			problems = append(problems, fmt.Errorf("user %q is listed twice", u.User))
		}
		seen[u.User] = true
	}
	if opts.Operator != nil && len(opts.Users) > 0 {
		problems = append(problems, errors.New("users and an operator exclude each other: in operator mode the accounts' JWTs hold the users"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	sopts := &server.Options{
		ServerName: "docflow",
		Host:       opts.Host,
		Port:       opts.Port,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		// The host program owns signals; the embedded server must not.
		NoSigs: true,
	}
	if sopts.Host == "" {
		sopts.Host = "127.0.0.1"
	}
	if sopts.Port == 0 {
		sopts.Port = server.RANDOM_PORT
	}
	for _, u := range opts.Users {
		su := &server.User{Username: u.User, Password: u.Password}
		if len(u.Publish) > 0 || len(u.Subscribe) > 0 {
			su.Permissions = &server.Permissions{}
			if len(u.Publish) > 0 {
				su.Permissions.Publish = &server.SubjectPermission{Allow: u.Publish}
			}
			if len(u.Subscribe) > 0 {
				su.Permissions.Subscribe = &server.SubjectPermission{Allow: u.Subscribe}
			}
		}
		sopts.Users = append(sopts.Users, su)
	}

	if opts.Operator != nil {
		if err := opts.Operator.apply(sopts); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}

	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	srv.SetLoggerV2(natsLogger{log.Named("nats-server").Sugar()}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("%s: server on %s:%d did not accept connections within 15s (is the port taken? is %s writable?)",
			op, sopts.Host, opts.Port, opts.StoreDir)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("%s: JetStream did not start (check that %s is writable and has free space)", op, opts.StoreDir)
	}
	log.Info("nats server ready", zap.String("url", srv.ClientURL()), zap.Bool("auth", len(opts.Users) > 0 || opts.Operator != nil), zap.Bool("operator", opts.Operator != nil))
	return &NATS{srv: srv}, nil
}

// URL is the client URL, e.g. nats://127.0.0.1:41234.
func (n *NATS) URL() string { return n.srv.ClientURL() }

// Clients counts the open client connections named name (a service
// connects as "docflow-<service>"), so a test can see that a service let go
// of its connection.
func (n *NATS) Clients(name string) (int, error) {
	connz, err := n.srv.Connz(&server.ConnzOptions{})
	if err != nil {
		return 0, fmt.Errorf("servers.NATS.Clients: %w", err)
	}
	count := 0
	for _, c := range connz.Conns {
		if c.Name == name {
			count++
		}
	}
	return count, nil
}

// Shutdown stops the server and waits until it has stopped.
func (n *NATS) Shutdown() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

// natsLogger routes the server's log through zap. Fatal is logged as an
// error: the embedded server must not end the host process.
type natsLogger struct{ s *zap.SugaredLogger }

func (l natsLogger) Noticef(format string, v ...any) { l.s.Infof(trimNL(format), v...) }
func (l natsLogger) Warnf(format string, v ...any)   { l.s.Warnf(trimNL(format), v...) }
func (l natsLogger) Fatalf(format string, v ...any)  { l.s.Errorf(trimNL(format), v...) }
func (l natsLogger) Errorf(format string, v ...any)  { l.s.Errorf(trimNL(format), v...) }
func (l natsLogger) Debugf(format string, v ...any)  { l.s.Debugf(trimNL(format), v...) }
func (l natsLogger) Tracef(format string, v ...any)  { l.s.Debugf(trimNL(format), v...) }

func trimNL(s string) string { return strings.TrimRight(s, "\n") }
