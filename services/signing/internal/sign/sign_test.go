package sign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/sign"
	"github.com/docflow/docflow/workflows"
)

const agency = "000.00.00.G22"

// servers are shared by the subtests of one test: starting versitygw is the
// slow part, and each subtest works in its own bucket and documents.
type servers struct {
	s3   *testkit.S3Env
	nats *testkit.NATSEnv
	pki  *devpki.PKI
}

func start(t *testing.T) *servers {
	t.Helper()
	s := &servers{s3: testkit.S3(t), nats: testkit.NATS(t), pki: pdftest.PKI(t, time.Now())}
	if err := natsx.EnsureStreams(t.Context(), s.nats.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	return s
}

// fixture is one subtest's bucket, activities and test environment.
type fixture struct {
	*servers
	bucket string
	acts   *sign.Activities
	env    *testsuite.TestActivityEnvironment
}

func (s *servers) fixture(t *testing.T, pub sign.Publisher) *fixture {
	t.Helper()
	bucket := "docs-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	if err := s.s3.Store.EnsureBucket(t.Context(), bucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	if pub == nil {
		pub = natsx.NewPublisher(s.nats.JS, "signing")
	}
	acts := sign.NewActivities(sign.Config{Bucket: bucket, Level: pades.LevelBB, TempDir: t.TempDir()},
		s.s3.Store, keys.NewDir(s.pki.Dir, nil), pades.NewPDFSign(), pub, zaptest.NewLogger(t))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)
	return &fixture{servers: s, bucket: bucket, acts: acts, env: env}
}

// upload stores pdf as a registered original and returns the request to sign it.
func (f *fixture) upload(t *testing.T, pdf []byte, signer string) workflows.SignDocumentInput {
	t.Helper()
	docID := uuid.NewString()
	return workflows.SignDocumentInput{
		DocumentID: docID,
		Agency:     agency,
		Source:     pdftest.Upload(t, f.s3.Store, f.bucket, objectkey.Original(docID), pdf),
		Signer:     signer,
		Reason:     "Phê duyệt",
	}
}

// signed uploads pdf and signs it for signer, failing the test when it
// cannot: the personal signature a seal vouches for.
func (f *fixture) signed(t *testing.T, pdf []byte, signer string) (workflows.SignDocumentInput, workflows.SignDocumentResult) {
	t.Helper()
	in := f.upload(t, pdf, signer)
	res, err := f.sign(t, in)
	if err != nil {
		t.Fatalf("SignDocument: %v", err)
	}
	return in, res
}

func (f *fixture) sign(t *testing.T, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
	t.Helper()
	return execute[workflows.SignDocumentResult](t, f.env, workflows.ActivitySignDocument, in)
}

// execute runs the activity name with in and decodes its result; the error
// is the activity's.
func execute[R any](t *testing.T, env *testsuite.TestActivityEnvironment, name string, in any) (R, error) {
	t.Helper()
	var res R
	val, err := env.ExecuteActivity(name, in)
	if err != nil {
		return res, err
	}
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}
	return res, nil
}

func (f *fixture) download(t *testing.T, key, versionID string) []byte {
	t.Helper()
	return pdftest.Download(t, f.s3.Store, f.bucket, key, versionID)
}

