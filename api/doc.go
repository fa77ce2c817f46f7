// Package api is the root of docflow's public contracts: the HTTP API
// (http/v1), the events and their subjects and streams (events/v1), the
// request/reply messages between services (svc/v1) and the stable error
// codes (errcode). Integrators import these packages; they import nothing
// else from the repository.
package api
