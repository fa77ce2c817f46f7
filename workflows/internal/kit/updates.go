package kit

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The kit registers a workflow's query and its Workflow Updates.
// Every update is a pair: a validator that only reads the state, so a
// refused update leaves no trace in history and its caller gets the reason,
// and a handler that then applies the change synchronously.

// Update is one update's name with its validator and handler.
type Update struct {
	name               string
	handler, validator any
}

// On pairs the validator and the handler of the update name, which takes an
// A and answers an R.
func On[A, R any](name string, validate func(workflow.Context, A) error, apply func(workflow.Context, A) (R, error)) Update {
	return Update{name: name, handler: apply, validator: validate}
}

// RegisterHandlers answers the query with state() and registers every update.
func RegisterHandlers[S any](ctx workflow.Context, query string, state func() S, updates ...Update) error {
	if err := workflow.SetQueryHandler(ctx, query, func() (S, error) { return state(), nil }); err != nil {
		return fmt.Errorf("register query %s: %w", query, err)
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

// Refuse is a validator's answer: an application error of errType (one of
// workflows.Err*) whose message tells the caller why.
func Refuse(errType, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), errType)
}