// readLayout reads the pages and signature fields of pdf.
func readLayout(t *testing.T, pdf []byte) *pades.Layout {
	t.Helper()
	layout, err := pades.ReadLayout(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	return layout
}

// signedEvents returns the document.signed events of a document on the stream.
func (f *fixture) signedEvents(t *testing.T, docID string) []events.Envelope {
	t.Helper()
	ctx := t.Context()
	cons, err := f.nats.JS.OrderedConsumer(ctx, events.EventsStream.Name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.EventSubject(agency, events.DocumentSigned)},
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for pending := info.NumPending; pending > 0; pending-- {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var env events.Envelope
		if err := json.Unmarshal(msg.Data(), &env); err != nil {
			t.Fatal(err)
		}
		if env.Subject == docID {
			out = append(out, env)
		}
	}
	return out
}

func TestSignDocument(t *testing.T) {
	t.Parallel()
	srv := start(t)

	t.Run("signs, stores and announces the signed PDF", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		in := f.upload(t, pdftest.Document(t, "Quyet dinh phe duyet ke hoach"), "chuyenvien1")
		before := time.Now()

		res, err := f.sign(t, in)
		if err != nil {
			t.Fatalf("SignDocument: %v", err)
		}

		if res.Signed.Bucket != f.bucket || res.Signed.Key != "signed/"+in.DocumentID+".pdf" {
			t.Errorf("signed PDF at %s/%s", res.Signed.Bucket, res.Signed.Key)
		}
		if res.Level != "B-B" || !strings.Contains(res.SignerCert, "CN=Nguyễn Văn An") || !strings.Contains(res.SignerCert, "UID=chuyenvien1") {
			t.Errorf("result level %q signer %q", res.Level, res.SignerCert)
		}
		if res.SignedAt.Before(before.Add(-time.Second)) || res.SignedAt.After(time.Now()) {
			t.Errorf("SignedAt %v is not the time of signing", res.SignedAt)
		}

		signed := f.download(t, res.Signed.Key, res.Signed.VersionID)
		sum := sha256.Sum256(signed)
		if hex.EncodeToString(sum[:]) != res.Signed.SHA256 || int64(len(signed)) != res.Signed.Size {
			t.Error("the stored bytes do not match the digest and size in the result")
		}
		stat, err := f.s3.Store.Stat(t.Context(), f.bucket, res.Signed.Key, "")
		if err != nil {
			t.Fatal(err)
		}
		if stat.ContentType != "application/pdf" {
			t.Errorf("content type %q", stat.ContentType)
		}
		pdftest.QPDFCheck(t, signed)
		report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, filepath.Join(f.pki.Dir, "root.crt")))
		for _, want := range []string{"Signature is Valid.", "Total document signed", "Certificate is Trusted.", "Nguyễn Văn An", "ETSI.CAdES.detached"} {
			if !strings.Contains(report.Output, want) {
				t.Errorf("pdfsig does not report %q:\n%s", want, report.Output)
			}
		}

		evs := f.signedEvents(t, in.DocumentID)
		if len(evs) != 1 {
			t.Fatalf("%d document.signed events, want 1", len(evs))
		}
		ev := evs[0]
		if ev.ID != sign.EventID(in.DocumentID) || ev.Type != events.DocumentSigned || ev.Agency != agency || !ev.Time.Equal(res.SignedAt) {
			t.Errorf("event envelope %+v", ev)
		}
		var data events.DocumentSignedData
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatal(err)
		}
		want := events.DocumentSignedData{DocumentID: in.DocumentID, Signer: "chuyenvien1", SignerCert: res.SignerCert,
			Level: "B-B", Source: in.Source, Signed: res.Signed, SignedAt: res.SignedAt}
		if !sameSigned(data, want) {
			t.Errorf("event data\n got %+v\nwant %+v", data, want)
		}
	})

	t.Run("a repeated request returns the first signature", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		in := f.upload(t, pdftest.ObjectStreams(t, pdftest.Document(t, "To trinh", "Phu luc")), "lanhdao")
		first, err := f.sign(t, in)
		if err != nil {
			t.Fatalf("first SignDocument: %v", err)
		}
		firstBytes := f.download(t, first.Signed.Key, "")

		second, err := f.sign(t, in)
		if err != nil {
			t.Fatalf("second SignDocument: %v", err)
		}
		if second.Signed != first.Signed || second.SignerCert != first.SignerCert || !second.SignedAt.Equal(first.SignedAt) || second.Level != first.Level {
			t.Errorf("second result differs:\n first %+v\nsecond %+v", first, second)
		}
		if !bytes.Equal(f.download(t, first.Signed.Key, ""), firstBytes) {
			t.Error("the document was signed again")
		}
		if n := len(f.signedEvents(t, in.DocumentID)); n != 1 {
			t.Errorf("%d document.signed events after two calls, want 1", n)
		}
	})

	t.Run("an attempt that stored the PDF but could not announce it is completed by the retry", func(t *testing.T) {
		t.Parallel()
		pub := &failingOnce{next: natsx.NewPublisher(srv.nats.JS, "signing")}
		f := srv.fixture(t, pub)
		in := f.upload(t, pdftest.Document(t, "Bao cao"), "chuyenvien2")

		_, err := f.sign(t, in)
		var appErr *temporal.ApplicationError
		if err == nil || errors.As(err, &appErr) && appErr.NonRetryable() {
			t.Fatalf("first attempt = %v, want a retryable failure", err)
		}
		stored, err := f.s3.Store.Stat(t.Context(), f.bucket, objectkey.Signed(in.DocumentID), "")
		if err != nil {
			t.Fatalf("signed PDF not stored by the failed attempt: %v", err)
		}

		res, err := f.sign(t, in)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if res.Signed.VersionID != stored.VersionID || res.Signed.SHA256 != stored.SHA256 {
			t.Error("the retry signed again instead of returning the stored PDF")
		}
		if n := len(f.signedEvents(t, in.DocumentID)); n != 1 {
			t.Errorf("%d document.signed events, want 1", n)
		}
	})
}

