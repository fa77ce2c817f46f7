package stack

import (
	"slices"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/natsauth"
)

// grant lists what one service may publish and subscribe to on NATS,
// besides its own events, its JetStream API and its inbox (see acl).
type grant struct {
	publish, subscribe []string
	// consumers are the durable consumers the service runs.
	consumers []events.Consumer
}

// inbox carries the replies to a service's own requests, stream acks of
// its publications included; a service that serves endpoints also
// publishes to it, its answers.
const inbox = "_INBOX.>"

// grants are the services' NATS permissions. A service publishes only the
// events it owns (svc.Owned, the table consumers check sources against)
// and calls only the endpoints it uses, so a compromised or buggy service
// cannot forge another's events or serve its endpoints.
var grants = map[string]grant{
	svc.GatewayService: {
		// SigningVerify answers GET /v1/documents/{id}/signatures.
		publish:   []string{svc.IntakeAccept.Subject, svc.IntakeRevise.Subject, svc.ArchiveSearch.Subject, svc.ArchiveGet.Subject, svc.SigningVerify.Subject, "docflow.svc.routing.>"},
		consumers: []events.Consumer{events.GatewayProjection, events.GatewayWebhooks},
	},
	svc.IntakeService: {
		// Intake asks signing to verify uploads that carry signatures.
		publish:   []string{svc.SigningVerify.Subject, inbox},
		subscribe: []string{svc.IntakeAccept.Subject, svc.IntakeRevise.Subject, "$SRV.>"},
	},
	svc.RoutingService: {
		publish:   []string{inbox},
		subscribe: []string{"docflow.svc.routing.>", "$SRV.>"},
		consumers: []events.Consumer{events.RoutingReceived, events.RoutingDelegations},
	},
	svc.SigningService: {
		// The exchange engine publishes the hosted agencies' signed edXML
		// packages and receipts (docflow.x.<to>.<from>.<kind>).
		publish:   []string{inbox, events.ExchangePrefix + ".>"},
		subscribe: []string{svc.SigningVerify.Subject, "$SRV.>"},
		consumers: []events.Consumer{events.SigningExchangeSend, events.SigningExchangeReceipts, events.SigningExchangeInbox, events.SigningExchangeStatuses},
	},
	svc.ArchiveService: {
		publish:   []string{inbox},
		subscribe: []string{svc.ArchiveSearch.Subject, svc.ArchiveGet.Subject, "$SRV.>"},
	},
}

// acl is the NATS user of service: its grant, its own events, and of
// JetStream exactly what its work needs (jetStreamAPI). Creating,
// updating, deleting and purging streams is not among it: the stack
// provisions the streams with the admin user before the services start.
func acl(service string) natsauth.User {
	g := grants[service]
	publish := slices.Clone(g.publish)
	for _, t := range svc.Owned(service) {
		publish = append(publish, events.EventFilter(t))
	}
	publish = append(publish, jetStreamAPI(events.Streams, g.consumers)...)
	subscribe := append(slices.Clone(g.subscribe), inbox)
	return natsauth.User{Name: service, Publish: publish, Subscribe: subscribe}
}

// jetStreamAPI are the JetStream subjects a service publishes to: the
// lookup of each stream it uses (publishing into a stream is publishing
// its subjects), and for each of its durable consumers its creation or
// update, its info, the pull of its messages and their acks. Nothing
// reaches another service's consumers or changes a stream.
func jetStreamAPI(streams []events.Stream, consumers []events.Consumer) []string {
	var out []string
	for _, s := range streams {
		out = append(out, "$JS.API.STREAM.INFO."+s.Name)
	}
	for _, c := range consumers {
		sd := c.Stream + "." + c.Durable
		out = append(out,
			"$JS.API.CONSUMER.CREATE."+sd, "$JS.API.CONSUMER.CREATE."+sd+".>",
			"$JS.API.CONSUMER.INFO."+sd, "$JS.API.CONSUMER.MSG.NEXT."+sd,
			"$JS.ACK."+sd+".>")
	}
	return out
}
