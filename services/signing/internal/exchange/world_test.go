package exchange_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/hosted"
	"github.com/docflow/docflow/services/internal/edxml"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/exchange"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

const (
	g22    = "000.00.00.G22"
	h49    = "000.00.00.H49"
	bucket = "documents"
)

// world is one installation hosting G22 and H49, with the engine's four
// consumers running on a real NATS, versitygw and SQLite.
type world struct {
	js    jetstream.JetStream
	store objstore.Store
	db    *exchange.Store
	eng   *exchange.Engine
	pub   *natsx.Publisher
	keys  *keys.Dir
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	nats, s3 := testkit.NATS(t), testkit.S3(t)
	if err := natsx.EnsureStreams(ctx, nats.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	if err := s3.Store.EnsureBucket(ctx, bucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	pkiDir := t.TempDir()
	now := time.Now()
	if _, err := devpki.Init(pkiDir, devpki.Options{Agency: g22, AgencyName: "Văn phòng Chính phủ (thử)",
		Users: []devpki.User{{Username: "lanhdao", FullName: "Phạm Minh Đức"}}}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := devpki.Init(pkiDir, devpki.Options{Agency: h49, AgencyName: "UBND tỉnh Quảng Ninh (thử)"}, now); err != nil {
		t.Fatal(err)
	}
	dir := keys.NewDir(pkiDir, time.Now)
	st, err := exchange.OpenStore(ctx, testkit.DB(t, testkit.SQLite(t)))
	if err != nil {
		t.Fatal(err)
	}
	national, err := agencies.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := zaptest.NewLogger(t)
	pub := natsx.NewPublisher(nats.JS, "signing")
	eng := exchange.New(exchange.Config{
		Bucket: bucket, Directory: national,
		Hosted: []hosted.Agency{
			{ID: g22, Name: "Văn phòng Chính phủ (thử)", Place: "Hà Nội"},
			{ID: h49, Name: "UBND tỉnh Quảng Ninh (thử)", Place: "Quảng Ninh"},
		},
		SignerName: func(ctx context.Context, username string) (string, error) {
			c, err := dir.Lookup(ctx, username)
			if err != nil {
				return "", err
			}
			return c.Cert.Subject.CommonName, nil
		},
	}, st, s3.Store, nats.JS, pub, dir, log)
	w := &world{js: nats.JS, store: s3.Store, db: st, eng: eng, pub: pub, keys: dir}
	// The consumers run on a context of their own: t.Context ends before
	// the cleanups that stop them.
	run := context.WithoutCancel(ctx)
	for _, c := range []struct {
		c events.Consumer
		h natsx.Handler
	}{{events.SigningExchangeSend, eng.HandleDispatched}, {events.SigningExchangeReceipts, eng.HandleReceipt}} {
		stop, err := natsx.Consume(run, nats.JS, c.c, log, c.h)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	for _, c := range []struct {
		c events.Consumer
		h exchange.PackageHandler
	}{{events.SigningExchangeInbox, eng.HandleDocument}, {events.SigningExchangeStatuses, eng.HandleStatus}} {
		stop, err := exchange.ConsumePackages(run, nats.JS, c.c.ForAgencies(eng.HostedIDs()), log, c.h)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	return w
}

// put stores a PDF in the documents bucket.
func (w *world) put(t *testing.T, key string, data []byte) events.Object {
	t.Helper()
	info, err := w.store.Put(t.Context(), bucket, key, bytes.NewReader(data), int64(len(data)), objstore.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	return events.Object{Bucket: info.Bucket, Key: info.Key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
}

func (w *world) read(t *testing.T, o events.Object) []byte {
	t.Helper()
	body, _, err := w.store.Get(t.Context(), o.Bucket, o.Key, o.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = body.Close() }()
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// publish emits an event under the given id, as the service that owns its
// type: consumers drop an event from any other source as forged.
func (w *world) publish(t *testing.T, id string, typ events.Type, agency, doc string, data any) {
	t.Helper()
	owner, ok := svc.Owner(typ)
	if !ok {
		t.Fatalf("no service owns %s", typ)
	}
	if _, err := natsx.NewPublisher(w.js, owner).PublishWithID(t.Context(), id, time.Now(), typ, agency, doc, data); err != nil {
		t.Fatal(err)
	}
}

// signer is an agency's organisation key as edxml takes it.
func (w *world) signer(t *testing.T, agency string) edxml.Signer {
	t.Helper()
	c, err := w.keys.Organisation(t.Context(), agency)
	if err != nil {
		t.Fatal(err)
	}
	return edxml.Signer{Key: c.Key, Chain: []*x509.Certificate{c.Cert}}
}

// packages are the raw messages on an exchange subject, oldest first.
func packages(t *testing.T, js jetstream.JetStream, subject string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, msg := range testkit.Messages(t, js, events.ExchangeStream.Name, subject) {
		out = append(out, msg.Data())
	}
	return out
}

// eventually polls cond until it holds or 20 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decoded are the events on subject with their payloads.
func decoded[T any](t *testing.T, js jetstream.JetStream, subject string) []T {
	t.Helper()
	var out []T
	for _, env := range testkit.Published(t, js, subject) {
		var d T
		if err := json.Unmarshal(env.Data, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}
