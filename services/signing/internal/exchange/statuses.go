package exchange

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/edxml"
	"github.com/docflow/docflow/services/internal/natsx"
)

// receiptCodes are the statuses turned into exchange.status_received; the
// recall codes (13, 15, 16) are not handled here.
var receiptCodes = map[edxml.StatusCode]bool{
	edxml.StatusArrived: true, edxml.StatusRejected: true, edxml.StatusRegistered: true,
	edxml.StatusAssigned: true, edxml.StatusInProgress: true, edxml.StatusCompleted: true,
}

// HandleStatus receives a status package published on subject about a
// document a hosted agency sent, and announces it with
// exchange.status_received. A status that does not verify, or names
// nothing we sent, is dropped and logged. An error means it could not be
// handled yet and is to be delivered again.
func (e *Engine) HandleStatus(ctx context.Context, subject string, raw []byte) error {
	to, from, kind, ok := events.ParseExchangeSubject(subject)
	if !ok || kind != events.ExchangeStatus {
		e.log.Warn("ignoring a message that is not a status package", zap.String("subject", subject))
		return nil
	}
	log := e.log.With(zap.String("to", to), zap.String("from", from))
	if !e.Hosts(to) {
		log.Info("ignoring a status addressed to an agency not hosted here")
		return nil
	}
	opts, err := e.verifyOptions(ctx, to)
	if err != nil {
		return err
	}
	sp, err := edxml.ParseStatus(raw, opts)
	var refused *edxml.Error
	if errors.As(err, &refused) {
		log.Warn("dropped a status package that does not verify", zap.Error(refused), zap.NamedError("cause", refused.Cause()))
		return nil
	}
	if err != nil {
		return err
	}
	st := sp.Status
	log = log.With(zap.String("code", string(st.Code)), zap.String("edxml_document_id", st.ResponseFor.DocumentID))
	if !receiptCodes[st.Code] {
		log.Info("ignoring a status this service does not handle")
		return nil
	}
	sent, found, err := e.store.SentAs(ctx, st.ResponseFor.DocumentID, st.From.OrganID)
	if err != nil {
		return err
	}
	if !found || sent.Sender != to {
		log.Warn("dropped a status about no document we sent to its sender")
		return nil
	}
	data := events.ExchangeStatusReceivedData{
		DocumentID: sent.DocumentID, Recipient: st.From.OrganID, Code: string(st.Code), Description: st.Description, Timestamp: st.Timestamp,
	}
	id := natsx.EventID(fmt.Sprintf("exchange.status:%s:%s:%s", sent.DocumentID, sent.Recipient, st.Code))
	if _, err := e.events.PublishWithID(ctx, id, e.cfg.Now(), events.ExchangeStatusReceived, to, sent.DocumentID, data); err != nil {
		return fmt.Errorf("exchange: announce status %s of %s: %w", st.Code, sent.DocumentID, err)
	}
	log.Info("status received", zap.String("document_id", sent.DocumentID))
	return nil
}
