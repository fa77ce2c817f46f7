package testkit

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/docflow/docflow/services/internal/servers"
)

// NATSEnv is a running embedded NATS server with JetStream and a client
// connected to it.
type NATSEnv struct {
	URL      string
	User     string // empty when the server runs without authentication
	Password string
	Server   *servers.NATS
	Conn     *nats.Conn
	JS       jetstream.JetStream
}

// NATSOption changes how NATS starts.
type NATSOption func(*natsSetup)

type natsSetup struct {
	noAuth bool
	users  []servers.NATSUser
}

// WithoutAuth starts the server without authentication.
func WithoutAuth() NATSOption { return func(s *natsSetup) { s.noAuth = true } }

// WithNATSUsers adds accounts (with their permissions) next to the test's
// own unrestricted user, e.g. to check that a service's credentials are
// honoured.
func WithNATSUsers(users ...servers.NATSUser) NATSOption {
	return func(s *natsSetup) { s.users = append(s.users, users...) }
}

// NATS starts an embedded server on a free port with JetStream in a temp
// dir. By default it requires a password, like production; the returned
// User/Password are what services get in DOCFLOW_NATS_USER/_PASSWORD.
func NATS(t testing.TB, opts ...NATSOption) *NATSEnv {
	t.Helper()
	var setup natsSetup
	for _, o := range opts {
		o(&setup)
	}
	env := &NATSEnv{}
	nopts := servers.NATSOptions{StoreDir: t.TempDir()}
	if !setup.noAuth {
		env.User = "docflow-test"
		env.Password = randomHex(t, 12)
		nopts.Users = append([]servers.NATSUser{{User: env.User, Password: env.Password}}, setup.users...)
	}
	srv, err := servers.StartNATS(nopts, fileLogger(serverLog(t, "nats")))
	if err != nil {
		fatalf(t, "%v", err)
	}
	t.Cleanup(srv.Shutdown)
	env.Server = srv
	env.URL = srv.URL()

	copts := []nats.Option{nats.Name(t.Name())}
	if env.User != "" {
		copts = append(copts, nats.UserInfo(env.User, env.Password))
	}
	nc, err := nats.Connect(env.URL, copts...)
	if err != nil {
		fatalf(t, "connecting to the embedded NATS server: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		fatalf(t, "JetStream client: %v", err)
	}
	env.Conn = nc
	env.JS = js
	return env
}
