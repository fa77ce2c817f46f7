package sign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/workflows"
)

// Metadata recorded with a signed or sealed PDF. A retried activity
// rebuilds its result (and SignDocument its event) from these, so they hold
// everything both carry.
const (
	metaDocument     = "document-id"
	metaSigner       = "signer"
	metaSignerCert   = "signer-cert" // URL-escaped: subjects are not ASCII
	metaLevel        = "pades-level"
	metaSignedAt     = "signed-at" // RFC 3339, UTC, nanoseconds
	metaSourceSHA256 = "source-sha256"
)

// output is one of the PDFs the activities write once per document: the
// signed one or the sealed one. Finding an earlier result, spooling the
// source, making the signature and storing it are the same steps for both;
// output holds what differs in what they say.
type output struct {
	op     string // the activity, in errors
	key    string // where the PDF is stored
	verb   string // "signed" or "sealed"
	noun   string // "signature" or "seal"
	action string // "signing" or "sealing"
	source string // what it is made from, e.g. "a source"
}

// record is what the metadata of a stored PDF says about how it was made.
type record struct {
	document, signer, signerCert, level string
	signedAt                            time.Time
	sourceSHA256                        string
}

func (r record) metadata() map[string]string {
	return map[string]string{
		metaDocument:     r.document,
		metaSigner:       r.signer,
		metaSignerCert:   url.QueryEscape(r.signerCert),
		metaLevel:        r.level,
		metaSignedAt:     r.signedAt.Format(time.RFC3339Nano),
		metaSourceSHA256: r.sourceSHA256,
	}
}

// earlier returns the PDF an earlier attempt stored; found is false when
// there is none.
func (a *Activities) earlier(ctx context.Context, o output, log *zap.Logger) (existing objstore.Info, found bool, err error) {
	existing, err = a.store.Stat(ctx, a.cfg.Bucket, o.key, "")
	switch {
	case err == nil:
		log.Info("document already "+o.verb+"; returning the stored "+o.noun, zap.String("version_id", existing.VersionID))
		return existing, true, nil
	case errors.Is(err, objstore.ErrNotFound):
		return objstore.Info{}, false, nil
	}
	return objstore.Info{}, false, fmt.Errorf("%s: look for an earlier %s: %w", o.op, o.noun, err)
}

// recorded reads the record of an earlier PDF made for document from a
// source with sourceSHA256. One the service did not write for the document,
// or made from another source, is refused for good: the stored one stands.
func (o output) recorded(existing objstore.Info, document, sourceSHA256 string) (record, error) {
	m := existing.Metadata
	if m[metaDocument] != document || m[metaSignedAt] == "" {
		return record{}, nonRetryable(workflows.ErrUnsignablePDF, fmt.Errorf(
			"%s exists but was not written by the signing service for document %s; move it away before %s again", existing.Key, document, o.action))
	}
	if !strings.EqualFold(m[metaSourceSHA256], sourceSHA256) {
		return record{}, nonRetryable(workflows.ErrSourceIntegrity, fmt.Errorf(
			"document %s was %s from %s with SHA-256 %s, but this request names %s; the %s version stands",
			document, o.verb, o.source, m[metaSourceSHA256], sourceSHA256, o.verb))
	}
	at, err := time.Parse(time.RFC3339Nano, m[metaSignedAt])
	if err != nil {
		return record{}, nonRetryable(workflows.ErrUnsignablePDF, fmt.Errorf(
			"%s records an unreadable %s time %q: %w", existing.Key, o.action, m[metaSignedAt], err))
	}
	subject, err := url.QueryUnescape(m[metaSignerCert])
	if err != nil {
		subject = m[metaSignerCert]
	}
	return record{
		document: document, signer: m[metaSigner], signerCert: subject, level: m[metaLevel],
		signedAt: at.UTC(), sourceSHA256: m[metaSourceSHA256],
	}, nil
}

