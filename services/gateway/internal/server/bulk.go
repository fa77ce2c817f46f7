package server

import (
	"fmt"
	"sync"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

// bulkConcurrency bounds the items of one bulk call in flight at once, so
// that one person's call cannot occupy every Temporal connection of the
// gateway.
const bulkConcurrency = 8

// eachOnce acts on every item on its own, bulkConcurrency at a time, and
// answers with one result per item in the order sent. An item with the key
// of an earlier one would race it, so it is not acted on: its result is
// repeated(i, first), first being the index of the earlier one.
func eachOnce[I, R any](items []I, key func(I) string, act func(I) R, repeated func(i, first int) R) []R {
	results := make([]R, len(items))
	first := map[string]int{}
	var (
		wg    sync.WaitGroup
		slots = make(chan struct{}, bulkConcurrency)
	)
	for i, item := range items {
		k := key(item)
		if j, seen := first[k]; seen {
			results[i] = repeated(i, j)
			continue
		}
		first[k] = i
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = act(item)
		})
	}
	wg.Wait()
	return results
}

// tooMany refuses a bulk call of n items, more than limit, named by field.
func tooMany(op, field, items string, n, limit int) error {
	return errs.E(op, errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("send at most %d %s in one call; this one has %d", limit, items, n)).
		WithDetail(field, fmt.Sprintf("at most %d", limit))
}

// failure is how an item of a bulk call that was not done is reported.
func failure(err error) (httpapi.BulkDecisionStatus, *httpapi.Error) {
	status := httpapi.BulkDecisionStatusFailed
	if refused(err) {
		status = httpapi.BulkDecisionStatusRefused
	}
	wire := errs.Wire(err)
	return status, &httpapi.Error{Code: httpapi.ErrorCode(wire.Code), Message: wire.Message, Details: wire.Details}
}

// refused tells an action that was not allowed, which sending again will
// not change, from one the system could not carry out.
func refused(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotFound, errs.Conflict, errs.Forbidden, errs.Unauthenticated:
		return true
	}
	return false
}
