package signing_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/temporalx"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
	"github.com/docflow/docflow/workflows"
)

// signWorkflow stands in for the approval workflow: it asks the signing
// service, over Temporal, to sign one document.
func signWorkflow(ctx workflow.Context, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           workflows.SigningTaskQueue,
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 5},
	})
	var res workflows.SignDocumentResult
	err := workflow.ExecuteActivity(ctx, workflows.ActivitySignDocument, in).Get(ctx, &res)
	return res, err
}

func TestRunSignsOnTheSigningTaskQueue(t *testing.T) {
	t.Parallel()
	nats, s3, tmp := testkit.NATS(t), testkit.S3(t), testkit.Temporal(t)
	// The development PKI's certificates name trust services on a free port:
	// the service signs at its default level, B-LT, with their timestamps
	// and revocation data.
	tr := pdftest.NewTrust(t, zaptest.NewLogger(t))
	vars := serviceVars(t, nats, s3, tmp, tr)

	stop := startService(t, vars)
	run, upload := signingWorkflow(t, s3, tmp)

	t.Run("signs", func(t *testing.T) {
		res, err := run(t, upload(t, "lanhdao"))
		if err != nil {
			t.Fatalf("workflow: %v", err)
		}
		signed := pdftest.Download(t, s3.Store, bucket, res.Signed.Key, res.Signed.VersionID)
		report := pdftest.PDFSig(t, signed, "")
		if !strings.Contains(report.Output, "Signature is Valid.") || !strings.Contains(report.Output, "Phạm Minh Đức") {
			t.Errorf("pdfsig:\n%s", report.Output)
		}
		if res.Level != "B-LT" {
			t.Errorf("signed at %q, want the default B-LT", res.Level)
		}
		vr, err := verify.Verify(t.Context(), bytes.NewReader(signed), int64(len(signed)), verify.Options{Roots: tr.Roots(), MinLevel: verify.LevelBLT, RequireRevocation: true})
		if err != nil {
			t.Fatal(err)
		}
		if !vr.Valid || len(vr.Signatures) != 1 || vr.Signatures[0].Level != verify.LevelBLT || vr.Signatures[0].Revocation.Status != "good" {
			t.Errorf("verification report of the signed PDF, want one valid B-LT signature with revocation data: %+v", vr)
		}
	})

	t.Run("verifies over NATS", func(t *testing.T) {
		res, err := run(t, upload(t, "chuyenvien1"))
		if err != nil {
			t.Fatalf("workflow: %v", err)
		}
		by := events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}
		report, err := natsx.Call(t.Context(), nats.Conn, svc.SigningVerify, svc.VerifyRequest{Object: res.Signed, By: by})
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if !report.Valid || report.Verified != 1 || report.Signatures[0].Level != "B-LT" || !report.Signatures[0].Chain.Trusted {
			t.Errorf("report of the signed PDF, want one valid trusted B-LT signature: %+v", report)
		}

		// One byte changed inside the signed range.
		tampered := pdftest.Tamper(t, pdftest.Download(t, s3.Store, bucket, res.Signed.Key, res.Signed.VersionID), "Quyet dinh")
		obj := pdftest.Upload(t, s3.Store, bucket, objectkey.Staging(uuid.NewString()), tampered)
		obj.Bucket = "" // the documents bucket, as intake names a staged upload
		report, err = natsx.Call(t.Context(), nats.Conn, svc.SigningVerify, svc.VerifyRequest{Object: obj, By: by})
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if report.Valid || len(report.Signatures) != 1 || !hasProblem(report.Signatures[0].Problems, "digest_mismatch") {
			t.Errorf("report of a tampered PDF, want an invalid signature with digest_mismatch: %+v", report)
		}

		_, err = natsx.Call(t.Context(), nats.Conn, svc.SigningVerify, svc.VerifyRequest{Object: events.Object{Key: "staging/missing.pdf"}, By: by})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errcode.NotFound {
			t.Errorf("verify a missing object = %v, want not_found", err)
		}
	})

	t.Run("a signer without a key fails the workflow at once", func(t *testing.T) {
		_, err := run(t, upload(t, "khong-co-ai"))
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrNoSigningKey {
			t.Fatalf("workflow error = %v, want %s", err, workflows.ErrNoSigningKey)
		}
		var actErr *temporal.ActivityError
		if !errors.As(err, &actErr) || actErr.RetryState() != enumspb.RETRY_STATE_NON_RETRYABLE_FAILURE {
			t.Errorf("activity error %v: a missing key must not be retried", actErr)
		}
	})

	stop()
}

