package readmodel

import "testing"

// Apply projects an event only once its history line is written, so a
// projection of a type without one would never run.
func TestEveryProjectedTypeHasAHistoryLine(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]projector{"tasks": tasks, "documents": documents, "notifications": notifications, "dispatches": dispatches, "exchanges": exchanges} {
		for typ := range p {
			if _, ok := lines[typ]; !ok {
				t.Errorf("the %s projector projects %s, which has no history line", name, typ)
			}
		}
	}
}
