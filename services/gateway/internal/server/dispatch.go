package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/exchange"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/clerical/secrecy"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
)

// Publisher publishes the gateway's own events: *natsx.Publisher.
type Publisher interface {
	PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error)
}

var _ Publisher = (*natsx.Publisher)(nil)

// Dispatch (ND30 Art. 16) sends an issued outgoing document to every
// recipient it has not reached: units of the agency at once, other agencies
// through the Exchange port. It is safe to repeat at any point:
//
//   - only recipients still pending or failed in the read model are sent;
//   - the outbox queues a document once per agency, so a dispatch that
//     failed after writing it queues nothing twice;
//   - the event's id is derived from the document and the number of its
//     dispatches so far, so a repeated publish is dropped by JetStream and
//     the read model;
//   - the event is applied to the read model at once (as the consumer will,
//     idempotently), so the next call sees what this one sent.

// DispatchDocument lets a clerk send an issued document to its recipients.
func (s *Server) DispatchDocument(ctx context.Context, req httpapi.DispatchDocumentRequestObject) (httpapi.DispatchDocumentResponseObject, error) {
	p := principal(ctx)
	out, err := s.dispatch(ctx, p, req.ID)
	// Each refusal of a secret document is in the trail on its own, as a
	// refused send to that agency would be; the entry of the whole call
	// below fails the call if the trail cannot be written.
	for _, r := range out.refusals {
		_ = s.audited(ctx, p, "document.dispatch", req.ID, "agency="+r.agency, r.err)
	}
	if aerr := s.audited(ctx, p, "document.dispatch", req.ID, out.summary(), err); aerr != nil {
		if errs.Wire(aerr).Code == errcode.Confidential {
			// The contract answers 422 for a dispatch nothing could be sent by.
			w := errs.Wire(aerr)
			return httpapi.DispatchDocument422JSONResponse{Code: httpapi.ErrorCode(w.Code), Message: w.Message}, nil
		}
		return nil, aerr
	}
	return httpapi.DispatchDocument200JSONResponse{DocumentID: req.ID, Recipients: out.results}, nil
}

// dispatched is what one dispatch did.
type dispatched struct {
	results  []httpapi.DispatchOutcome // every recipient, in the draft's order
	sent     []events.DispatchedRecipient
	refusals []refusal // the agencies refused by this call
}

type refusal struct {
	agency string
	err    error
}

// summary is the audit trail's detail: what this call did to whom.
func (d dispatched) summary() string {
	by := map[string][]string{}
	for _, r := range d.sent {
		by[r.Status] = append(by[r.Status], r.Unit+r.Agency)
	}
	var parts []string
	for _, status := range []string{events.DispatchDelivered, events.DispatchQueued, events.DispatchRefused, events.DispatchFailed} {
		if len(by[status]) > 0 {
			parts = append(parts, status+"="+strings.Join(by[status], ","))
		}
	}
	if len(parts) == 0 && len(d.results) > 0 {
		return "nothing left to send"
	}
	return strings.Join(parts, " ")
}

func allRefused(results []httpapi.DispatchOutcome) bool {
	return len(results) > 0 && !slices.ContainsFunc(results, func(r httpapi.DispatchOutcome) bool {
		return r.Status != httpapi.RecipientStatusRefused
	})
}

func (s *Server) dispatch(ctx context.Context, p auth.Principal, id string) (dispatched, error) {
	const op = "server.DispatchDocument"
	var out dispatched
	if err := auth.Require(p, "dispatch documents", auth.RoleClerk); err != nil {
		return out, err
	}
	d, err := s.Read.Document(ctx, s.reader(p), id)
	if err != nil {
		return out, err
	}
	if d.Direction != readmodel.Outgoing {
		return out, errs.E(op, errs.Conflict, errcode.Conflict,
			fmt.Sprintf("document %s is incoming: an incoming document is not dispatched by the agency that received it", id))
	}
	if d.Sealed.Key == "" {
		return out, errs.E(op, errs.Conflict, errcode.Conflict,
			fmt.Sprintf("document %s is not issued yet: a clerk numbers and seals it (POST /v1/documents/%s/issue) before it is dispatched", id, id))
	}
	level, err := secrecy.ParseLevel(d.Confidentiality)
	if err != nil {
		level = secrecy.TuyetMat // unmarked is held as the most secret, as the read model does
	}
	var chart svc.OrgChart
	if slices.ContainsFunc(d.Recipients, func(r readmodel.Recipient) bool { return r.Unit != "" && due(r) }) {
		// Before anything is sent: without the org chart, nothing is.
		if chart, err = natsx.Call(ctx, s.NATS, svc.RoutingOrgChart, svc.OrgChartRequest{By: actor(p), At: s.now()}); err != nil {
			return out, err
		}
	}
	at := s.now()
	for _, r := range d.Recipients {
		if !due(r) {
			out.results = append(out.results, reported(r, level))
			continue
		}
		sent, err := s.sendTo(ctx, op, p, d, r, level, chart, at)
		out.sent = append(out.sent, sent)
		result := httpapi.DispatchOutcome{Unit: r.Unit, Agency: httpapi.AgencyID(r.Agency), Status: httpapi.RecipientStatus(sent.Status)}
		if err != nil {
			w := errs.Wire(err)
			result.Error = &httpapi.Error{Code: httpapi.ErrorCode(w.Code), Message: w.Message, Details: w.Details}
			if sent.Status == events.DispatchRefused {
				out.refusals = append(out.refusals, refusal{agency: r.Agency, err: err})
			}
		}
		out.results = append(out.results, result)
	}
	if len(out.sent) > 0 {
		if err := s.announce(ctx, p, d, out.sent, at); err != nil {
			return out, err
		}
	}
	if allRefused(out.results) {
		// Refusals are only ever of a secret document, so this is its refusal.
		return out, secrecy.RefuseSecret("sent", level)
	}
	return out, nil
}

