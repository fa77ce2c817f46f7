package reception

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/intake/internal/register"
)

// announceWait bounds the publication of a new entry's event within the
// request that registered it.
const announceWait = 5 * time.Second

// announce publishes the entry's event (document.received for an incoming
// document, document.drafted for a draft) unless the
// register says it is on the stream already. A failure is not the
// submitter's problem: the document is registered, and Announcer publishes
// the event later.
func (d *Desk) announce(ctx context.Context, doc register.Document, log *zap.Logger) {
	if !doc.AnnouncedAt.IsZero() {
		return
	}
	// The submitter waits for the answer: a stream that does not
	// acknowledge soon is left to the Announcer rather than held against
	// the request's whole deadline.
	ctx, cancel := context.WithTimeout(ctx, announceWait)
	defer cancel()
	if err := d.publish(ctx, doc); err != nil {
		log.Warn("the document's event is not published yet; it will be retried", zap.Error(err))
	}
}

func (d *Desk) publish(ctx context.Context, doc register.Document) error {
	typ, data := events.DocumentReceived, any(events.DocumentReceivedData{
		DocumentID:      doc.ID,
		Agency:          doc.Agency,
		ArrivalNumber:   doc.ArrivalNumber,
		ArrivalYear:     doc.ArrivalYear,
		Kind:            doc.Kind,
		Subject:         doc.Subject,
		Urgency:         doc.Urgency,
		Confidentiality: doc.Confidentiality,
		Original:        doc.Original,
		ReceivedAt:      doc.ReceivedAt,
		By:              doc.ReceivedBy,
		Issuer:          doc.Issuer,
		IssuerID:        doc.IssuerID,
		Symbol:          doc.Symbol,
		IssuedOn:        doc.IssuedOn,
		Description:     doc.Description,
		ExchangeArrival: doc.ExchangeArrival,
	})
	if doc.Direction == register.Outgoing {
		typ, data = events.DocumentDrafted, events.DocumentDraftedData{
			DocumentID: doc.ID, Agency: doc.Agency, Kind: doc.Kind, Subject: doc.Subject, Urgency: doc.Urgency,
			Confidentiality: doc.Confidentiality, Original: doc.Original, DraftedAt: doc.ReceivedAt, By: doc.ReceivedBy,
			Unit: doc.Unit, Recipients: doc.Recipients, Description: doc.Description,
		}
	}
	if _, err := d.events.PublishWithID(ctx, doc.EventID, doc.ReceivedAt, typ, doc.Agency, doc.ID, data); err != nil {
		return fmt.Errorf("reception.publish %s: %w", doc.ID, err)
	}
	if err := d.register.MarkAnnounced(ctx, doc.ID, d.now()); err != nil {
		return fmt.Errorf("reception.publish %s: %w", doc.ID, err)
	}
	return nil
}

// AnnouncePending publishes the events of entries registered more than
// grace ago whose event never reached the stream (the service stopped or
// NATS was away at that moment). It returns how many it published.
func (d *Desk) AnnouncePending(ctx context.Context, grace time.Duration) (int, error) {
	const batch = 100
	published := 0
	for {
		docs, err := d.register.Unannounced(ctx, d.now().Add(-grace), batch)
		if err != nil {
			return published, fmt.Errorf("reception.AnnouncePending: %w", err)
		}
		for _, doc := range docs {
			if err := d.publish(ctx, doc); err != nil {
				return published, fmt.Errorf("reception.AnnouncePending: %w", err)
			}
			published++
		}
		if len(docs) < batch {
			return published, nil
		}
	}
}

// Announcer runs AnnouncePending at start and then every interval until ctx
// is done. Entries younger than interval are left to the request that is
// registering them.
func (d *Desk) Announcer(ctx context.Context, interval time.Duration) {
	for {
		n, err := d.AnnouncePending(ctx, interval)
		switch {
		case err != nil && ctx.Err() == nil:
			d.log.Warn("announcing registered documents failed; will retry", zap.Error(err))
		case n > 0:
			d.log.Info("announced registered documents whose event was missing", zap.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
