package svc

import events "github.com/docflow/docflow/api/events/v1"

// owners names the one service that publishes each event type. The NATS
// permissions of the services (a service may publish only the events it
// owns) and the consumers' check of an event's source are both read from
// here, so the two cannot drift apart.
var owners = map[events.Type]string{
	events.DocumentReceived: IntakeService,
	events.DocumentDrafted:  IntakeService,

	events.DocumentSigned:   SigningService,
	events.DocumentArchived: ArchiveService,

	// The exchange between agencies runs in the signing service, which
	// holds the agencies' organisation keys and the trust roots.
	events.ExchangeArrived:        SigningService,
	events.ExchangeStatusReceived: SigningService,

	events.DocumentDispatched: GatewayService,

	// Routing, and the workflows its worker runs.
	events.RouteSelected:     RoutingService,
	events.TaskAssigned:      RoutingService,
	events.TaskDecided:       RoutingService,
	events.DocumentApproved:  RoutingService,
	events.DocumentRejected:  RoutingService,
	events.TaskReminded:      RoutingService,
	events.TaskEscalated:     RoutingService,
	events.TaskReassigned:    RoutingService,
	events.TaskCommented:     RoutingService,
	events.TaskWithdrawn:     RoutingService,
	events.TaskResubmitted:   RoutingService,
	events.DocumentRecalled:  RoutingService,
	events.DelegationCreated: RoutingService,
	events.DelegationRevoked: RoutingService,
	events.TaskDelegated:     RoutingService,
	events.DocumentSent:      RoutingService,
	events.DocumentOverdue:   RoutingService,
	events.HandlingAssigned:  RoutingService,
	events.HandlingStarted:   RoutingService,
	events.HandlingCompleted: RoutingService,
	// The clerk's issue of a signed document (the approval workflow).
	events.DocumentNumbered: RoutingService,
}

// Owner is the service that publishes events of type t; false for a type
// no service publishes.
func Owner(t events.Type) (string, bool) {
	s, ok := owners[t]
	return s, ok
}

// Owned lists the event types service publishes, in the order of
// events.Types.
func Owned(service string) []events.Type {
	var out []events.Type
	for _, t := range events.Types {
		if owners[t] == service {
			out = append(out, t)
		}
	}
	return out
}

// EventSource is the CloudEvents source of the events service publishes.
func EventSource(service string) string { return "/docflow/" + service }
