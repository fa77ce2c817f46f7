package signing_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/signing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := signing.LoadConfig(env(nil))
	if err != nil {
		t.Fatalf("defaults do not load: %v", err)
	}
	want := map[string]string{
		"bucket":    "docflow-documents",
		"pki":       "var/pki",
		"level":     "B-B",
		"http":      "127.0.0.1:8083",
		"temporal":  "127.0.0.1:7233",
		"namespace": "default",
	}
	got := map[string]string{
		"bucket":    cfg.DocumentsBucket,
		"pki":       cfg.PKIDir,
		"level":     cfg.Level,
		"http":      cfg.HTTPAddr,
		"temporal":  cfg.Temporal.Address,
		"namespace": cfg.Temporal.Namespace,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("default %s = %q, want %q", k, got[k], w)
		}
	}
}

func TestConfigKeys(t *testing.T) {
	t.Parallel()
	var cfg signing.Config
	if dup := config.Duplicates(&cfg); len(dup) > 0 {
		t.Errorf("keys used by more than one setting: %v", dup)
	}
	keys := config.Keys(&cfg)
	for _, k := range []string{
		"DOCFLOW_NATS_URL", "DOCFLOW_S3_ENDPOINT", "DOCFLOW_TEMPORAL_ADDRESS", "DOCFLOW_TEMPORAL_NAMESPACE",
		"DOCFLOW_DOCUMENTS_BUCKET", "DOCFLOW_SIGNING_PKI_DIR", "DOCFLOW_SIGNING_LEVEL", "DOCFLOW_SIGNING_HTTP_ADDR",
		"DOCFLOW_LOG_FORMAT", "DOCFLOW_LOG_LEVEL",
	} {
		if !slices.Contains(keys, k) {
			t.Errorf("no setting reads %s", k)
		}
	}
}

func TestConfigRefusesBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"unknown level", map[string]string{"DOCFLOW_SIGNING_LEVEL": "B-X"}, []string{"DOCFLOW_SIGNING_LEVEL", "unknown PAdES level"}},
		{"unknown level", map[string]string{"DOCFLOW_SIGNING_LEVEL": "PAdES"}, []string{"unknown PAdES level", "B-B"}},
		{"every problem at once", map[string]string{
			"DOCFLOW_SIGNING_LEVEL": "X",
			"DOCFLOW_LOG_FORMAT":    "xml",
			"DOCFLOW_S3_ENDPOINT":   "http://127.0.0.1:7070",
			"DOCFLOW_NATS_USER":     "signing",
		}, []string{"DOCFLOW_SIGNING_LEVEL", "DOCFLOW_LOG_FORMAT", "DOCFLOW_S3_ENDPOINT", "DOCFLOW_NATS_PASSWORD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := signing.LoadConfig(env(tt.vars))
			if err == nil {
				t.Fatal("bad configuration accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestValidateReportsEmptySettings(t *testing.T) {
	t.Parallel()
	cfg, err := signing.LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DocumentsBucket, cfg.PKIDir, cfg.HTTPAddr = "", "", ""
	err = cfg.Validate()
	for _, w := range []string{"DOCFLOW_DOCUMENTS_BUCKET", "DOCFLOW_SIGNING_PKI_DIR", "DOCFLOW_SIGNING_HTTP_ADDR"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate does not report %s: %v", w, err)
		}
	}
}
