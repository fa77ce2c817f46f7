package stack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/natsauth"
	"github.com/docflow/docflow/services/internal/natsx"
)

const g22 = "000.00.00.G22"

// client is a service's connection to the stack's NATS, as the service
// makes it (natsx.Connect with its .creds), with the server's refusals.
type client struct {
	cfg      natsx.Config
	nc       *nats.Conn
	js       jetstream.JetStream
	refusals chan error
}

func connectAs(t *testing.T, url string, auth *natsauth.Installation, user string) *client {
	t.Helper()
	creds, err := auth.Creds(user)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{cfg: natsx.Config{URL: url, Creds: creds}, refusals: make(chan error, 16)}
	if err := c.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	opts := []nats.Option{nats.UserCredentials(creds), nats.Name(user),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { c.refusals <- err })}
	if c.nc, err = nats.Connect(url, opts...); err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(c.nc.Close)
	if c.js, err = jetstream.New(c.nc); err != nil {
		t.Fatal(err)
	}
	return c
}

// refused runs a JetStream request the server must refuse: it fails, and
// the server reports a permissions violation on subject. A refused request
// is never answered, so it is given little time.
func (c *client) refused(t *testing.T, what, subject string, request func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if err := request(ctx); err == nil {
		t.Fatalf("%s: allowed", what)
	}
	select {
	case err := <-c.refusals:
		if !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), `"`+subject+`"`) {
			t.Fatalf("%s: %v, want a permissions violation on %s", what, err, subject)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: failed without a permissions violation", what)
	}
}

// No service may delete, purge, create or change a stream, nor touch
// another service's consumer: only the admin user provisions.
func TestServicesCannotManageStreams(t *testing.T) {
	t.Parallel()
	ns, auth, err := startNATS(t.Context(), t.TempDir(), 0, []string{g22})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	for _, name := range natsServices {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			refusedToManage(t, connectAs(t, ns.URL(), auth, name), name)
		})
	}
}

func refusedToManage(t *testing.T, c *client, name string) {
	t.Helper()
	for _, s := range events.Streams {
		c.refused(t, name+" deleting "+s.Name, "$JS.API.STREAM.DELETE."+s.Name, func(ctx context.Context) error {
			return c.js.DeleteStream(ctx, s.Name)
		})
		stream, err := c.js.Stream(t.Context(), s.Name)
		if err != nil {
			t.Fatalf("%s looking up %s: %v", name, s.Name, err)
		}
		c.refused(t, name+" purging "+s.Name, "$JS.API.STREAM.PURGE."+s.Name, func(ctx context.Context) error {
			return stream.Purge(ctx)
		})
		c.refused(t, name+" changing "+s.Name, "$JS.API.STREAM.UPDATE."+s.Name, func(ctx context.Context) error {
			_, err := c.js.UpdateStream(ctx, jetstream.StreamConfig{Name: s.Name, Subjects: []string{">"}})
			return err
		})
	}
	c.refused(t, name+" creating a stream", "$JS.API.STREAM.CREATE.SPY", func(ctx context.Context) error {
		_, err := c.js.CreateStream(ctx, jetstream.StreamConfig{Name: "SPY", Subjects: []string{"docflow.svc.>"}})
		return err
	})
	// The routing service's consumer of new documents is its own.
	if name != svc.RoutingService {
		c.refused(t, name+" taking routing's consumer", "$JS.API.CONSUMER.CREATE."+events.EventsStream.Name+"."+events.RoutingReceived.Durable,
			func(ctx context.Context) error {
				_, err := natsx.EnsureConsumer(ctx, c.js, events.RoutingReceived)
				return err
			})
	}
}

