// Package httpapi is docflow's HTTP API (/v1) as Go code generated from
// openapi.yaml: the request and response types, a net/http strict server
// the gateway implements, and a client for integrators and the CLI.
package httpapi

// The generated Go files and the Markdown reference in docs/api are
// committed; CI regenerates them and fails on a diff. The generators are
// pinned in tools/go.mod, which stays outside the workspace, hence GOWORK=off.
//go:generate env GOWORK=off go tool -modfile=../../../tools/go.mod oapi-codegen -config types.cfg.yaml openapi.yaml
//go:generate env GOWORK=off go tool -modfile=../../../tools/go.mod oapi-codegen -config server.cfg.yaml openapi.yaml
//go:generate env GOWORK=off go tool -modfile=../../../tools/go.mod oapi-codegen -config client.cfg.yaml openapi.yaml
//go:generate env GOWORK=off go run -C ../../../tools ./cmd/apidoc -root ..
