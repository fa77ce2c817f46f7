package servers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// TemporalOptions configure `temporal server start-dev`.
type TemporalOptions struct {
	Bin    string // path to the temporal CLI (see Install)
	DBFile string // SQLite file keeping workflows across restarts; required
	Host   string // default 127.0.0.1
	Port   int    // frontend gRPC port; required
	// UIPort serves the web UI; 0 runs headless.
	UIPort int
	// Namespace is created at start unless it is "default", which always
	// exists; empty means "default".
	Namespace string
	Output    io.Writer // server output
	// SearchAttributes to register at start, name → type (Keyword,
	// KeywordList, Datetime, …).
	SearchAttributes map[string]string
}

// temporalReadyTimeout covers the dev server's SQLite schema setup on a
// busy two-core machine.
const temporalReadyTimeout = 60 * time.Second

// StartTemporal runs the Temporal dev server and waits until its frontend
// answers and the namespace is usable. ctx bounds only the start; use Stop
// to end the server.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Process, error) {
	const op = "servers.StartTemporal"
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.DBFile == "" || opts.Port == 0 {
		return nil, fmt.Errorf("%s: DBFile and Port are required", op)
	}
	args := []string{
		"server", "start-dev",
		"--db-filename", opts.DBFile,
		"--ip", opts.Host,
		"--port", strconv.Itoa(opts.Port),
		"--log-level", "warn",
	}
	if opts.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(opts.UIPort))
	}
	for _, name := range slices.Sorted(maps.Keys(opts.SearchAttributes)) {
		args = append(args, "--search-attribute", name+"="+opts.SearchAttributes[name])
	}
	if opts.Namespace != "default" {
		args = append(args, "--namespace", opts.Namespace)
	}
	p, err := start("temporal", opts.Bin, args, nil, opts.Output)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	hostPort := net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))
	err = p.waitReady(ctx, temporalReadyTimeout, func(ctx context.Context) error {
		return temporalReady(ctx, hostPort, opts.Namespace)
	})
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", op, hostPort, err)
	}
	return p, nil
}

func temporalReady(ctx context.Context, hostPort, namespace string) error {
	// The SDK logs to stdout by default; readiness polling must stay quiet.
	quiet := tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: namespace, Logger: quiet})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	return err
}
