package servers_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/internal/natsauth"
	"github.com/docflow/docflow/services/internal/servers"
)

func operator(t *testing.T) *natsauth.Installation {
	t.Helper()
	in, err := natsauth.Generate(natsauth.Spec{Dir: t.TempDir(), Services: []natsauth.User{{Name: "intake"}}, Agencies: []string{"000.00.00.G22"}})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// In operator mode only a user signed by one of the operator's accounts
// gets in.
func TestStartNATSOperatorMode(t *testing.T) {
	t.Parallel()
	in := operator(t)
	srv, err := servers.StartNATS(servers.NATSOptions{StoreDir: t.TempDir(), Operator: &servers.NATSOperator{
		JWT: in.OperatorJWT, SystemAccount: in.SystemAccount, Accounts: in.Accounts,
	}}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	if nc, err := nats.Connect(srv.URL()); err == nil {
		nc.Close()
		t.Fatal("an anonymous client was accepted")
	}
	// Credentials of another installation, made with other keys.
	stranger, err := operator(t).Creds("intake")
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := nats.Connect(srv.URL(), nats.UserCredentials(stranger)); err == nil {
		nc.Close()
		t.Fatal("a user of another operator was accepted")
	}
	creds, err := in.Creds("intake")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(srv.URL(), nats.UserCredentials(creds))
	if err != nil {
		t.Fatalf("the installation's own user was refused: %v", err)
	}
	nc.Close()
}

func TestStartNATSRejectsBadOperators(t *testing.T) {
	t.Parallel()
	in, other := operator(t), operator(t)
	foreign := maps.Clone(in.Accounts)
	for pub, token := range other.Accounts {
		foreign[pub] = token
	}
	withoutSys := maps.Clone(in.Accounts)
	delete(withoutSys, in.SystemAccount)
	misfiled := maps.Clone(in.Accounts)
	misfiled[in.AccountKeys[natsauth.InstallationAccount]] = in.Accounts[in.SystemAccount]
	tests := []struct {
		name string
		opts servers.NATSOptions
		want string
	}{
		{"users too", servers.NATSOptions{Users: []servers.NATSUser{{User: "a", Password: "1"}},
			Operator: &servers.NATSOperator{JWT: in.OperatorJWT, SystemAccount: in.SystemAccount, Accounts: in.Accounts}}, "exclude each other"},
		{"not a JWT", servers.NATSOptions{Operator: &servers.NATSOperator{JWT: "operator", SystemAccount: in.SystemAccount, Accounts: in.Accounts}}, "operator JWT"},
		{"account of another operator", servers.NATSOptions{Operator: &servers.NATSOperator{JWT: in.OperatorJWT, SystemAccount: in.SystemAccount, Accounts: foreign}}, "not signed by the operator"},
		{"no system account", servers.NATSOptions{Operator: &servers.NATSOperator{JWT: in.OperatorJWT, SystemAccount: in.SystemAccount, Accounts: withoutSys}}, "system account"},
		{"account under another key", servers.NATSOptions{Operator: &servers.NATSOperator{JWT: in.OperatorJWT, SystemAccount: in.SystemAccount, Accounts: misfiled}}, "the JWT is that of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.StoreDir = t.TempDir()
			srv, err := servers.StartNATS(tt.opts, zaptest.NewLogger(t))
			if err == nil {
				srv.Shutdown()
				t.Fatal("StartNATS accepted a bad operator")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}
