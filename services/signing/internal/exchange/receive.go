package exchange

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/text/unicode/norm"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/edxml"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
)

// ArrivalID is the id of the arrival of the package with edXML DocumentId
// documentID at agency: the same package delivered twice is one arrival.
func ArrivalID(agency, documentID string) string {
	return natsx.EventID("exchange.arrival:" + agency + ":" + documentID)
}

// HandleDocument receives a document package published on subject. A
// package that verifies is stored, announced with exchange.arrived and
// answered 01; one that does not is answered 02 with the reason and
// creates nothing. A package for an agency not hosted here is ignored.
// An error means the package could not be handled yet (storage, NATS) and
// is to be delivered again.
func (e *Engine) HandleDocument(ctx context.Context, subject string, raw []byte) error {
	to, from, kind, ok := events.ParseExchangeSubject(subject)
	if !ok || kind != events.ExchangeDocument {
		e.log.Warn("ignoring a message that is not a document package", zap.String("subject", subject))
		return nil
	}
	log := e.log.With(zap.String("to", to), zap.String("from", from))
	if !e.Hosts(to) {
		log.Info("ignoring a package addressed to an agency not hosted here")
		return nil
	}
	opts, err := e.verifyOptions(ctx, to)
	if err != nil {
		return err
	}
	pkg, err := edxml.Parse(raw, opts)
	var refused *edxml.Error
	if errors.As(err, &refused) {
		return e.reject(ctx, to, from, raw, refused, log)
	}
	if err != nil {
		return err
	}
	return e.arrive(ctx, to, pkg, log)
}

// reject answers a package that did not verify with 02.
func (e *Engine) reject(ctx context.Context, us, subjectFrom string, raw []byte, refused *edxml.Error, log *zap.Logger) error {
	log = log.With(zap.Error(refused), zap.NamedError("cause", refused.Cause()))
	about := refused.About
	if about == nil || about.OrganID == "" {
		// Nothing names the document: a 02 could not say what it refuses.
		log.Warn("refused a package naming no document; no 02 can answer it")
		return nil
	}
	sum := sha256.Sum256(raw)
	st := edxml.Status{
		ResponseFor: *about, From: e.organ(us, e.cfg.Now()), Code: edxml.StatusRejected,
		Description: refused.Message, Timestamp: e.cfg.Now(),
	}
	log.Warn("refused a document package; answering 02", zap.String("edxml_document_id", about.DocumentID))
	// The status goes to the agency the package claims to be from; when
	// the header was forged, the link it came by is its sender.
	to := about.OrganID
	if ids.CheckAgency(to) != nil {
		to = subjectFrom
	}
	return e.sendStatus(ctx, us, to, st, "status:02:"+hex.EncodeToString(sum[:16]))
}

// arrive stores a verified package's files, records and announces it and
// answers 01.
func (e *Engine) arrive(ctx context.Context, us string, pkg *edxml.Package, log *zap.Logger) error {
	m := pkg.Message
	id := ArrivalID(us, m.DocumentID)
	now := e.cfg.Now()
	stored := make([]events.Object, 0, len(m.Attachments))
	for i, a := range m.Attachments {
		o, err := e.store1(ctx, objectkey.Staging(fmt.Sprintf("exchange-%s-%d", id, i+1)), a)
		if err != nil {
			return err
		}
		stored = append(stored, o)
	}
	arrival := Arrival{
		ID: id, Agency: us, Sender: m.From.OrganID, EdXMLDocumentID: m.DocumentID,
		Code: m.Code.Number + "/" + m.Code.Notation, PromulgatedOn: m.Promulgation.Date, At: now,
	}
	if err := e.store.RecordArrival(ctx, arrival); err != nil {
		return err
	}
	data := events.ExchangeArrivedData{
		ArrivalID: id, Agency: us, FromAgency: m.From.OrganID, FromName: m.From.OrganName,
		EdXMLDocumentID: m.DocumentID, Number: m.Code.Number, Notation: m.Code.Notation,
		PromulgatedOn: day(m.Promulgation.Date), Place: m.Promulgation.Place,
		Kind: kindOf(m.DocumentType), TypeName: m.DocumentType.TypeName, Subject: m.Subject,
		Urgency: urgencyOf(m.Other.Priority), Attachments: stored, ReceivedAt: now,
	}
	if !m.DueDate.IsZero() {
		data.DueOn = day(m.DueDate)
	}
	if _, err := e.events.PublishWithID(ctx, natsx.EventID("exchange.arrived:"+id), now, events.ExchangeArrived, us, "", data); err != nil {
		return fmt.Errorf("exchange: announce arrival %s: %w", id, err)
	}
	log.Info("document package arrived", zap.String("arrival_id", id), zap.String("edxml_document_id", m.DocumentID))
	return e.receipt(ctx, arrival, edxml.StatusArrived)
}

// store1 keeps one attachment in the staging area. A package delivered
// again finds its bytes already there and keeps that version.
func (e *Engine) store1(ctx context.Context, key string, a edxml.Attachment) (events.Object, error) {
	sum := sha256.Sum256(a.Data)
	digest := hex.EncodeToString(sum[:])
	if info, err := e.objects.Stat(ctx, e.cfg.Bucket, key, ""); err == nil && info.SHA256 == digest {
		return object(info), nil
	} else if err != nil && !errors.Is(err, objstore.ErrNotFound) {
		return events.Object{}, fmt.Errorf("exchange: %s: %w", key, err)
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/pdf"
	}
	info, err := e.objects.Put(ctx, e.cfg.Bucket, key, bytes.NewReader(a.Data), int64(len(a.Data)), objstore.PutOptions{ContentType: ct})
	if err != nil {
		return events.Object{}, fmt.Errorf("exchange: store %s: %w", key, err)
	}
	return object(info), nil
}

func object(i objstore.Info) events.Object {
	return events.Object{Bucket: i.Bucket, Key: i.Key, VersionID: i.VersionID, Size: i.Size, SHA256: i.SHA256}
}

// kindOf maps an edXML document type back to a docflow kind: by its name
// (hubs agree on words, not on codes), else by a code only one kind has.
func kindOf(t edxml.DocumentType) string {
	name := strings.ToLower(norm.NFC.String(strings.TrimSpace(t.TypeName)))
	var byCode []kinds.Info
	for _, k := range kinds.All() {
		if strings.ToLower(k.Name) == name {
			return string(k.Kind)
		}
		if t.Type != "" && k.EdXMLType != "" && strings.TrimLeft(k.EdXMLType, "0") == strings.TrimLeft(t.Type, "0") {
			byCode = append(byCode, k)
		}
	}
	if len(byCode) == 1 {
		return string(byCode[0].Kind)
	}
	return ""
}

// day is a civil date in Vietnam, YYYY-MM-DD.
func day(t time.Time) string { return t.In(vntime.Zone).Format(time.DateOnly) }
