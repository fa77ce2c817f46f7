package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/docflow/docflow/services/stack"
)

func dev(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "var", "data directory; kept between runs")
	headless := fs.Bool("headless", false, "start Temporal without its web UI")
	freePorts := fs.Bool("free-ports", false, "use free ports instead of the standard ones (to run beside another stack)")
	root, err := parseInRepo(fs, args, dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*dir, "logs"), 0o750); err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	logs, err := os.OpenFile(filepath.Join(*dir, "logs", "services.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	defer func() { err = errors.Join(err, logs.Close()) }()

	fmt.Fprintf(stdout, "Starting docflow (data in %s, logs in %s)\n", *dir, filepath.Join(*dir, "logs"))
	var services io.Writer = logs
	if getenv("DOCFLOW_DEV_LOGS") == "stdout" {
		services = io.MultiWriter(logs, stdout)
	}
	ports := stack.DevPorts
	if *freePorts {
		ports = stack.Ports{}
	}
	st, err := stack.Start(ctx, stack.Options{
		Dir: *dir, RepoRoot: root, Ports: ports, Headless: *headless,
		LogFormat: "console", Logs: services, Progress: stdout,
	})
	if err != nil {
		return fmt.Errorf("dev: %w (see the logs in %s)", err, filepath.Join(*dir, "logs"))
	}
	banner(stdout, st)

	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "\nStopping docflow…")
	case err := <-st.Err():
		fmt.Fprintf(stderr, "docflow: %v; stopping\n", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.Stop(stopCtx); err != nil {
		return fmt.Errorf("dev: stop: %w", err)
	}
	fmt.Fprintln(stdout, "Stopped. The data is kept; `make run` starts again where it left off.")
	return nil
}

func banner(w io.Writer, st *stack.Stack) {
	fmt.Fprintf(w, "\ndocflow is running.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Web and API\t%s  (OpenAPI: api/http/v1/openapi.yaml)\n", st.GatewayURL)
	if st.TemporalUIURL != "" {
		fmt.Fprintf(tw, "  Temporal UI\t%s\n", st.TemporalUIURL)
	}
	fmt.Fprintf(tw, "  NATS\t%s\n", st.NATSURL)
	fmt.Fprintf(tw, "  S3 storage\thttp://%s\n", st.S3.Endpoint)
	fmt.Fprintf(tw, "  Trust services\t%s  (DEVELOPMENT timestamps, OCSP, CRL; not for production)\n", st.TrustURL)
	_ = tw.Flush()
	fmt.Fprintf(w, "\nDevelopment logins (password %q for all), by agency:\n", stack.DevPassword)
	for _, a := range st.Agencies {
		fmt.Fprintf(w, "\n  %s  %s\n", a.ID, a.Name)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, u := range st.Users {
			if u.Agency == a.ID {
				fmt.Fprintf(tw, "    %s\t%s\t%s\n", u.Username, u.Role, u.FullName)
			}
		}
		_ = tw.Flush()
	}
	fmt.Fprintf(w, "\nTry:\n  curl -s %s/v1/auth/login -d '{\"username\":\"vanthu\",\"password\":\"demo\"}'\n\nPress Ctrl-C to stop.\n", st.GatewayURL)
}