// due says whether r is still to be sent: never sent, or failed last time.
func due(r readmodel.Recipient) bool {
	return r.Status == readmodel.RecipientPending || r.Status == events.DispatchFailed
}

// reported is a recipient an earlier dispatch settled, as it stands.
func reported(r readmodel.Recipient, level secrecy.Level) httpapi.DispatchOutcome {
	out := httpapi.DispatchOutcome{Unit: r.Unit, Agency: httpapi.AgencyID(r.Agency), Status: httpapi.RecipientStatus(r.Status)}
	if r.Status == events.DispatchRefused {
		if err := secrecy.RefuseSecret("sent", level); err != nil {
			w := errs.Wire(err)
			out.Error = &httpapi.Error{Code: httpapi.ErrorCode(w.Code), Message: w.Message}
		}
	}
	return out
}

// sendTo sends d to one recipient: a unit is delivered to the holders of
// its positions, another agency is handed to the exchange unless d is
// secret. The error says why it was refused or failed.
func (s *Server) sendTo(ctx context.Context, op string, p auth.Principal, d readmodel.Document, r readmodel.Recipient,
	level secrecy.Level, chart svc.OrgChart, at time.Time) (events.DispatchedRecipient, error) {
	sent := events.DispatchedRecipient{Unit: r.Unit, Agency: r.Agency}
	fail := func(status string, err error) (events.DispatchedRecipient, error) {
		sent.Status, sent.Reason = status, string(errs.Wire(err).Code)
		return sent, err
	}
	if r.Unit != "" {
		readers, err := holders(op, chart, r.Unit)
		if err != nil {
			return fail(events.DispatchFailed, err)
		}
		sent.Status, sent.Readers = events.DispatchDelivered, readers
		return sent, nil
	}
	if err := secrecy.RefuseSecret("sent", level); err != nil {
		return fail(events.DispatchRefused, err)
	}
	if err := s.Exchange.Send(ctx, exchange.Outbound{
		DocumentID: d.ID, From: d.Agency, To: r.Agency, Confidentiality: d.Confidentiality, Sealed: d.Sealed, By: p.Username, At: at,
	}); err != nil {
		status := events.DispatchFailed
		if errs.Wire(err).Code == errcode.Confidential {
			status = events.DispatchRefused
		}
		return fail(status, err)
	}
	sent.Status = events.DispatchQueued
	return sent, nil
}

// holders are the people holding a position in unit, in the org chart's
// order, each once.
func holders(op string, chart svc.OrgChart, unit string) ([]string, error) {
	if !slices.ContainsFunc(chart.Units, func(u svc.OrgUnit) bool { return u.ID == unit }) {
		return nil, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("unit %s is not in the agency's org chart: it was not delivered; correct the org chart and dispatch again", unit))
	}
	var who []string
	for _, pos := range chart.Positions {
		if pos.Unit == unit && pos.Holder != "" && !slices.Contains(who, pos.Holder) {
			who = append(who, pos.Holder)
		}
	}
	if len(who) == 0 {
		return nil, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("no one holds a position in unit %s: it was not delivered; fill a position of the unit and dispatch again", unit))
	}
	return who, nil
}

// announce publishes what this dispatch did and applies it to the read
// model at once. The id counts the document's dispatches so far, so the
// same dispatch published twice is one event.
func (s *Server) announce(ctx context.Context, p auth.Principal, d readmodel.Document, sent []events.DispatchedRecipient, at time.Time) error {
	n := 0
	for _, h := range d.History {
		if h.Type == string(events.DocumentDispatched) {
			n++
		}
	}
	data := events.DocumentDispatchedData{DocumentID: d.ID, Agency: d.Agency, By: actor(p), At: at, Recipients: sent}
	if slices.ContainsFunc(sent, func(r events.DispatchedRecipient) bool { return r.Status == events.DispatchQueued }) {
		// The exchange sends the queued agencies what the register holds.
		i, err := s.Read.IssuedDocument(ctx, d.Agency, d.ID)
		if err != nil {
			return errs.E("server.DispatchDocument", errs.Unavailable, errcode.Unavailable,
				"the dispatch could not be recorded; dispatch again: nothing is sent twice").WithCause(err)
		}
		data.Issued = &events.DispatchedDocument{
			Kind: d.Kind, Subject: d.Subject, Urgency: d.Urgency, Number: i.Number, Symbol: i.Symbol,
			IssuedAt: i.IssuedAt, Sealed: d.Sealed, Signer: i.Signer,
		}
	}
	env, err := s.Events.PublishWithID(ctx, natsx.EventID(fmt.Sprintf("dispatch:%s:%d", d.ID, n)), at, events.DocumentDispatched, d.Agency, d.ID, data)
	if err != nil {
		return errs.E("server.DispatchDocument", errs.Unavailable, errcode.Unavailable,
			"the dispatch could not be recorded; dispatch again: nothing is sent twice").WithCause(err)
	}
	ev, err := events.Decode(env)
	if err == nil {
		err = s.Read.Apply(ctx, ev)
	}
	if err != nil {
		// The consumer applies the event in a moment; until then a repeated
		// call sends only what the outbox and the event id drop again.
		s.Log.Warn("dispatch not applied to the read model at once", zap.String("document", d.ID), zap.Error(err))
	}
	return nil
}
