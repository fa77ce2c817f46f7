package stack

import (
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/servers"
)

// grant lists what one service may publish and subscribe to on NATS.
type grant struct {
	publish, subscribe []string
}

// jetStream is what every JetStream client needs: the API (stream and
// consumer lookups, publish acks come back on the inbox) and message acks.
var jetStream = []string{"$JS.API.>", "$JS.ACK.>"}

// inbox carries the replies to a service's own requests.
const inbox = "_INBOX.>"

// grants are the services' NATS permissions. A service publishes only the
// events it owns and calls only the endpoints it uses, so a compromised or
// buggy service cannot forge another's events or serve its endpoints.
var grants = map[string]grant{
	svc.GatewayService: {
		// SigningVerify answers GET /v1/documents/{id}/signatures.
		publish:   append([]string{svc.IntakeAccept.Subject, svc.IntakeRevise.Subject, svc.ArchiveSearch.Subject, svc.ArchiveGet.Subject, svc.SigningVerify.Subject, "docflow.svc.routing.>", events.EventFilter(events.DocumentDispatched)}, jetStream...),
		subscribe: []string{inbox},
	},
	svc.IntakeService: {
		// Intake asks signing to verify uploads that carry signatures.
		publish:   append([]string{events.EventFilter(events.DocumentReceived), events.EventFilter(events.DocumentDrafted), svc.SigningVerify.Subject, inbox}, jetStream...),
		subscribe: []string{svc.IntakeAccept.Subject, svc.IntakeRevise.Subject, "$SRV.>", inbox},
	},
	svc.RoutingService: {
		publish: append([]string{
			events.EventFilter(events.RouteSelected), events.EventFilter(events.TaskAssigned), events.EventFilter(events.TaskDecided),
			events.EventFilter(events.DocumentApproved), events.EventFilter(events.DocumentRejected),
			events.EventFilter(events.TaskReminded), events.EventFilter(events.TaskEscalated),
			events.EventFilter(events.TaskReassigned), events.EventFilter(events.TaskCommented),
			events.EventFilter(events.TaskWithdrawn), events.EventFilter(events.TaskResubmitted),
			events.EventFilter(events.DocumentRecalled),
			events.EventFilter(events.DelegationCreated), events.EventFilter(events.DelegationRevoked),
			// The workflows routing runs: substitutes named while a task is
			// open, steps sent to other agencies, incoming handling.
			events.EventFilter(events.TaskDelegated), events.EventFilter(events.DocumentSent), events.EventFilter(events.DocumentOverdue),
			events.EventFilter(events.HandlingAssigned), events.EventFilter(events.HandlingStarted), events.EventFilter(events.HandlingCompleted),
			// The clerk's issue of a signed document (the approval workflow).
			events.EventFilter(events.DocumentNumbered),
			inbox,
		}, jetStream...),
		subscribe: []string{"docflow.svc.routing.>", "$SRV.>", inbox},
	},
	svc.SigningService: {
		publish:   append([]string{events.EventFilter(events.DocumentSigned), inbox}, jetStream...),
		subscribe: []string{svc.SigningVerify.Subject, "$SRV.>", inbox},
	},
	svc.ArchiveService: {
		publish:   append([]string{events.EventFilter(events.DocumentArchived), inbox}, jetStream...),
		subscribe: []string{svc.ArchiveSearch.Subject, svc.ArchiveGet.Subject, "$SRV.>", inbox},
	},
}

func natsUser(name, password string) servers.NATSUser {
	g := grants[name]
	return servers.NATSUser{User: name, Password: password, Publish: g.publish, Subscribe: g.subscribe}
}
