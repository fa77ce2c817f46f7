// Package health serves the liveness and readiness endpoints every service
// has: GET /healthz answers while the process runs; GET /readyz only when
// every dependency check passes, so an orchestrator routes no work to a
// service that cannot do it.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"
)

// Check reports whether one dependency is usable.
type Check func(context.Context) error

// Handler returns the /healthz and /readyz handlers.
func Handler(checks map[string]Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status, report := Ready(ctx, checks)
		writeJSON(w, status, report)
	})
	return mux
}

// Ready runs every check and returns the HTTP status and a report by name.
func Ready(ctx context.Context, checks map[string]Check) (int, map[string]string) {
	names := make([]string, 0, len(checks))
	for n := range checks {
		names = append(names, n)
	}
	sort.Strings(names)
	report := map[string]string{}
	status := http.StatusOK
	for _, n := range names {
		if err := checks[n](ctx); err != nil {
			report[n] = err.Error()
			status = http.StatusServiceUnavailable
			continue
		}
		report[n] = "ok"
	}
	return status, report
}

// Server is the HTTP server of Handler, with the timeouts of a probe
// endpoint; the service runtime listens, serves and shuts it down like any
// other server of the service.
func Server(checks map[string]Check) *http.Server {
	return &http.Server{
		Handler:           Handler(checks),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