// signAndStore signs src (the spooled source) as req asks and stores the
// result under o.key, with the record of rec's document and signer and the
// extra metadata.
func (a *Activities) signAndStore(ctx context.Context, o output, src *os.File, source events.Object, rec record, req pades.Request, extra map[string]string, log *zap.Logger) (objstore.Info, record, error) {
	out, err := os.CreateTemp(a.cfg.TempDir, "docflow-"+o.verb+"-*.pdf")
	if err != nil {
		return objstore.Info{}, record{}, fmt.Errorf("%s: temporary file for the %s PDF: %w", o.op, o.verb, err)
	}
	defer discard(out, log)
	stopHeartbeat := a.heartbeat(ctx)
	sig, err := a.signer.Sign(ctx, src, source.Size, out, req)
	stopHeartbeat()
	if err != nil {
		return objstore.Info{}, record{}, classify(o.op, err)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return objstore.Info{}, record{}, fmt.Errorf("%s: rewind %s PDF: %w", o.op, o.verb, err)
	}
	rec.signerCert, rec.level, rec.signedAt = keys.Subject(req.Cert), string(sig.Level), sig.SignedAt.UTC()
	rec.sourceSHA256 = strings.ToLower(source.SHA256)
	meta := rec.metadata()
	maps.Copy(meta, extra)
	stored, err := a.store.Put(ctx, a.cfg.Bucket, o.key, out, sig.Size, objstore.PutOptions{ContentType: ContentTypePDF, Metadata: meta})
	if err != nil {
		return objstore.Info{}, record{}, fmt.Errorf("%s: store %s PDF: %w", o.op, o.verb, err)
	}
	log.Info("document "+o.verb, zap.String("key", stored.Key), zap.String("version_id", stored.VersionID),
		zap.String("sha256", stored.SHA256), zap.Int64("size", stored.Size), zap.String("level", rec.level))
	return stored, rec, nil
}

// spoolSource copies the source to a temporary file, checking it against
// the digest the workflow carries: what is signed is exactly what was
// registered.
func (a *Activities) spoolSource(ctx context.Context, o output, src events.Object) (*os.File, error) {
	bucket := src.Bucket
	if bucket == "" {
		bucket = a.cfg.Bucket
	}
	body, _, err := a.store.Get(ctx, bucket, src.Key, src.VersionID)
	if errors.Is(err, objstore.ErrNotFound) {
		return nil, nonRetryable(workflows.ErrSourceIntegrity, fmt.Errorf("the document to sign (%s/%s) is no longer in storage: %w", bucket, src.Key, err))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read source: %w", o.op, err)
	}
	defer func() { _ = body.Close() }()

	f, err := os.CreateTemp(a.cfg.TempDir, "docflow-source-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("%s: temporary file for the source: %w", o.op, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err != nil {
		discard(f, a.log)
		if errors.Is(err, objstore.ErrChecksum) {
			return nil, nonRetryable(workflows.ErrSourceIntegrity, fmt.Errorf("the stored document %s/%s is damaged: %w", bucket, src.Key, err))
		}
		return nil, fmt.Errorf("%s: read source: %w", o.op, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(src.SHA256) || n != src.Size {
		discard(f, a.log)
		return nil, nonRetryable(workflows.ErrSourceIntegrity, fmt.Errorf(
			"the stored document %s/%s does not match what was registered (%d bytes, SHA-256 %s; registered %d bytes, SHA-256 %s): it is not signed",
			bucket, src.Key, n, got, src.Size, src.SHA256))
	}
	if err := checkSource(f, n); err != nil {
		discard(f, a.log)
		return nil, classify(o.op, err)
	}
	return f, nil
}

func object(info objstore.Info) events.Object {
	return events.Object{Bucket: info.Bucket, Key: info.Key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
}

func discard(f *os.File, log *zap.Logger) {
	_ = f.Close()
	if err := os.Remove(f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("temporary file left behind", zap.String("file", f.Name()), zap.Error(err))
	}
}
