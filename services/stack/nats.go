package stack

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/natsauth"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/servers"
)

// natsServices are the NATS users of the installation account.
var natsServices = []string{svc.GatewayService, svc.IntakeService, svc.RoutingService, svc.SigningService, svc.ArchiveService}

// startNATS generates (or reuses) the installation's NATS identities in
// dir/nats-auth, starts the embedded server in operator mode with its
// JetStream data in dir/nats, and provisions the streams as the admin
// user: the services' users may not create them.
func startNATS(ctx context.Context, dir string, port int, agencies []string) (*servers.NATS, *natsauth.Installation, error) {
	spec := natsauth.Spec{Dir: filepath.Join(dir, "nats-auth"), Agencies: agencies}
	for _, name := range natsServices {
		spec.Services = append(spec.Services, acl(name))
	}
	auth, err := natsauth.Generate(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("stack: nats: %w", err)
	}
	ns, err := servers.StartNATS(servers.NATSOptions{
		Host: "127.0.0.1", Port: port, StoreDir: filepath.Join(dir, "nats"),
		Operator: &servers.NATSOperator{JWT: auth.OperatorJWT, SystemAccount: auth.SystemAccount, Accounts: auth.Accounts},
	}, zap.NewNop())
	if err != nil {
		return nil, nil, fmt.Errorf("stack: nats: %w", err)
	}
	if err := provision(ctx, ns.URL(), auth); err != nil {
		ns.Shutdown()
		return nil, nil, err
	}
	return ns, auth, nil
}

// provision creates or updates the declared streams as the admin user.
func provision(ctx context.Context, url string, auth *natsauth.Installation) error {
	creds, err := auth.Creds(natsauth.AdminUser)
	if err != nil {
		return fmt.Errorf("stack: nats: %w", err)
	}
	nc, err := nats.Connect(url, nats.Name("docflow-provision"), nats.UserCredentials(creds))
	if err != nil {
		return fmt.Errorf("stack: nats: connect as %s: %w", natsauth.AdminUser, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("stack: nats: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("stack: nats: provisioning the streams: %w", err)
	}
	return nil
}
