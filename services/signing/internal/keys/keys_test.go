package keys_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/keys/keystest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

var issued = time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)

func demoPKI(t *testing.T) *devpki.PKI {
	t.Helper()
	return pdftest.PKI(t, issued)
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestLookupFindsTheSignersCredential(t *testing.T) {
	t.Parallel()
	p := demoPKI(t)
	d := keys.NewDir(p.Dir, at(issued.Add(24*time.Hour)))
	if err := d.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	c, err := d.Lookup(t.Context(), "lanhdao")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if c.Username != "lanhdao" || c.Cert.Subject.CommonName != "Phạm Minh Đức" {
		t.Errorf("credential of %q with CN %q", c.Username, c.Cert.Subject.CommonName)
	}
	if !c.Cert.Equal(p.Users["lanhdao"].Cert) {
		t.Error("not the certificate in users/lanhdao.crt")
	}
	if len(c.Chain) != 1 || !c.Chain[0].Equal(p.Root) {
		t.Errorf("chain has %d certificates, want the root", len(c.Chain))
	}
	if err := c.Cert.CheckSignatureFrom(c.Chain[0]); err != nil {
		t.Errorf("certificate does not chain: %v", err)
	}
}

func TestLookupPicksUpNewCertificates(t *testing.T) {
	t.Parallel()
	p := demoPKI(t)
	d := keys.NewDir(p.Dir, at(issued.Add(time.Hour)))
	if _, err := d.Lookup(t.Context(), "phovien"); !errors.Is(err, keys.ErrNoSigningKey) {
		t.Fatalf("Lookup before issue = %v", err)
	}
	opts := devpki.DemoOptions()
	opts.Users = append(opts.Users, devpki.User{Username: "phovien", FullName: "Vũ Thị Hà"})
	if _, err := devpki.Init(p.Dir, opts, issued); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lookup(t.Context(), "phovien"); err != nil {
		t.Fatalf("Lookup after issue without restart: %v", err)
	}
}

func TestLookupWithoutUsableKey(t *testing.T) {
	t.Parallel()
	p := demoPKI(t)
	keystest.CheckRefusals(t, func(_ *testing.T, now func() time.Time) keys.Source { return keys.NewDir(p.Dir, now) }, []keystest.Refusal{
		{Name: "unknown user", Username: "giamdoc", At: issued.Add(time.Hour), Kind: errs.NotFound, Msg: "giamdoc has no signing certificate"},
		{Name: "name escaping the directory", Username: "../root", At: issued.Add(time.Hour), Kind: errs.Invalid, Msg: "not a valid username"},
		{Name: "empty name", Username: "", At: issued.Add(time.Hour), Kind: errs.Invalid, Msg: "not a valid username"},
		{Name: "expired certificate", Username: "lanhdao", At: issued.AddDate(4, 0, 0), Kind: errs.Invalid, Msg: "valid only from"},
		{Name: "certificate not yet valid", Username: "lanhdao", At: issued.Add(-24 * time.Hour), Kind: errs.Invalid, Msg: "valid only from"},
	})
}

func TestBrokenDirectoryIsNotAMissingKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(t *testing.T, p *devpki.PKI)
		wantMsg string
	}{
		{"no PKI at all", func(t *testing.T, p *devpki.PKI) {
			if err := os.Remove(filepath.Join(p.Dir, "root.crt")); err != nil {
				t.Fatal(err)
			}
		}, "docflow pki init"},
		{"key of someone else", func(t *testing.T, p *devpki.PKI) {
			data, err := os.ReadFile(p.Users["vanthu"].KeyFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p.Users["lanhdao"].KeyFile, data, 0o600); err != nil { //nolint:gosec // G703: the test's own temp dir
				t.Fatal(err)
			}
		}, "does not belong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := demoPKI(t)
			tt.breakIt(t, p)
			_, err := keys.NewDir(p.Dir, at(issued.Add(time.Hour))).Lookup(t.Context(), "lanhdao")
			if err == nil || errors.Is(err, keys.ErrNoSigningKey) {
				t.Fatalf("Lookup = %v, want an operator error, not a missing key", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestCheckFailsWithoutPKI(t *testing.T) {
	t.Parallel()
	err := keys.NewDir(t.TempDir(), nil).Check(t.Context())
	if err == nil || !strings.Contains(err.Error(), "docflow pki init") {
		t.Fatalf("Check = %v, want an error telling how to create the PKI", err)
	}
}

func TestSubjectReadsLikeOtherTools(t *testing.T) {
	t.Parallel()
	p := demoPKI(t)
	tests := []struct {
		name string
		cert *x509.Certificate
		want string
	}{
		{"personal", p.Users["lanhdao"].Cert,
			"UID=lanhdao,serialNumber=lanhdao,CN=Phạm Minh Đức,OU=docflow development certificate - not for production use,O=Văn phòng Chính phủ (demo),C=VN"},
		{"organisation", p.Orgs["000.00.00.G22"].Cert,
			"organizationIdentifier=000.00.00.G22,CN=Văn phòng Chính phủ (demo),OU=docflow development certificate - not for production use,O=Văn phòng Chính phủ (demo),C=VN"},
		{"special characters", &x509.Certificate{RawSubject: mustSubject(t, pkix.Name{CommonName: "Bộ Tài chính, Vụ Pháp chế", Country: []string{"VN"}})},
			`CN=Bộ Tài chính\, Vụ Pháp chế,C=VN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := keys.Subject(tt.cert); got != tt.want {
				t.Errorf("Subject = %q\n want %q", got, tt.want)
			}
		})
	}
}

func mustSubject(t *testing.T, n pkix.Name) []byte {
	t.Helper()
	der, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// The seal and signature images come from the PKI directory; a missing one
// is an error that names the file to provide, not a drawing made up by the
// service.
func TestDirImages(t *testing.T) {
	t.Parallel()
	p := demoPKI(t)
	d := keys.NewDir(p.Dir, nil)
	const agency = "000.00.00.G22"
	if img, err := d.Seal(t.Context(), agency); err != nil || len(img) == 0 {
		t.Fatalf("Seal = %d bytes, %v; want the image devpki wrote", len(img), err)
	}
	if img, err := d.Signature(t.Context(), "lanhdao"); err != nil || len(img) == 0 {
		t.Fatalf("Signature = %d bytes, %v; want the image devpki wrote", len(img), err)
	}

	sealFile := filepath.Join(p.Dir, "org", "000_00_00_G22.seal.png")
	signatureFile := filepath.Join(p.Dir, "users", "lanhdao.signature.png")
	for _, f := range []string{sealFile, signatureFile} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	_, sealErr := d.Seal(t.Context(), agency)
	_, signatureErr := d.Signature(t.Context(), "lanhdao")
	for _, tc := range []struct {
		err        error
		file, what string
	}{{sealErr, sealFile, "a PNG of its seal"}, {signatureErr, signatureFile, "a PNG of their handwritten signature"}} {
		if errs.KindOf(tc.err) != errs.NotFound || !errors.Is(tc.err, fs.ErrNotExist) {
			t.Errorf("missing image: %v, want NotFound", tc.err)
		}
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.file) || !strings.Contains(tc.err.Error(), tc.what) {
			t.Errorf("missing image: %v; want it to name %s and ask for %s", tc.err, tc.file, tc.what)
		}
	}
	if _, err := d.Signature(t.Context(), "../lanhdao"); errs.KindOf(err) != errs.Invalid {
		t.Errorf("Signature of a name outside the directory = %v, want Invalid", err)
	}
}