// With those rights a service still does its work: it finds the streams
// provisioned, publishes its events into them, and consumes with its own
// durable consumer.
func TestServicesDoTheirWork(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns, auth, err := startNATS(ctx, t.TempDir(), 0, []string{g22})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	clients := map[string]*client{}
	for _, name := range natsServices {
		c := connectAs(t, ns.URL(), auth, name)
		if err := natsx.PrepareStreams(ctx, c.js, c.cfg, events.Streams); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		clients[name] = c
	}

	received := make(chan events.Event, 1)
	stop, err := natsx.Consume(ctx, clients[svc.RoutingService].js, events.RoutingReceived, zaptest.NewLogger(t), func(_ context.Context, ev events.Event) error {
		received <- ev
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	projected := make(chan events.Event, 2)
	stopProjection, err := natsx.Consume(ctx, clients[svc.GatewayService].js, events.GatewayProjection, zaptest.NewLogger(t), func(_ context.Context, ev events.Event) error {
		projected <- ev
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stopProjection()

	doc, err := natsx.NewPublisher(clients[svc.IntakeService].js, svc.IntakeService).Publish(ctx, events.DocumentReceived, g22, "d1",
		events.DocumentReceivedData{DocumentID: "d1", Agency: g22, ArrivalNumber: 1, ArrivalYear: 2026})
	if err != nil {
		t.Fatalf("intake publishing its event: %v", err)
	}
	route, err := natsx.NewPublisher(clients[svc.RoutingService].js, svc.RoutingService).Publish(ctx, events.RouteSelected, g22, "d1",
		events.RouteSelectedData{DocumentID: "d1", WorkflowID: "w1", RuleID: "r1"})
	if err != nil {
		t.Fatalf("routing publishing its event: %v", err)
	}
	wait := func(ch chan events.Event, want events.Envelope) {
		t.Helper()
		select {
		case ev := <-ch:
			if ev.ID != want.ID {
				t.Fatalf("got %s %s, want %s %s", ev.Type, ev.ID, want.Type, want.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %s never arrived", want.Type, want.ID)
		}
	}
	wait(received, doc)
	wait(projected, doc)
	wait(projected, route)
	for name, c := range clients {
		select {
		case err := <-c.refusals:
			t.Errorf("%s was refused something of its work: %v", name, err)
		default:
		}
	}
}

// A service that may not create streams says which one is missing and how
// to provision it, rather than waiting for an answer that never comes.
func TestServiceReportsAStreamNotProvisioned(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns, auth, err := startNATS(ctx, t.TempDir(), 0, []string{g22})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	admin := connectAs(t, ns.URL(), auth, natsauth.AdminUser)
	if err := admin.js.DeleteStream(ctx, events.ExchangeStream.Name); err != nil {
		t.Fatal(err)
	}
	c := connectAs(t, ns.URL(), auth, svc.ArchiveService)
	err = natsx.PrepareStreams(ctx, c.js, c.cfg, events.Streams)
	if err == nil || !strings.Contains(err.Error(), "stream "+events.ExchangeStream.Name+" does not exist") ||
		!strings.Contains(err.Error(), "provision") || strings.Contains(err.Error(), events.EventsStream.Name) {
		t.Fatalf("PrepareStreams as archive: %v, want an error naming %s alone and how to provision it", err, events.ExchangeStream.Name)
	}
	// The admin user has the rights; with its credentials the same call
	// provisions.
	if err := natsx.PrepareStreams(ctx, admin.js, admin.cfg, events.Streams); err != nil {
		t.Fatal(err)
	}
	if err := natsx.PrepareStreams(ctx, c.js, c.cfg, events.Streams); err != nil {
		t.Fatalf("after provisioning: %v", err)
	}
}

// Every durable consumer belongs to exactly one service, whose name it
// starts with.
func TestEveryConsumerHasOneService(t *testing.T) {
	t.Parallel()
	owners := map[string][]string{}
	for name, g := range grants {
		for _, c := range g.consumers {
			owners[c.Durable] = append(owners[c.Durable], name)
			if !strings.HasPrefix(c.Durable, name+"-") {
				t.Errorf("%s runs consumer %s", name, c.Durable)
			}
		}
	}
	for _, c := range events.Consumers {
		if len(owners[c.Durable]) != 1 {
			t.Errorf("consumer %s is granted to %v, want one service", c.Durable, owners[c.Durable])
		}
	}
}
