package natsx

import (
	"fmt"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
)

// checkOrigin tells why an event cannot be what it claims, or nil. The
// subject an event arrived on is the one thing the server vouches for (a
// service may publish only its own types' subjects); the envelope is
// whatever the publisher wrote. So the envelope must agree with its
// subject, docflow.evt.<agency>.<entity>.<verb>, and name as its source
// the one service that owns its type: otherwise a service could pass its
// event off as another agency's or another service's, past the subject
// permissions.
func checkOrigin(subject string, env events.Envelope) error {
	if want := events.EventSubject(env.Agency, env.Type); subject != want {
		if filter := events.EventFilter(env.Type); !subjectMatches(filter, subject) {
			return fmt.Errorf("its type %s belongs on %s, not on %s", env.Type, filter, subject)
		}
		return fmt.Errorf("its agency %q belongs on %s, not on %s", env.Agency, want, subject)
	}
	owner, ok := svc.Owner(env.Type)
	if !ok {
		// A type of a newer build: no handler gets it (events.Decode
		// does not know it), so there is nothing to vouch for.
		return nil
	}
	if env.Source != svc.EventSource(owner) {
		return fmt.Errorf("its source %q is not %s, the only publisher of %s", env.Source, svc.EventSource(owner), env.Type)
	}
	return nil
}