// With the signer's title the personal signature is visible at the
// document's signature block, with the handwritten image; without it, or
// without images, invisible. Either way it is valid.
func TestPersonalSignatureAppearance(t *testing.T) {
	t.Parallel()
	srv := start(t)
	for name, tc := range map[string]struct {
		title, authority, signsFor string
		images                     bool
		visible                    bool
	}{
		"title and images":     {"Chánh Văn phòng", "", "", true, true},
		"for the head":         {"Phó Chánh Văn phòng", "KT.", "Chánh Văn phòng", true, true},
		"no title":             {"", "", "", true, false},
		"no images":            {"Chánh Văn phòng", "", "", false, false},
		"an unknown authority": {"Phó Chánh Văn phòng", "XYZ.", "Chánh Văn phòng", true, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := srv.fixture(t, nil)
			if tc.images {
				f.acts.SignatureImages(keys.NewDir(f.pki.Dir, nil))
			}
			in := f.upload(t, pdftest.Document(t, "Quyet dinh"), "lanhdao")
			in.SignerTitle, in.SignerAuthority, in.SignerFor = tc.title, tc.authority, tc.signsFor
			res, err := f.sign(t, in)
			if err != nil {
				t.Fatalf("SignDocument: %v", err)
			}
			signed := f.download(t, res.Signed.Key, res.Signed.VersionID)
			layout := readLayout(t, signed)
			// The page lists a visible signature's widget; the PDF library
			// leaves an invisible one off the page.
			visible := 0
			for _, w := range layout.Widgets {
				if w.Signed && w.Box.Width > 0 && w.Box.Height > 0 {
					visible++
				}
			}
			if (visible == 1) != tc.visible || visible > 1 {
				t.Fatalf("signature fields %+v, want visible %v", layout.Widgets, tc.visible)
			}
			report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, filepath.Join(f.pki.Dir, "root.crt")))
			if !strings.Contains(report.Output, "Signature is Valid.") {
				t.Fatalf("pdfsig:\n%s", report.Output)
			}
		})
	}
}

