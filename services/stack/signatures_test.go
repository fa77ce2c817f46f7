package stack_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// An upload that carries signatures is verified by the signing service
// before intake registers it: a signed PDF is accepted, the same PDF with
// one byte changed inside the signed range is refused with the verifier's
// reason, over the real NATS permissions of the stack.
func TestIntakeVerifiesSignedUploads(t *testing.T) {
	t.Parallel()
	st, progress := stacktest.Start(t, nil)
	if !strings.Contains(progress, "DEVELOPMENT trust services") {
		t.Errorf("start-up does not announce the development trust services:\n%s", progress)
	}

	pki, err := devpki.Load(filepath.Join(st.Dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	signed := signPDF(t, pki, "lanhdao", testkit.TextPDF("Quyet dinh phe duyet"))

	// The gateway is the one that calls intake; connect as it does.
	nc, err := nats.Connect(st.NATSURL, nats.UserCredentials(st.CredsFile(svc.GatewayService)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	store, err := objstore.NewS3(st.S3)
	if err != nil {
		t.Fatal(err)
	}
	by := events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}
	accept := func(t *testing.T, pdf []byte) (svc.AcceptReply, error) {
		t.Helper()
		key := "staging/" + uuid.NewString()
		info, err := store.Put(t.Context(), "docflow-documents", key, bytes.NewReader(pdf), int64(len(pdf)), objstore.PutOptions{ContentType: "application/pdf"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		return natsx.Call(ctx, nc, svc.IntakeAccept, svc.AcceptRequest{
			Staged:   events.Object{Bucket: info.Bucket, Key: info.Key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256},
			Metadata: svc.DocumentMetadata{Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch", Urgency: "THUONG", Confidentiality: "NONE"},
			By:       by,
		})
	}

	t.Run("a validly signed PDF is registered", func(t *testing.T) {
		rep, err := accept(t, signed)
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		if rep.Status != "registered" || rep.ArrivalNumber < 1 {
			t.Errorf("reply %+v, want a registered document", rep)
		}
	})

	t.Run("a PDF changed after signing is refused with the reason", func(t *testing.T) {
		i := bytes.Index(signed, []byte("Quyet dinh phe duyet"))
		if i < 0 {
			t.Fatal("the page text is not in the signed PDF")
		}
		tampered := bytes.Clone(signed)
		tampered[i] = 'X'
		_, err := accept(t, tampered)
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Fatalf("accept = %v, want a refusal", err)
		}
		if e.Code != errcode.SignatureInvalid || e.Details["reason"] != "digest_mismatch" {
			t.Errorf("refusal %s %v, want %s with reason digest_mismatch", e.Code, e.Details, errcode.SignatureInvalid)
		}
		if !strings.Contains(e.Message, "does not verify") {
			t.Errorf("message %q does not say the signature does not verify", e.Message)
		}
	})

	t.Run("an unsigned PDF is registered as before", func(t *testing.T) {
		if _, err := accept(t, testkit.TextPDF("Cong van")); err != nil {
			t.Fatalf("accept: %v", err)
		}
	})
}

// signPDF signs pdf at PAdES B-B with a development user's key, as a signer
// outside docflow would.
func signPDF(t *testing.T, pki *devpki.PKI, username string, pdf []byte) []byte {
	t.Helper()
	id, ok := pki.Users[username]
	if !ok {
		t.Fatalf("no development certificate for %s", username)
	}
	doc, err := pdfsign.Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Sign(id.Key, id.Cert, pki.Chain()...).Type(pdfsign.ApprovalSignature).Format(pdfsign.PAdES_B_B).Reason("Phê duyệt")
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
