package exchange_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/edxml"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/internal/exchange"
)

// built is a package G22 signed, addressed to `to`, recorded as sent so
// that the answer finds its document.
func built(t *testing.T, w *world, number, to string) (raw []byte, doc, edxmlID string) {
	t.Helper()
	doc = uuid.NewString()
	m := edxml.Message{
		From: edxml.Organ{OrganID: g22, OrganName: "Văn phòng Chính phủ (thử)"}, To: []edxml.Organ{{OrganID: to}},
		Code:         edxml.Code{Number: number, Notation: "VPCP-TH"},
		Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: time.Date(2026, 3, 6, 0, 0, 0, 0, vntime.Zone)},
		DocumentType: edxml.DocumentType{Type: "18", TypeName: "Công văn"}, Subject: "Về việc kiểm tra chữ ký",
		Attachments: []edxml.Attachment{{ContentID: "van-ban.pdf", Name: "van-ban.pdf", Data: testkit.TextPDF("văn bản " + doc)}},
	}
	raw, err := edxml.Build(m, w.signer(t, g22))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range number {
		n = n*10 + int(c-'0')
	}
	edxmlID = edxml.DocumentID(g22, m.Promulgation.Date, n, "VPCP-TH")
	if err := w.db.RecordSent(t.Context(), exchange.Sent{DocumentID: doc, Recipient: h49, Sender: g22, EdXMLDocumentID: edxmlID, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return raw, doc, edxmlID
}

func TestRefusedPackagesGet02AndNoArrival(t *testing.T) {
	w := newWorld(t)
	roots, err := w.keys.Trust(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, number, to string
		damage           func(raw []byte) []byte
		reason           error
		says             string
	}{
		{"broken XML signature", "21", h49, func(raw []byte) []byte {
			return bytes.Replace(raw, []byte("Về việc kiểm tra chữ ký"), []byte("Về việc kiểm tra chữ kí"), 1)
		}, edxml.ErrBadSignature, ""},
		{"tampered attachment", "22", h49, func(raw []byte) []byte {
			// The PDF's base64 starts "JVBERi0" (%PDF-): change its first byte.
			i := bytes.Index(raw, []byte("JVBERi0"))
			if i < 0 {
				t.Fatal("no base64 PDF in the package")
			}
			out := bytes.Clone(raw)
			out[i] = 'K'
			return out
		}, edxml.ErrAttachmentTampered, "van-ban.pdf"},
		{"addressed to another agency", "23", "000.00.00.H50", func(raw []byte) []byte { return raw }, edxml.ErrNotForUs, "000.00.00.H50"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, doc, edxmlID := built(t, w, tc.number, tc.to)
			damaged := tc.damage(raw)
			if bytes.Equal(damaged, raw) && tc.to == h49 {
				t.Fatal("the damage changed nothing")
			}
			// What the receiver must say, as edxml says it.
			_, perr := edxml.Parse(damaged, edxml.VerifyOptions{Roots: roots, Recipient: h49})
			if !errorIs(perr, tc.reason) {
				t.Fatalf("the damaged package is refused with %v, want %v", perr, tc.reason)
			}
			if _, err := w.js.Publish(t.Context(), events.ExchangeSubject(h49, g22, events.ExchangeDocument), damaged); err != nil {
				t.Fatal(err)
			}
			var got events.ExchangeStatusReceivedData
			eventually(t, "a 02 at G22", func() bool {
				for _, s := range decoded[events.ExchangeStatusReceivedData](t, w.js, events.EventSubject(g22, events.ExchangeStatusReceived)) {
					if s.DocumentID == doc {
						got = s
						return true
					}
				}
				return false
			})
			if got.Code != events.ReceiptRejected || got.Recipient != h49 || got.Description != perr.Error() || !strings.Contains(got.Description, tc.says) {
				t.Errorf("status = %+v; want 02 from H49 saying %q", got, perr.Error())
			}
			// The 02 itself verifies at G22 and answers the package.
			var found bool
			for _, p := range packages(t, w.js, events.ExchangeSubject(g22, h49, events.ExchangeStatus)) {
				sp, err := edxml.ParseStatus(p, edxml.VerifyOptions{Roots: roots, Recipient: g22})
				if err != nil {
					t.Fatal(err)
				}
				if sp.Status.ResponseFor.DocumentID == edxmlID {
					found = sp.Status.Code == edxml.StatusRejected && sp.Status.From.OrganID == h49
				}
			}
			if !found {
				t.Error("no signed 02 from H49 answers the package")
			}
		})
	}
	if n := len(testkit.Published(t, w.js, events.EventSubject(h49, events.ExchangeArrived))); n != 0 {
		t.Errorf("%d exchange.arrived for refused packages; want none", n)
	}
	if got := statusesAtAll(t, w); slices.Contains(got, events.ReceiptArrived) {
		t.Errorf("a refused package was answered 01: %v", got)
	}
}

func statusesAtAll(t *testing.T, w *world) []string {
	var codes []string
	for _, s := range decoded[events.ExchangeStatusReceivedData](t, w.js, events.EventSubject(g22, events.ExchangeStatusReceived)) {
		codes = append(codes, s.Code)
	}
	return codes
}

func errorIs(err, target error) bool {
	var e *edxml.Error
	return errors.As(err, &e) && errors.Is(e.Reason, target)
}
