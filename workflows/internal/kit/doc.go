// Package kit is what every docflow workflow does the same way: it draws
// ids that replay sees again, calls other services' activities with one
// retry policy, registers the query and the Workflow Updates, publishes its
// events in the order things happened, keeps its tasks with their
// reminders, escalations and audit trail, sets its search attributes, and
// continues as new before its history grows large. Each of these schedules
// commands a recorded history holds, so the workflows (approval, chain,
// incoming) share one implementation rather than copies that could drift
// apart. The pieces are one package because they work together: the book of
// tasks publishes through the outbox, arms the timers and refuses through
// the updates' validators, and a workflow uses all of them.
package kit