const bucket = "docflow-documents"

// serviceVars configures the service for the test servers, on a free
// health port.
func serviceVars(t *testing.T, nats *testkit.NATSEnv, s3 *testkit.S3Env, tmp *testkit.TemporalEnv, tr *pdftest.Trust) map[string]string {
	t.Helper()
	port, err := servers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return testkit.ServiceVars(nats, s3, tmp, map[string]string{
		"DOCFLOW_DOCUMENTS_BUCKET":  bucket,
		"DOCFLOW_SIGNING_PKI_DIR":   tr.PKI.Dir,
		"DOCFLOW_SIGNING_TSA_URLS":  tr.URL + devpki.TSAPath,
		"DOCFLOW_SIGNING_HTTP_ADDR": httpAddr,
		"DOCFLOW_SIGNING_TEMP_DIR":  t.TempDir(),
		"DOCFLOW_LOG_FORMAT":        "console",
		"DOCFLOW_SIGNING_DB":        testkit.SQLite(t),
		"DOCFLOW_AGENCIES_DIR":      filepath.Join("..", "..", "deploy", "dev", "agencies"),
	})
}

// startService runs the service until the test ends or stop is called,
// and waits until it is ready.
func startService(t *testing.T, vars map[string]string) (stop func()) {
	t.Helper()
	return testkit.RunService(t, signing.Run, vars, "http://"+vars["DOCFLOW_SIGNING_HTTP_ADDR"]+"/readyz")
}

// signingWorkflow runs signWorkflow on a queue of its own: run signs a
// document through the service, upload stores one for signer to sign.
func signingWorkflow(t *testing.T, s3 *testkit.S3Env, tmp *testkit.TemporalEnv) (
	run func(t *testing.T, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error),
	upload func(t *testing.T, signer string) workflows.SignDocumentInput,
) {
	t.Helper()
	tc, err := client.Dial(client.Options{HostPort: tmp.HostPort, Namespace: tmp.Namespace, Logger: temporalx.Logger(zaptest.NewLogger(t))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	queue := "signing-run-test-" + uuid.NewString()
	w := worker.New(tc, queue, worker.Options{})
	w.RegisterWorkflow(signWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	upload = func(t *testing.T, signer string) workflows.SignDocumentInput {
		t.Helper()
		docID := uuid.NewString()
		return workflows.SignDocumentInput{
			DocumentID: docID, Agency: "000.00.00.G22", Signer: signer, Reason: "Phê duyệt",
			Source: pdftest.Upload(t, s3.Store, bucket, objectkey.Original(docID), pdftest.Document(t, "Quyet dinh")),
		}
	}
	run = func(t *testing.T, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		wr, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sign-" + in.DocumentID, TaskQueue: queue}, signWorkflow, in)
		if err != nil {
			t.Fatal(err)
		}
		var res workflows.SignDocumentResult
		err = wr.Get(ctx, &res)
		return res, err
	}
	return run, upload
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	err := signing.Run(t.Context(), testkit.Getenv(map[string]string{"DOCFLOW_SIGNING_LEVEL": "B-X"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unknown PAdES level") {
		t.Fatalf("Run = %v, want a configuration error", err)
	}
}

func hasProblem(ps []svc.SignatureProblem, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}
