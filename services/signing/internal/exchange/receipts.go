package exchange

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/edxml"
)

// receiptWords are the Description of each receipt, for the sender's clerk.
var receiptWords = map[edxml.StatusCode]string{
	edxml.StatusArrived:    "Văn bản đã đến",
	edxml.StatusRegistered: "Văn bản đã được vào sổ văn bản đến",
	edxml.StatusAssigned:   "Văn bản đã được phân công xử lý",
	edxml.StatusInProgress: "Văn bản đang được xử lý",
	edxml.StatusCompleted:  "Văn bản đã được xử lý xong",
}

// HandleReceipt sends the sender of an arrived document the receipt its
// registration (document.received naming the arrival: 03) or handling
// (handling.assigned, started, completed: 04, 05, 06) is owed. Documents
// that did not come over the exchange are ignored.
func (e *Engine) HandleReceipt(ctx context.Context, ev events.Event) error {
	switch d := ev.Payload.(type) {
	case *events.DocumentReceivedData:
		if d.ExchangeArrival == "" {
			return nil
		}
		a, found, err := e.store.ArrivalByID(ctx, d.ExchangeArrival)
		if err != nil {
			return err
		}
		if !found || a.Agency != ev.Agency {
			e.log.Warn("a document was registered from an arrival this service never received; no receipt is sent",
				zap.String("document_id", d.DocumentID), zap.String("arrival_id", d.ExchangeArrival), zap.String("agency", ev.Agency))
			return nil
		}
		if _, err := e.store.Registered(ctx, a.ID, d.DocumentID); err != nil {
			return err
		}
		return e.receipt(ctx, a, edxml.StatusRegistered)
	case *events.HandlingData:
		a, found, err := e.store.ArrivalOf(ctx, d.DocumentID)
		if err != nil || !found {
			return err
		}
		code := edxml.StatusCode(d.Status)
		switch code {
		case edxml.StatusAssigned, edxml.StatusInProgress, edxml.StatusCompleted:
			return e.receipt(ctx, a, code)
		}
		e.log.Warn("a handling event with a status that is no receipt", zap.String("document_id", d.DocumentID), zap.String("status", d.Status))
	}
	return nil
}

// receipt sends status code about an arrival, once.
func (e *Engine) receipt(ctx context.Context, a Arrival, code edxml.StatusCode) error {
	done, err := e.store.ReceiptSent(ctx, a.ID, string(code))
	if err != nil || done {
		return err
	}
	now := e.cfg.Now()
	st := edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: a.Sender, Code: a.Code, PromulgationDate: a.PromulgatedOn, DocumentID: a.EdXMLDocumentID},
		From:        e.organ(a.Agency, now),
		Code:        code,
		Description: receiptWords[code],
		Timestamp:   now,
	}
	if err := e.sendStatus(ctx, a.Agency, a.Sender, st, "status:"+a.ID+":"+string(code)); err != nil {
		return err
	}
	return e.store.RecordReceipt(ctx, a.ID, string(code), now)
}

// sendStatus signs st with our organisation key and sends it to the
// agency the document came from.
func (e *Engine) sendStatus(ctx context.Context, us, to string, st edxml.Status, msgID string) error {
	s, err := e.signer(ctx, us)
	if err != nil {
		return err
	}
	raw, err := edxml.BuildStatus(st, s)
	if err != nil {
		return fmt.Errorf("exchange: status %s about %s: %w", st.Code, st.ResponseFor.DocumentID, err)
	}
	return e.send(ctx, to, us, events.ExchangeStatus, msgID, raw)
}
