// Package workflows is the root of docflow's Temporal workflows. Each
// sub-package declares one workflow with its input, result, updates, queries
// and the names and types of the activities it calls; the service that owns
// each side effect implements those activities and registers them on its own
// task queue. Workflows depend only on the Temporal SDK and the api module.
package workflows
