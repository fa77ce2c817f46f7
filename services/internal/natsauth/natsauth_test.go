package natsauth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/natsauth"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/servers"
)

const g22, h49 = "000.00.00.G22", "000.00.00.H49"

// installation is a NATS server in operator mode hosting G22 and H49, with
// the streams provisioned by the admin user.
type installation struct {
	auth  *natsauth.Installation
	url   string
	admin *nats.Conn
	js    jetstream.JetStream
}

func start(t *testing.T) *installation {
	t.Helper()
	auth, err := natsauth.Generate(natsauth.Spec{Dir: t.TempDir(), Services: []natsauth.User{{Name: "svc"}}, Agencies: []string{g22, h49}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := servers.StartNATS(servers.NATSOptions{StoreDir: t.TempDir(), Operator: &servers.NATSOperator{
		JWT: auth.OperatorJWT, SystemAccount: auth.SystemAccount, Accounts: auth.Accounts,
	}}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	in := &installation{auth: auth, url: srv.URL()}
	in.admin, _ = in.connect(t, natsauth.AdminUser)
	if in.js, err = jetstream.New(in.admin); err != nil {
		t.Fatal(err)
	}
	if err := natsx.EnsureStreams(t.Context(), in.js, events.Streams); err != nil {
		t.Fatal(err)
	}
	return in
}

// connect connects as user; the channel receives the server's refusals.
func (in *installation) connect(t *testing.T, user string) (*nats.Conn, chan error) {
	t.Helper()
	creds, err := in.auth.Creds(user)
	if err != nil {
		t.Fatal(err)
	}
	refusals := make(chan error, 16)
	nc, err := nats.Connect(in.url, nats.UserCredentials(creds), nats.Name(user),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { refusals <- err }))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc, refusals
}

// refused waits for the server to refuse what concerns subject.
func refused(t *testing.T, refusals chan error, what, subject string) {
	t.Helper()
	select {
	case err := <-refusals:
		if !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), `"`+subject+`"`) {
			t.Fatalf("%s: %v, want a permissions violation on %s", what, err, subject)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: allowed, want a permissions violation", what)
	}
}

// An agency's link reaches nothing of another agency: it may neither
// subscribe to G22's events or packages, nor send packages in G22's name,
// nor read the installation's streams.
func TestAgencyCannotReachAnotherAgency(t *testing.T) {
	t.Parallel()
	in := start(t)
	nc, refusals := in.connect(t, natsauth.AgencyUser(h49))

	for _, subject := range []string{"docflow.evt.000_00_00_G22.>", events.ExchangeInbox(g22), "docflow.>", ">"} {
		if _, err := nc.SubscribeSync(subject); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		refused(t, refusals, "H49 subscribing to "+subject, subject)
	}
	for _, subject := range []string{
		events.ExchangeSubject(h49, g22, events.ExchangeDocument), // to itself, as G22
		events.ExchangeSubject("000.00.00.K01", g22, events.ExchangeStatus),
		events.EventSubject(h49, events.DocumentReceived), // events are the installation's to publish
	} {
		if err := nc.Publish(subject, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		refused(t, refusals, "H49 publishing on "+subject, subject)
	}

	// The stream API is not for agencies: a request is refused, and the
	// client never gets an answer.
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := js.Stream(ctx, events.EventsStream.Name); err == nil {
		t.Fatal("H49 read the stream info of DOCFLOW_EVENTS")
	}
	refused(t, refusals, "H49 asking for the info of DOCFLOW_EVENTS", "$JS.API.STREAM.INFO."+events.EventsStream.Name)
	ctx, cancel = context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream.Name, jetstream.ConsumerConfig{
		Durable: "h49-spy", FilterSubjects: []string{"docflow.evt.000_00_00_G22.>"},
	}); err == nil {
		t.Fatal("H49 created a consumer on DOCFLOW_EVENTS")
	}
	refused(t, refusals, "H49 creating a consumer on DOCFLOW_EVENTS", "$JS.API.CONSUMER.CREATE."+events.EventsStream.Name+".h49-spy")
}

// What an agency's link is for works: it receives its own events and the
// packages addressed to it, not those of G22, and a package it sends in
// its own name is stored in DOCFLOW_EXCHANGE. (NATS does not pass a
// message an account imported on to that account's exports, so a package
// between two hosted agencies reaches the recipient from the stream, not
// live.)
func TestAgencyReceivesItsOwnAndSendsInItsName(t *testing.T) {
	t.Parallel()
	in := start(t)
	h49Link, refusals := in.connect(t, natsauth.AgencyUser(h49))
	g22Link, _ := in.connect(t, natsauth.AgencyUser(g22))
	own, err := h49Link.SubscribeSync("docflow.evt.000_00_00_H49.>")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := h49Link.SubscribeSync(events.ExchangeInbox(h49))
	if err != nil {
		t.Fatal(err)
	}
	g22Inbox, err := g22Link.SubscribeSync(events.ExchangeInbox(g22))
	if err != nil {
		t.Fatal(err)
	}
	for _, nc := range []*nats.Conn{h49Link, g22Link} {
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}

	// The installation publishes, as its services do, into its streams.
	ctx := t.Context()
	for _, subject := range []string{
		events.EventSubject(g22, events.DocumentReceived),
		events.EventSubject(h49, events.DocumentReceived),
		events.ExchangeSubject(g22, h49, events.ExchangeStatus),
		events.ExchangeSubject(h49, g22, events.ExchangeDocument),
	} {
		if _, err := in.js.Publish(ctx, subject, []byte(subject)); err != nil {
			t.Fatal(err)
		}
	}
	for sub, want := range map[*nats.Subscription]string{
		own:      events.EventSubject(h49, events.DocumentReceived),
		inbox:    events.ExchangeSubject(h49, g22, events.ExchangeDocument),
		g22Inbox: events.ExchangeSubject(g22, h49, events.ExchangeStatus),
	} {
		expectMsg(t, sub, want, want)
	}

	// H49 sends a document to G22 in its own name, as a JetStream publish:
	// DOCFLOW_EXCHANGE acknowledges it, with no JetStream API involved.
	sent := events.ExchangeSubject(g22, h49, events.ExchangeDocument)
	h49JS, err := jetstream.New(h49Link)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := h49JS.Publish(ctx, sent, []byte("edxml"))
	if err != nil {
		t.Fatalf("H49 sending in its own name: %v", err)
	}
	if ack.Stream != events.ExchangeStream.Name {
		t.Fatalf("H49's package was acknowledged by %q, want %s", ack.Stream, events.ExchangeStream.Name)
	}
	select {
	case err := <-refusals:
		t.Fatalf("H49 sending in its own name: %v", err)
	default:
	}
	stream, err := in.js.Stream(ctx, events.ExchangeStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := stream.GetMsg(ctx, ack.Sequence)
	if err != nil {
		t.Fatalf("H49's package is not in %s: %v", events.ExchangeStream.Name, err)
	}
	if stored.Subject != sent || string(stored.Data) != "edxml" {
		t.Fatalf("%s holds %q for %s", events.ExchangeStream.Name, stored.Data, sent)
	}
	// Nothing more: G22's event and H49's own status package to G22
	// stayed away from H49.
	for _, sub := range []*nats.Subscription{own, inbox} {
		if msg, err := sub.NextMsg(200 * time.Millisecond); err == nil {
			t.Fatalf("%s also got %s", sub.Subject, msg.Subject)
		}
	}
}

func expectMsg(t *testing.T, sub *nats.Subscription, subject, data string) {
	t.Helper()
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("%s: %v, want %s", sub.Subject, err, subject)
	}
	if msg.Subject != subject || string(msg.Data) != data {
		t.Fatalf("%s got %s %q, want %s %q", sub.Subject, msg.Subject, msg.Data, subject, data)
	}
}

// A restart keeps every identity: the keys are reused, the JWTs signed
// again; a key file deleted is made anew, for that identity only. Keys and
// credentials are readable by their owner only.
func TestGenerateKeepsIdentities(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := natsauth.Spec{Dir: dir, Services: []natsauth.User{{Name: "intake", Publish: []string{"docflow.evt.*.document.received"}}}, Agencies: []string{g22}}
	first, err := natsauth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	userKey := func(in *natsauth.Installation, user string) string {
		t.Helper()
		path, err := in.Creds(user)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		token, err := jwt.ParseDecoratedJWT(raw)
		if err != nil {
			t.Fatal(err)
		}
		uc, err := jwt.DecodeUserClaims(token)
		if err != nil {
			t.Fatal(err)
		}
		return uc.Subject + " of " + uc.IssuerAccount + uc.Issuer
	}
	before := map[string]string{}
	for _, user := range []string{natsauth.AdminUser, natsauth.AgencyUser(g22), "intake"} {
		before[user] = userKey(first, user)
	}
	if err := os.Remove(filepath.Join(dir, "keys", "user-intake.nk")); err != nil {
		t.Fatal(err)
	}
	second, err := natsauth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{natsauth.InstallationAccount, natsauth.SystemAccount, g22} {
		if first.AccountKeys[name] == "" || first.AccountKeys[name] != second.AccountKeys[name] {
			t.Errorf("account %s: %q, then %q after a restart", name, first.AccountKeys[name], second.AccountKeys[name])
		}
	}
	if first.OperatorJWT == "" || second.SystemAccount != first.SystemAccount {
		t.Error("the operator or its system account changed")
	}
	for _, user := range []string{natsauth.AdminUser, natsauth.AgencyUser(g22)} {
		if before[user] != userKey(second, user) {
			t.Errorf("user %s changed identity after a restart", user)
		}
	}
	if before["intake"] == userKey(second, "intake") {
		t.Error("the intake user kept its identity although its key was deleted")
	}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Creds("signing"); err == nil {
		t.Error("credentials of a user that was never generated")
	}
}

// A bad spec is refused with every problem named; an agency identifier
// cannot smuggle a wildcard into the subjects made from it.
func TestGenerateRefusesBadSpecs(t *testing.T) {
	t.Parallel()
	_, err := natsauth.Generate(natsauth.Spec{
		Services: []natsauth.User{{Name: "intake"}, {Name: "intake"}, {Name: natsauth.AdminUser}, {Name: "Bad Name"}},
		Agencies: []string{g22, g22, "000.00.00.*", "000.00.00.>", ""},
	})
	if err == nil {
		t.Fatal("Generate accepted the spec")
	}
	for _, want := range []string{"Dir is empty", `"intake" is listed twice`, `"admin" is listed twice`, `"Bad Name"`,
		`agency "000.00.00.G22" is listed twice`, `"000.00.00.*"`, `"000.00.00.>"`, `agency ""`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
}
