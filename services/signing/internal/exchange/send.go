package exchange

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/edxml"
)

// urgencies map docflow's urgency to the edXML priority and back.
var urgencies = []struct {
	urgency  string
	priority edxml.Priority
}{
	{"THUONG", edxml.PriorityNormal},
	{"KHAN", edxml.PriorityUrgent},
	{"THUONG_KHAN", edxml.PriorityVeryUrgent},
	{"HOA_TOC", edxml.PriorityExpress},
}

func priorityOf(urgency string) edxml.Priority {
	for _, u := range urgencies {
		if u.urgency == urgency {
			return u.priority
		}
	}
	return edxml.PriorityNormal
}

func urgencyOf(p edxml.Priority) string {
	if p >= edxml.PriorityExpress {
		return "HOA_TOC" // hỏa tốc, timed or not
	}
	for _, u := range urgencies {
		if u.priority == p {
			return u.urgency
		}
	}
	return "THUONG"
}

// HandleDispatched sends the dispatched document to every agency the
// dispatch queued, each as its own package signed by the sending agency.
// A recipient already sent to is skipped, so a redelivered event sends
// nothing twice.
func (e *Engine) HandleDispatched(ctx context.Context, ev events.Event) error {
	d, ok := ev.Payload.(*events.DocumentDispatchedData)
	if !ok {
		return nil
	}
	var queued []string
	for _, r := range d.Recipients {
		if r.Agency != "" && r.Status == events.DispatchQueued {
			queued = append(queued, r.Agency)
		}
	}
	if len(queued) == 0 {
		return nil
	}
	log := e.log.With(zap.String("document_id", d.DocumentID), zap.String("agency", d.Agency))
	if d.Issued == nil {
		// Published before dispatches carried the document: nothing here
		// says what to send.
		log.Error("a dispatch without the issued document cannot be sent over the exchange", zap.Strings("recipients", queued))
		return nil
	}
	if !e.Hosts(d.Agency) {
		log.Warn("a dispatch of an agency not hosted here is not sent: this installation has no key of it")
		return nil
	}
	var pdf []byte
	for _, to := range queued {
		sent, err := e.store.WasSent(ctx, d.DocumentID, to)
		if err != nil {
			return err
		}
		if sent {
			continue
		}
		if pdf == nil {
			if pdf, err = e.read(ctx, d.Issued.Sealed); err != nil {
				return err
			}
		}
		if err := e.sendTo(ctx, d, to, pdf); err != nil {
			return fmt.Errorf("exchange: send %s to %s: %w", d.DocumentID, to, err)
		}
		log.Info("document sent over the exchange", zap.String("to", to))
	}
	return nil
}

func (e *Engine) read(ctx context.Context, o events.Object) ([]byte, error) {
	body, _, err := e.objects.Get(ctx, o.Bucket, o.Key, o.VersionID)
	if err != nil {
		return nil, fmt.Errorf("exchange: read the sealed PDF %s: %w", o.Key, err)
	}
	defer func() { _ = body.Close() }()
	data, err := io.ReadAll(io.LimitReader(body, int64(edxml.DefaultLimits.MaxAttachmentBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("exchange: read the sealed PDF %s: %w", o.Key, err)
	}
	return data, nil
}

// sendTo builds, signs, publishes and records one package.
func (e *Engine) sendTo(ctx context.Context, d *events.DocumentDispatchedData, to string, pdf []byte) error {
	m, err := e.message(ctx, d, to, pdf)
	if err != nil {
		return err
	}
	s, err := e.signer(ctx, d.Agency)
	if err != nil {
		return err
	}
	raw, err := edxml.Build(m, s)
	if err != nil {
		return err
	}
	if err := e.send(ctx, to, d.Agency, events.ExchangeDocument, "edoc:"+d.DocumentID+":"+to, raw); err != nil {
		return err
	}
	return e.store.RecordSent(ctx, Sent{DocumentID: d.DocumentID, Recipient: to, Sender: d.Agency, EdXMLDocumentID: m.DocumentID, At: e.cfg.Now()})
}

// message is the package's header and attachment.
func (e *Engine) message(ctx context.Context, d *events.DocumentDispatchedData, to string, pdf []byte) (edxml.Message, error) {
	doc := d.Issued
	number, notation, ok := strings.Cut(doc.Symbol, "/")
	if !ok || number == "" || notation == "" {
		return edxml.Message{}, fmt.Errorf("the symbol %q is not <number>/<symbol>", doc.Symbol)
	}
	info, err := kinds.Lookup(doc.Kind)
	if err != nil {
		return edxml.Message{}, err
	}
	m := edxml.Message{
		From:         e.organ(d.Agency, d.At),
		To:           []edxml.Organ{e.organ(to, d.At)},
		Code:         edxml.Code{Number: number, Notation: notation},
		Promulgation: edxml.Promulgation{Date: doc.IssuedAt},
		DocumentType: edxml.DocumentType{Type: info.EdXMLType, TypeName: info.Name},
		Subject:      doc.Subject,
		Other:        edxml.OtherInfo{Priority: priorityOf(doc.Urgency)},
		Attachments: []edxml.Attachment{{
			ContentID: d.DocumentID + ".pdf", ContentType: "application/pdf",
			Name: strings.ReplaceAll(doc.Symbol, "/", "-") + ".pdf", Data: pdf,
		}},
	}
	if a, ok := e.hosted(d.Agency); ok {
		m.Promulgation.Place = a.Place
	}
	if doc.Signer != "" && e.cfg.SignerName != nil {
		if name, err := e.cfg.SignerName(ctx, doc.Signer); err == nil {
			m.Signer.FullName = name
		}
	}
	if n, err := strconv.Atoi(number); err == nil {
		m.DocumentID = edxml.DocumentID(d.Agency, doc.IssuedAt, n, notation)
	} else {
		m.DocumentID = d.Agency + "," + doc.IssuedAt.In(vntime.Zone).Format("2006/01/02") + "," + doc.Symbol
	}
	return m, nil
}
