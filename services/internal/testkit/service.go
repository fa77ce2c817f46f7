package testkit

import (
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/config"
)

// Getenv reads vars, in place of os.Getenv for a service's Run or
// LoadConfig.
func Getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// ConfigKeys checks a service's configuration cfg (a pointer to it): no
// two settings share an environment key, and a setting reads each of want.
func ConfigKeys(t testing.TB, cfg any, want ...string) {
	t.Helper()
	if dup := config.Duplicates(cfg); len(dup) > 0 {
		t.Errorf("keys used by more than one setting: %v", dup)
	}
	keys := config.Keys(cfg)
	for _, k := range want {
		if !slices.Contains(keys, k) {
			t.Errorf("no setting reads %s", k)
		}
	}
}

// ServiceVars are the settings that point a service at the test's servers
// (nil ones are left out), with more added over them.
func ServiceVars(nats *NATSEnv, s3 *S3Env, temporal *TemporalEnv, more map[string]string) map[string]string {
	vars := map[string]string{}
	if nats != nil {
		vars["DOCFLOW_NATS_URL"] = nats.URL
		vars["DOCFLOW_NATS_USER"] = nats.User
		vars["DOCFLOW_NATS_PASSWORD"] = nats.Password
	}
	if s3 != nil {
		vars["DOCFLOW_S3_ENDPOINT"] = s3.Config.Endpoint
		vars["DOCFLOW_S3_ACCESS_KEY"] = s3.Config.AccessKey
		vars["DOCFLOW_S3_SECRET_KEY"] = s3.Config.SecretKey
		vars["DOCFLOW_S3_REGION"] = s3.Config.Region
	}
	if temporal != nil {
		vars["DOCFLOW_TEMPORAL_ADDRESS"] = temporal.HostPort
		vars["DOCFLOW_TEMPORAL_NAMESPACE"] = temporal.Namespace
	}
	maps.Copy(vars, more)
	return vars
}

// Run is a service's Run function.
type Run func(ctx context.Context, getenv func(string) string, stdout io.Writer) error

// RunService runs a service as production does, configured by vars, and
// returns once it reports ready at readyURL (/readyz of its health
// endpoints). The returned stop cancels it and fails the test unless Run
// returns nil within 30 s; it runs when the test ends if the test did not
// call it. The service's log is shown when the test failed.
func RunService(t testing.TB, run Run, vars map[string]string, readyURL string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	var (
		logs   Buffer
		runErr error
	)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		runErr = run(ctx, Getenv(vars), &logs)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-exited:
				if runErr != nil {
					t.Errorf("Run returned %v after cancellation, want nil", runErr)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("Run did not stop within 30 s of cancellation")
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	})
	waitReady(t, readyURL, exited, &runErr)
	return stop
}

// waitReady polls url until it answers 200, failing if Run ends first or
// a deadline passes.
func waitReady(t testing.TB, url string, exited <-chan struct{}, runErr *error) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("Run ended before being ready: %v", *runErr)
		case <-deadline:
			t.Fatalf("%s not ready within 90 s", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
