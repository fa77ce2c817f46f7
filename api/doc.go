// Package api is the root of docflow's public contracts: the HTTP API
// (http/v1), the events and their subjects and streams (events/v1), the
// request/reply endpoints between services with their messages (svc/v1),
// the stable error codes (errcode), and the conventions every service and
// integrator shares: the object-key layout of the buckets (objectkey), the
// rules for identifiers (ids) and the one time zone, Vietnam's (vntime).
// Integrators import these packages; they import nothing else from the
// repository.
package api
