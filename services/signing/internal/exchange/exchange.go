// Package exchange is the inter-agency exchange engine (QCVN 102, DOMAIN.md
// §7–§8): it sends the documents the hosted agencies dispatch to other
// agencies as edXML packages signed with the sender's organisation key,
// receives and verifies the packages addressed to the hosted agencies
// (answering 01 or 02 at once), sends the senders receipts 03–06 as the
// arrived documents are registered and handled, and turns the statuses
// other agencies send about our documents into events.
//
// Packages travel on DOCFLOW_EXCHANGE under events.ExchangeSubject; each
// is published with a Nats-Msg-Id derived from what it is (the document
// and recipient, the arrival and status code), and the engine records what
// it sent, so an event or package delivered again sends nothing twice.
package exchange

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/hosted"
	"github.com/docflow/docflow/services/internal/edxml"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// Keys are the hosted agencies' organisation keys and the trust roots
// packages are verified against: *keys.Dir.
type Keys interface {
	Organisation(ctx context.Context, agency string) (keys.Credential, error)
	Trust(ctx context.Context) (*x509.CertPool, error)
}

// Publisher publishes the engine's events: *natsx.Publisher.
type Publisher interface {
	PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error)
}

// Config is what the engine works with besides its dependencies.
type Config struct {
	// Bucket is the documents bucket: sealed PDFs are read from it and the
	// attachments of arrived packages are stored in its staging area.
	Bucket string
	// Hosted are the agencies of this installation: packages addressed to
	// others are ignored.
	Hosted []hosted.Agency
	// Directory names the agencies (the national directory); nil names
	// only the hosted ones.
	Directory *agencies.Directory
	// SignerName gives the full name of the competent signer printed in a
	// package's SignerInfo; nil, or an error, leaves it empty.
	SignerName func(ctx context.Context, username string) (string, error)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Engine sends, receives and acknowledges edXML packages.
type Engine struct {
	cfg     Config
	store   *Store
	objects objstore.Store
	js      jetstream.JetStream
	events  Publisher
	keys    Keys
	log     *zap.Logger
}

// New returns an engine.
func New(cfg Config, store *Store, objects objstore.Store, js jetstream.JetStream, pub Publisher, k Keys, log *zap.Logger) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Engine{cfg: cfg, store: store, objects: objects, js: js, events: pub, keys: k, log: log.Named("exchange")}
}

// Hosts reports whether agency is hosted here.
func (e *Engine) Hosts(agency string) bool {
	_, ok := e.hosted(agency)
	return ok
}

func (e *Engine) hosted(agency string) (hosted.Agency, bool) {
	return hosted.Find(e.cfg.Hosted, agency)
}

// HostedIDs are the identifiers of the hosted agencies.
func (e *Engine) HostedIDs() []string {
	ids := make([]string, len(e.cfg.Hosted))
	for i, a := range e.cfg.Hosted {
		ids[i] = a.ID
	}
	return ids
}

// organ names an agency for a header: the national directory's name, else
// the hosted agency's own.
func (e *Engine) organ(id string, at time.Time) edxml.Organ {
	o := edxml.Organ{OrganID: id}
	if e.cfg.Directory != nil {
		if a, err := e.cfg.Directory.Resolve(id, at); err == nil {
			o.OrganName = a.Name
		}
	}
	if a, ok := hosted.Find(e.cfg.Hosted, id); ok && o.OrganName == "" {
		o.OrganName = a.Name
	}
	return o
}

// signer is the agency's organisation key as edxml signs with it.
func (e *Engine) signer(ctx context.Context, agency string) (edxml.Signer, error) {
	cred, err := e.keys.Organisation(ctx, agency)
	if err != nil {
		return edxml.Signer{}, fmt.Errorf("the organisation key of %s: %w", agency, err)
	}
	// The root stays out of the chain: the receiver has it as its anchor.
	return edxml.Signer{Key: cred.Key, Chain: []*x509.Certificate{cred.Cert}}, nil
}

// verifyOptions are the trust roots, us as the recipient, now.
func (e *Engine) verifyOptions(ctx context.Context, us string) (edxml.VerifyOptions, error) {
	roots, err := e.keys.Trust(ctx)
	if err != nil {
		return edxml.VerifyOptions{}, fmt.Errorf("the trust roots: %w", err)
	}
	return edxml.VerifyOptions{Roots: roots, Recipient: us, Now: e.cfg.Now()}, nil
}

// send publishes a package on DOCFLOW_EXCHANGE under a Nats-Msg-Id derived
// from what it is, so the stream drops a repeat.
func (e *Engine) send(ctx context.Context, to, from, kind, msgID string, raw []byte) error {
	subject := events.ExchangeSubject(to, from, kind)
	if _, err := e.js.Publish(ctx, subject, raw, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("publish on %s: %w", subject, err)
	}
	return nil
}
