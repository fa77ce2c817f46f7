package intake_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/intake"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := intake.LoadConfig(testkit.Getenv(nil))
	if err != nil {
		t.Fatalf("defaults do not load: %v", err)
	}
	if cfg.DB != "sqlite:var/intake.db" || cfg.DocumentsBucket != "docflow-documents" ||
		cfg.MaxBytes != 50<<20 || cfg.HTTPAddr != "127.0.0.1:8081" {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestConfigKeys(t *testing.T) {
	t.Parallel()
	testkit.ConfigKeys(t, &intake.Config{},
		"DOCFLOW_NATS_URL", "DOCFLOW_NATS_USER", "DOCFLOW_NATS_PASSWORD",
		"DOCFLOW_S3_ENDPOINT", "DOCFLOW_S3_ACCESS_KEY", "DOCFLOW_S3_SECRET_KEY", "DOCFLOW_S3_REGION",
		"DOCFLOW_INTAKE_DB", "DOCFLOW_DOCUMENTS_BUCKET", "DOCFLOW_INTAKE_MAX_BYTES", "DOCFLOW_INTAKE_HTTP_ADDR",
		"DOCFLOW_LOG_FORMAT", "DOCFLOW_LOG_LEVEL",
	)
}

func TestConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := intake.LoadConfig(testkit.Getenv(map[string]string{
		"DOCFLOW_INTAKE_MAX_BYTES":      "-1",
		"DOCFLOW_INTAKE_MAX_CONCURRENT": "0",
		"DOCFLOW_LOG_FORMAT":            "xml",
		"DOCFLOW_S3_ENDPOINT":           "http://s3.example:9000",
	}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{"DOCFLOW_INTAKE_MAX_BYTES", "DOCFLOW_INTAKE_MAX_CONCURRENT", "DOCFLOW_LOG_FORMAT", "DOCFLOW_S3_ENDPOINT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

// TestRun runs the service as production does, against the real servers,
// and talks to it over NATS like the gateway.
func TestRun(t *testing.T) {
	t.Parallel()
	s3 := testkit.S3(t)
	nts := testkit.NATS(t)
	tmp := testkit.Temporal(t)
	port, err := servers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", port)
	const bucket = "intake-run"
	// Temporal too: AssignNumber runs on it.
	vars := testkit.ServiceVars(nts, s3, tmp, map[string]string{
		"DOCFLOW_INTAKE_DB":        testkit.SQLite(t),
		"DOCFLOW_DOCUMENTS_BUCKET": bucket,
		"DOCFLOW_INTAKE_HTTP_ADDR": httpAddr,
	})
	stop := testkit.RunService(t, intake.Run, vars, "http://"+httpAddr+"/readyz")

	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}
	meta := svc.DocumentMetadata{Kind: "CONG_VAN", Subject: "Về việc tổ chức hội nghị", Urgency: "THUONG", Confidentiality: "NONE"}
	stage := func(name string) events.Object {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("internal", "pdfcheck", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		key := "staging/" + uuid.NewString()
		info, err := s3.Store.Put(t.Context(), bucket, key, bytes.NewReader(data), int64(len(data)), objstore.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return events.Object{Bucket: bucket, Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
	}

	for want := int64(1); want <= 2; want++ {
		rep, err := natsx.Call(t.Context(), nts.Conn, svc.IntakeAccept,
			svc.AcceptRequest{Staged: stage("one-page.pdf"), Metadata: meta, By: clerk})
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		if rep.ArrivalNumber != want || rep.Status != "registered" {
			t.Errorf("reply %+v, want arrival number %d", rep, want)
		}
	}

	// A refusal reaches the caller with its code and message.
	_, err = natsx.Call(t.Context(), nts.Conn, svc.IntakeAccept,
		svc.AcceptRequest{Staged: stage("plain-text.txt"), Metadata: meta, By: clerk})
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errcode.NotPDF || e.Message != "file is not a PDF: missing %PDF header" {
		t.Errorf("refusal over NATS = %v, want not_pdf with its message", err)
	}
	if got := errs.HTTPStatus(err); got < 400 || got > 499 {
		t.Errorf("refusal maps to HTTP %d, want a 4xx: it is the submitter's to fix", got)
	}

	stop()
}