func TestSignDocumentRefuses(t *testing.T) {
	t.Parallel()
	srv := start(t)
	tests := []struct {
		name     string
		pdf      []byte
		prepare  func(t *testing.T, f *fixture, in *workflows.SignDocumentInput)
		wantType string
		wantMsg  string
	}{
		{
			name: "a source that differs from its registered digest",
			prepare: func(_ *testing.T, _ *fixture, in *workflows.SignDocumentInput) {
				in.Source.SHA256 = strings.Repeat("ab", 32)
			},
			wantType: workflows.ErrSourceIntegrity, wantMsg: "does not match what was registered",
		},
		{
			name: "a source that is gone",
			prepare: func(t *testing.T, f *fixture, in *workflows.SignDocumentInput) {
				if err := f.s3.Store.Delete(t.Context(), f.bucket, in.Source.Key, in.Source.VersionID); err != nil {
					t.Fatal(err)
				}
			},
			wantType: workflows.ErrSourceIntegrity, wantMsg: "no longer in storage",
		},
		{
			name:     "a signer without a certificate",
			prepare:  func(_ *testing.T, _ *fixture, in *workflows.SignDocumentInput) { in.Signer = "giamdoc" },
			wantType: workflows.ErrNoSigningKey, wantMsg: "giamdoc has no signing certificate",
		},
		{
			name:     "a damaged PDF",
			pdf:      []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog\nendobj\ntrailer\n"),
			wantType: workflows.ErrUnsignablePDF, wantMsg: "structure is damaged",
		},
		{
			name:     "a file that is not a PDF",
			pdf:      []byte("<html><body>not a pdf</body></html>"),
			wantType: workflows.ErrUnsignablePDF, wantMsg: "missing %PDF header",
		},
		{
			name:     "an incomplete request",
			prepare:  func(_ *testing.T, _ *fixture, in *workflows.SignDocumentInput) { in.Source.SHA256 = "" },
			wantType: workflows.ErrUnsignablePDF, wantMsg: "source SHA-256",
		},
		{
			name: "an existing signature of another source",
			prepare: func(t *testing.T, f *fixture, in *workflows.SignDocumentInput) {
				if _, err := f.sign(t, *in); err != nil {
					t.Fatal(err)
				}
				other := f.upload(t, pdftest.Document(t, "Ban khac"), in.Signer)
				in.Source = other.Source
			},
			wantType: workflows.ErrSourceIntegrity, wantMsg: "the signed version stands",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := srv.fixture(t, nil)
			pdf := tt.pdf
			if pdf == nil {
				pdf = pdftest.Document(t, "Cong van")
			}
			in := f.upload(t, pdf, "lanhdao")
			signedBefore := false
			if tt.prepare != nil {
				tt.prepare(t, f, &in)
				_, err := f.s3.Store.Stat(t.Context(), f.bucket, objectkey.Signed(in.DocumentID), "")
				signedBefore = err == nil
			}

			_, err := f.sign(t, in)
			f.assertRefused(t, in, err, tt.wantType, tt.wantMsg, signedBefore)
		})
	}
}

// Every source the shared reader refuses is refused before the signing
// library reads it, as a PDF no retry can sign, and nothing is stored.
func TestSignDocumentRefusesHostileSources(t *testing.T) {
	t.Parallel()
	srv := start(t)
	for _, c := range pdfreadtest.Hostile() {
		if c.Want == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			f := srv.fixture(t, nil)
			in := f.upload(t, c.Data, "lanhdao")
			_, err := f.sign(t, in)
			f.assertRefused(t, in, err, workflows.ErrUnsignablePDF, "save it again as PDF and resubmit it", false)
		})
	}
}

// assertRefused checks that a signature was refused with a non-retryable
// error of wantType saying wantMsg and, unless the document was signed
// before, that nothing was stored or announced.
func (f *fixture) assertRefused(t *testing.T, in workflows.SignDocumentInput, err error, wantType, wantMsg string, signedBefore bool) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("SignDocument = %v, want an application error", err)
	}
	if appErr.Type() != wantType || !appErr.NonRetryable() {
		t.Errorf("error type %q non-retryable %v, want non-retryable %q", appErr.Type(), appErr.NonRetryable(), wantType)
	}
	if !strings.Contains(appErr.Error(), wantMsg) {
		t.Errorf("error %q does not say %q", appErr.Error(), wantMsg)
	}
	if !signedBefore {
		if _, err := f.s3.Store.Stat(t.Context(), f.bucket, objectkey.Signed(in.DocumentID), ""); !errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("a signed PDF was stored for a refused request (stat: %v)", err)
		}
		if n := len(f.signedEvents(t, in.DocumentID)); n != 0 {
			t.Errorf("%d document.signed events for a refused request", n)
		}
	}
}

// failingOnce fails the first publication, as if the process had stopped
// between storing the signed PDF and publishing its event.
type failingOnce struct {
	failed atomic.Bool
	next   sign.Publisher
}

func (p *failingOnce) PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error) {
	if p.failed.CompareAndSwap(false, true) {
		return events.Envelope{}, errors.New("nats: connection closed")
	}
	return p.next.PublishWithID(ctx, id, at, t, agency, documentID, data)
}

func sameSigned(a, b events.DocumentSignedData) bool {
	return a.DocumentID == b.DocumentID && a.Signer == b.Signer && a.SignerCert == b.SignerCert && a.Level == b.Level &&
		a.Source == b.Source && a.Signed == b.Signed && a.SignedAt.Equal(b.SignedAt)
}
