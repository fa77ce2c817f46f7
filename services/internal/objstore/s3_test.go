package objstore_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/objstore/objstoretest"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestS3Conformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []testkit.S3Option
	}{
		{"versitygw xattr metadata", nil},
		// What the gateway falls back to on file systems without xattrs.
		{"versitygw sidecar metadata", []testkit.S3Option{testkit.WithSidecarMetadata()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objstoretest.Run(t, func(t *testing.T) objstore.Store {
				return testkit.S3(t, tt.opts...).Store
			})
		})
	}
}

func TestS3ConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DOCFLOW_S3_ENDPOINT": "s3.internal:9000", "DOCFLOW_S3_USE_TLS": "true"}
	var cfg objstore.S3Config
	if err := config.Load(func(k string) string { return env[k] }, &cfg); err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := objstore.S3Config{Endpoint: "s3.internal:9000", AccessKey: "docflow-dev", SecretKey: "docflow-dev-secret", Region: "us-east-1", UseTLS: true}
	if cfg != want {
		t.Fatalf("loaded %+v, want %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

// A record damaged at rest must not be served as if it were intact.
func TestS3GetDetectsCorruption(t *testing.T) {
	t.Parallel()
	env := testkit.S3(t)
	ctx := t.Context()
	if err := env.Store.EnsureBucket(ctx, "records", objstore.BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	original := []byte("%PDF-1.7 signed and sealed")
	if _, err := env.Store.Put(ctx, "records", "r.pdf", bytes.NewReader(original), int64(len(original)), objstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(original, []byte("signed"), []byte("forged"), 1)
	if err := os.WriteFile(filepath.Join(env.DataDir, "records", "r.pdf"), tampered, 0o644); err != nil {
		t.Fatalf("damaging the stored file: %v", err)
	}

	rc, _, err := env.Store.Get(ctx, "records", "r.pdf", "")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer func() { _ = rc.Close() }()
	_, err = io.ReadAll(rc)
	if !errors.Is(err, objstore.ErrChecksum) {
		t.Fatalf("reading a damaged object: got %v, want ErrChecksum", err)
	}
}

func TestS3ConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     objstore.S3Config
		wantErr []string
	}{
		{"complete", objstore.S3Config{Endpoint: "127.0.0.1:7070", AccessKey: "a", SecretKey: "s", Region: "us-east-1"}, nil},
		{"url instead of host:port", objstore.S3Config{Endpoint: "http://s3.local:9000", AccessKey: "a", SecretKey: "s", Region: "r"}, []string{"DOCFLOW_S3_ENDPOINT"}},
		{"everything missing", objstore.S3Config{}, []string{"DOCFLOW_S3_ENDPOINT", "DOCFLOW_S3_ACCESS_KEY", "DOCFLOW_S3_SECRET_KEY", "DOCFLOW_S3_REGION"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted an unusable configuration")
			}
			for _, key := range tt.wantErr {
				if !strings.Contains(err.Error(), key) {
					t.Errorf("error %q does not name %s", err, key)
				}
			}
			if _, err := objstore.NewS3(tt.cfg); err == nil {
				t.Error("NewS3 accepted an unusable configuration")
			}
		})
	}
}

// Wrong credentials must say which settings to fix, not look like a lock or
// a missing object.
func TestS3WrongCredentials(t *testing.T) {
	t.Parallel()
	env := testkit.S3(t)
	cfg := env.Config
	cfg.SecretKey = "not-the-secret"
	store, err := objstore.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = store.EnsureBucket(t.Context(), "records", objstore.BucketOptions{})
	if err == nil || errors.Is(err, objstore.ErrNotFound) || errors.Is(err, objstore.ErrLocked) {
		t.Fatalf("EnsureBucket with a wrong secret: got %v", err)
	}
	if !strings.Contains(err.Error(), "DOCFLOW_S3_SECRET_KEY") {
		t.Fatalf("error %q does not tell what to check", err)
	}
}
