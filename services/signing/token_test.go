package signing_test

import (
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/internal/keys/token"
	"github.com/docflow/docflow/services/signing/internal/keys/token/tokentest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

func TestMain(m *testing.M) { tokentest.Main(m) }

// With DOCFLOW_SIGNING_KEYS=pkcs11 the service signs with keys on a token
// (SoftHSM2 here), which never leave it.
func TestRunSignsWithATokenKey(t *testing.T) {
	t.Parallel()
	nats, s3, tmp := testkit.NATS(t), testkit.S3(t), testkit.Temporal(t)
	tr := pdftest.NewTrust(t, zaptest.NewLogger(t))
	tok := tokentest.New(t, tr.PKI, tokentest.Key{Username: "lanhdao", FullName: "Phạm Minh Đức (token)", Type: token.ECDSAP256})
	vars := serviceVars(t, nats, s3, tmp, tr)
	// B-T: the token's certificate is not among the development PKI's
	// files, so its OCSP responder does not vouch for it as B-LT needs.
	vars["DOCFLOW_SIGNING_LEVEL"] = "B-T"
	vars["DOCFLOW_SIGNING_KEYS"] = "pkcs11"
	vars["DOCFLOW_SIGNING_PKCS11_MODULE"] = tok.Config.Module
	vars["DOCFLOW_SIGNING_PKCS11_TOKEN"] = tok.Label
	vars["DOCFLOW_SIGNING_PKCS11_PIN"] = tok.PIN
	vars["DOCFLOW_SIGNING_PKCS11_CHAIN_FILE"] = tok.Config.ChainFile

	stop := startService(t, vars)
	run, upload := signingWorkflow(t, s3, tmp)

	res, err := run(t, upload(t, "lanhdao"))
	if err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if res.Level != "B-T" {
		t.Errorf("signed at %q, want B-T", res.Level)
	}
	report := pdftest.PDFSig(t, pdftest.Download(t, s3.Store, bucket, res.Signed.Key, res.Signed.VersionID), "")
	if !strings.Contains(report.Output, "Signature is Valid.") || !strings.Contains(report.Output, "(token)") {
		t.Errorf("pdfsig does not show a valid signature by the token's certificate:\n%s", report.Output)
	}

	// The token is closed (sessions logged out) on the way out.
	stop()
}
