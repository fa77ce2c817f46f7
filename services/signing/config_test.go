package signing_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing"
	"github.com/docflow/docflow/services/signing/internal/pades"
)

// tsa is the one setting without a default: B-LT needs a timestamp
// authority, and no production one can be assumed.
var tsa = map[string]string{"DOCFLOW_SIGNING_TSA_URLS": "http://127.0.0.1:8089/tsa"}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := signing.LoadConfig(testkit.Getenv(tsa))
	if err != nil {
		t.Fatalf("defaults do not load: %v", err)
	}
	want := map[string]string{
		"bucket":    "docflow-documents",
		"pki":       "var/pki",
		"level":     "B-LT",
		"keys":      "pkcs12",
		"http":      "127.0.0.1:8083",
		"temporal":  "127.0.0.1:7233",
		"namespace": "default",
	}
	got := map[string]string{
		"bucket":    cfg.DocumentsBucket,
		"pki":       cfg.PKIDir,
		"level":     cfg.Level,
		"keys":      cfg.Keys,
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
	testkit.ConfigKeys(t, &signing.Config{},
		"DOCFLOW_NATS_URL", "DOCFLOW_S3_ENDPOINT", "DOCFLOW_TEMPORAL_ADDRESS", "DOCFLOW_TEMPORAL_NAMESPACE",
		"DOCFLOW_DOCUMENTS_BUCKET", "DOCFLOW_SIGNING_PKI_DIR", "DOCFLOW_SIGNING_LEVEL", "DOCFLOW_SIGNING_HTTP_ADDR",
		"DOCFLOW_LOG_FORMAT", "DOCFLOW_LOG_LEVEL",
		"DOCFLOW_SIGNING_AGENCY_LEVELS", "DOCFLOW_SIGNING_TSA_URLS", "DOCFLOW_SIGNING_OCSP_URL", "DOCFLOW_SIGNING_CRL_URLS",
		"DOCFLOW_SIGNING_KEYS", "DOCFLOW_SIGNING_PKCS11_MODULE", "DOCFLOW_SIGNING_PKCS11_TOKEN", "DOCFLOW_SIGNING_PKCS11_PIN_FILE",
		"DOCFLOW_SIGNING_CSC_URL", "DOCFLOW_SIGNING_CSC_TOKEN_FILE", "DOCFLOW_SIGNING_REMOTE_TIMEOUT",
		"DOCFLOW_SIGNING_DB", "DOCFLOW_AGENCIES_DIR",
	)
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
		{"timestamped level without a TSA", nil, []string{"DOCFLOW_SIGNING_TSA_URLS is empty", "DOCFLOW_SIGNING_LEVEL=B-LT"}},
		{"timestamped agency level without a TSA", map[string]string{
			"DOCFLOW_SIGNING_LEVEL":         "B-B",
			"DOCFLOW_SIGNING_AGENCY_LEVELS": "000.00.00.G22=B-B, 000.00.00.H10=B-T",
		}, []string{"DOCFLOW_SIGNING_TSA_URLS is empty", "AGENCY_LEVELS for 000.00.00.H10"}},
		{"agency level malformed", map[string]string{
			"DOCFLOW_SIGNING_TSA_URLS":      "http://tsa.example/",
			"DOCFLOW_SIGNING_AGENCY_LEVELS": "000.00.00.G22,000.00.00.H10=B-Z",
		}, []string{`"000.00.00.G22" is not agencyID=LEVEL`, `agency 000.00.00.H10: pades.ParseLevel: unknown PAdES level "B-Z"`}},
		{"agency given twice", map[string]string{
			"DOCFLOW_SIGNING_TSA_URLS":      "http://tsa.example/",
			"DOCFLOW_SIGNING_AGENCY_LEVELS": "000.00.00.G22=B-T,000.00.00.G22=B-LT",
		}, []string{"agency 000.00.00.G22 is given twice"}},
		{"URLs not http", map[string]string{
			"DOCFLOW_SIGNING_TSA_URLS": "tsa.example:318", "DOCFLOW_SIGNING_OCSP_URL": "ldap://ocsp", "DOCFLOW_SIGNING_CRL_URLS": "http://crl.example/a.crl,file:///b.crl",
		}, []string{`DOCFLOW_SIGNING_TSA_URLS: "tsa.example:318" is not an http(s) URL`, `DOCFLOW_SIGNING_OCSP_URL: "ldap://ocsp"`, `DOCFLOW_SIGNING_CRL_URLS: "file:///b.crl"`}},
		{"unknown key source", map[string]string{"DOCFLOW_SIGNING_TSA_URLS": "http://tsa.example/", "DOCFLOW_SIGNING_KEYS": "hsm"}, []string{`DOCFLOW_SIGNING_KEYS="hsm"`, "pkcs12", "pkcs11", "remote"}},
		{"token incomplete", map[string]string{"DOCFLOW_SIGNING_TSA_URLS": "http://tsa.example/", "DOCFLOW_SIGNING_KEYS": "pkcs11"},
			[]string{"DOCFLOW_SIGNING_PKCS11_TOKEN is empty", "no token PIN", "DOCFLOW_SIGNING_PKCS11_CHAIN_FILE is empty"}},
		{"remote incomplete", map[string]string{"DOCFLOW_SIGNING_TSA_URLS": "http://tsa.example/", "DOCFLOW_SIGNING_KEYS": "remote", "DOCFLOW_SIGNING_REMOTE_TIMEOUT": "0s"},
			[]string{"DOCFLOW_SIGNING_CSC_URL", "no CSC access token", "DOCFLOW_SIGNING_REMOTE_TIMEOUT must be positive"}},
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
			_, err := signing.LoadConfig(testkit.Getenv(tt.vars))
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

func TestConfigLevels(t *testing.T) {
	t.Parallel()
	cfg, err := signing.LoadConfig(testkit.Getenv(map[string]string{
		"DOCFLOW_SIGNING_LEVEL":         "B-B",
		"DOCFLOW_SIGNING_AGENCY_LEVELS": " 000.00.00.G22 = B-LTA ,000.00.00.H10=B-T",
		"DOCFLOW_SIGNING_TSA_URLS":      "http://tsa1.example/,https://tsa2.example/tsa",
	}))
	if err != nil {
		t.Fatalf("configuration refused: %v", err)
	}
	def, byAgency, err := cfg.Levels()
	if err != nil {
		t.Fatal(err)
	}
	if def != pades.LevelBB || byAgency["000.00.00.G22"] != pades.LevelBLTA || byAgency["000.00.00.H10"] != pades.LevelBT || len(byAgency) != 2 {
		t.Errorf("levels = %s, %v", def, byAgency)
	}
	if !slices.Equal(cfg.TSAURLs, []string{"http://tsa1.example/", "https://tsa2.example/tsa"}) {
		t.Errorf("TSA URLs = %q", cfg.TSAURLs)
	}
}

func TestValidateReportsEmptySettings(t *testing.T) {
	t.Parallel()
	cfg, err := signing.LoadConfig(testkit.Getenv(tsa))
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
