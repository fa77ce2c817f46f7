// Package workflows is the contract of docflow's Temporal workflows: what
// the services outside this module use to start them, call their updates
// and implement their activities. It declares the task queues, the activity
// names with their inputs and outputs, the application error types callers
// map to error codes, the workflow ids, and the people, tasks and decisions
// more than one workflow (or a service) shares. It holds no workflow code,
// so a service depends on it without depending on how a workflow runs.
//
// The workflows themselves are its sub-packages, siblings built on the
// small kit in internal/: approval (the retired single-approver workflow,
// frozen so its recorded histories replay), chain (the plan-driven approval
// of a document) and incoming (the handling of another agency's document).
// Each declares only what is its own: its input, result, state, updates and
// query. Workflows depend only on the Temporal SDK and the api module.
//
// Every string here (queue, activity, error type, JSON field name) is
// recorded in workflow histories and stored payloads: changing one breaks
// running workflows and their replay, so they never change.
package workflows
