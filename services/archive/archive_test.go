package archive_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/archive"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/workflows"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := archive.LoadConfig(testkit.Getenv(nil))
	if err != nil {
		t.Fatalf("defaults do not load: %v", err)
	}
	if cfg.DB != "sqlite:var/archive.db" || cfg.ArchiveBucket != "docflow-archive" || cfg.DocumentsBucket != "docflow-documents" ||
		cfg.RetentionYears != 10 || cfg.HTTPAddr != "127.0.0.1:8084" || cfg.Temporal.Address != "127.0.0.1:7233" ||
		cfg.Temporal.Namespace != "default" {
		t.Errorf("defaults = %+v", cfg)
	}
	testkit.ConfigKeys(t, &cfg)
}

func TestConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		want []string // each must appear in the one error
	}{
		{
			name: "several mistakes at once",
			vars: map[string]string{
				"DOCFLOW_ARCHIVE_RETENTION_YEARS": "0",
				"DOCFLOW_ARCHIVE_BUCKET":          "docflow-documents",
				"DOCFLOW_LOG_FORMAT":              "xml",
			},
			want: []string{"DOCFLOW_ARCHIVE_RETENTION_YEARS", "DOCFLOW_ARCHIVE_BUCKET must differ", "DOCFLOW_LOG_FORMAT"},
		},
		{
			name: "retention beyond a century",
			vars: map[string]string{"DOCFLOW_ARCHIVE_RETENTION_YEARS": "1000"},
			want: []string{"DOCFLOW_ARCHIVE_RETENTION_YEARS is 1000"},
		},
		{
			name: "not a number",
			vars: map[string]string{"DOCFLOW_ARCHIVE_RETENTION_YEARS": "ten"},
			want: []string{"DOCFLOW_ARCHIVE_RETENTION_YEARS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := archive.LoadConfig(testkit.Getenv(tt.vars))
			if err == nil {
				t.Fatal("configuration accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// archiveViaWorkflow is a stand-in for the approval workflow's last step: it
// calls the archive's activity on the archive task queue by name.
func archiveViaWorkflow(ctx workflow.Context, in workflows.ArchiveDocumentInput) (workflows.ArchiveDocumentResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           workflows.ArchiveTaskQueue,
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var res workflows.ArchiveDocumentResult
	err := workflow.ExecuteActivity(ctx, workflows.ActivityArchiveDocument, in).Get(ctx, &res)
	return res, err
}

func TestRun(t *testing.T) {
	t.Parallel()
	nt := testkit.NATS(t)
	s3 := testkit.S3(t)
	tp := testkit.Temporal(t)
	port, err := servers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := "127.0.0.1:" + strconv.Itoa(port)
	vars := testkit.ServiceVars(nt, s3, tp, map[string]string{
		"DOCFLOW_ARCHIVE_DB":        "sqlite:" + filepath.Join(t.TempDir(), "archive.db"),
		"DOCFLOW_ARCHIVE_HTTP_ADDR": httpAddr,
		"DOCFLOW_LOG_FORMAT":        "console",
		"DOCFLOW_LOG_LEVEL":         "debug",
	})

	// The signing service's output: a signed PDF in the documents bucket.
	ctx := t.Context()
	if err := s3.Store.EnsureBucket(ctx, "docflow-documents", objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n% signed\n%%EOF\n")
	put, err := s3.Store.Put(ctx, "docflow-documents", "signed/doc-1.pdf", bytes.NewReader(pdf), int64(len(pdf)), objstore.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	in := workflows.ArchiveDocumentInput{
		DocumentID: "0190f0c4-0000-7000-8000-000000000001", Agency: "000.00.00.G22", Kind: "QUYET_DINH",
		Subject: "Quyết định phê duyệt kế hoạch", ArrivalNumber: 1,
		Signed: events.Object{Bucket: "docflow-documents", Key: put.Key, VersionID: put.VersionID, Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:])},
		Signer: "lanhdao", SignedAt: time.Now().UTC(),
	}

	stop := testkit.RunService(t, archive.Run, vars, "http://"+httpAddr+"/readyz")

	tc, err := client.Dial(client.Options{HostPort: tp.HostPort, Namespace: tp.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	const testQueue = "archive-run-test"
	w := worker.New(tc, testQueue, worker.Options{})
	w.RegisterWorkflow(archiveViaWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "archive-run-test-" + in.DocumentID, TaskQueue: testQueue}, archiveViaWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.ArchiveDocumentResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatalf("archiving through Temporal: %v", err)
	}
	if res.RecordID == "" || res.Object.Bucket != "docflow-archive" || res.Object.SHA256 != in.Signed.SHA256 {
		t.Errorf("activity result = %+v", res)
	}

	// The object is in the archive bucket the service created, locked.
	if err := s3.Store.Delete(ctx, res.Object.Bucket, res.Object.Key, res.Object.VersionID); !errors.Is(err, objstore.ErrLocked) {
		t.Errorf("deleting the archived record = %v, want objstore.ErrLocked", err)
	}

	found, err := natsx.Call(ctx, nt.Conn, svc.ArchiveSearch, svc.SearchRequest{Agency: in.Agency, Query: "quyet dinh phe duyet"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Items) != 1 || found.Items[0].ID != res.RecordID || found.Items[0].Object != res.Object {
		t.Errorf("search = %+v, want the archived record %s", found, res.RecordID)
	}
	got, err := natsx.Call(ctx, nt.Conn, svc.ArchiveGet, svc.GetRequest{Agency: in.Agency, RecordID: res.RecordID})
	if err != nil {
		t.Fatal(err)
	}
	if got.DocumentID != in.DocumentID || got.Object != res.Object {
		t.Errorf("get = %+v", got)
	}

	stop()
}
