package svc

import (
	"strings"

	events "github.com/docflow/docflow/api/events/v1"
)

// Endpoint is one request/reply endpoint: the subject it is served on, with
// the request it takes (Req) and the reply it answers with (Rep) as its type
// parameters. Declaring the three together means a caller and the service
// cannot disagree on either message: the compiler holds both to the
// declaration.
type Endpoint[Req, Rep any] struct {
	// Subject is docflow.svc.<service>.<verb>.
	Subject string
}

// Service is the service that answers: the <service> token of the subject.
func (e Endpoint[Req, Rep]) Service() string {
	service, _, _ := strings.Cut(e.rest(), ".")
	return service
}

// Name is the endpoint's name within its service, as NATS micro lists it:
// the verb, with its dots as dashes (delegations.create is
// delegations-create).
func (e Endpoint[Req, Rep]) Name() string {
	_, verb, _ := strings.Cut(e.rest(), ".")
	return strings.ReplaceAll(verb, ".", "-")
}

func (e Endpoint[Req, Rep]) rest() string {
	return strings.TrimPrefix(e.Subject, events.ServicePrefix+".")
}
