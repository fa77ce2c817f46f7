package pades_test

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digitorus/pkcs7"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// newTrust is a development PKI with its trust services running on a free
// port, which the PKI's certificates name: independent validators (pdfsig
// through NSS, pdfcpu) check revocation online against the same services
// the signer fetched its validation data from.
func newTrust(t *testing.T) *pdftest.Trust {
	t.Helper()
	return pdftest.NewTrust(t, zaptest.NewLogger(t))
}

// signRefused signs pdf with req, which must fail with a classified error
// and write nothing, and returns the error for the caller to check.
func signRefused(t *testing.T, pdf []byte, req pades.Request) *errs.Error {
	t.Helper()
	out, _, err := padestest.Sign(t, pdf, req)
	if len(out) != 0 {
		t.Errorf("%d bytes written for a refused signature", len(out))
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("Sign = %v, want a classified error", err)
	}
	return e
}

var signedRanges = regexp.MustCompile(`Signed Ranges: \[(\d+) - (\d+)\], \[(\d+) - (\d+)\]`)

// signedBytes is what the signature reported in pdfsig's section covers,
// from the ranges pdfsig printed.
func signedBytes(t *testing.T, pdf []byte, section string) (data []byte, end int) {
	t.Helper()
	m := signedRanges.FindStringSubmatch(section)
	if m == nil {
		t.Fatalf("pdfsig prints no signed ranges:\n%s", section)
	}
	var n [4]int
	for i := range n {
		v, err := strconv.Atoi(m[i+1])
		if err != nil || v > len(pdf) {
			t.Fatalf("signed range %q", m[0])
		}
		n[i] = v
	}
	return append(append([]byte{}, pdf[n[0]:n[1]]...), pdf[n[2]:n[3]]...), n[3]
}

// opensslVerifyCMS checks a detached CMS over content, trusting only root.
func opensslVerifyCMS(t *testing.T, cms, content []byte, root string) {
	t.Helper()
	dir := t.TempDir()
	sig := pdftest.WriteFile(t, dir, "sig.der", cms)
	data := pdftest.WriteFile(t, dir, "content.bin", content)
	out := pdftest.Tool(t, dir, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", data,
		"-CAfile", root, "-purpose", "any", "-out", filepath.Join(dir, "verified.bin"))
	if !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify:\n%s", out)
	}
}

// opensslVerifyToken checks an RFC 3161 token over data, trusting only root.
func opensslVerifyToken(t *testing.T, token, data []byte, root string) string {
	t.Helper()
	dir := t.TempDir()
	tok := pdftest.WriteFile(t, dir, "token.der", token)
	in := pdftest.WriteFile(t, dir, "data.bin", data)
	out := pdftest.Tool(t, dir, "openssl", "ts", "-verify", "-token_in", "-in", tok, "-data", in, "-CAfile", root)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
	return pdftest.Tool(t, dir, "openssl", "ts", "-reply", "-token_in", "-in", tok, "-token_out", "-text")
}

var oidSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// signatureTimestamp returns the RFC 3161 token in the CMS's unsigned
// attributes and the signature value it timestamps.
func signatureTimestamp(t *testing.T, cms []byte) (token, signatureValue []byte) {
	t.Helper()
	p7, err := pkcs7.Parse(cms)
	if err != nil {
		t.Fatalf("parse CMS: %v", err)
	}
	if len(p7.Signers) != 1 {
		t.Fatalf("CMS has %d signers", len(p7.Signers))
	}
	s := p7.Signers[0]
	for _, a := range s.UnauthenticatedAttributes {
		if a.Type.Equal(oidSignatureTimeStamp) {
			var set []asn1.RawValue
			if _, err := asn1.UnmarshalWithParams(a.Value.FullBytes, &set, "set"); err != nil || len(set) != 1 {
				t.Fatalf("timestamp attribute: %v", err)
			}
			return set[0].FullBytes, s.EncryptedDigest
		}
	}
	t.Fatal("CMS has no signature timestamp (unsigned attribute 1.2.840.113549.1.9.16.2.14)")
	return nil, nil
}

// signedAttributes is openssl's dump of the signed attributes only; the
// timestamp token in the unsigned ones has attributes of its own.
func signedAttributes(t *testing.T, printed string) string {
	t.Helper()
	start := strings.Index(printed, "signedAttrs:")
	if start < 0 {
		t.Fatalf("openssl prints no signed attributes:\n%s", printed)
	}
	part := printed[start:]
	if end := strings.Index(part, "unsignedAttrs:"); end >= 0 {
		part = part[:end]
	}
	return part
}

// pdfcpuValidate runs pdfcpu's signature validation with only root trusted.
// Online, it may ask the loopback trust services about revocation (pdfcpu
// refuses private addresses unless told); offline, it has only what the
// file holds.
func pdfcpuValidate(t *testing.T, pdf []byte, root string, online bool) string {
	t.Helper()
	bin := pdftest.PDFCPU(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	if err := os.Mkdir(conf, 0o700); err != nil {
		t.Fatal(err)
	}
	file := pdftest.WriteFile(t, dir, "signed.pdf", pdf)
	pdftest.Tool(t, dir, bin, "-c", conf, "certificates", "import", root)
	args := []string{"-c", conf, "signatures", "validate", "-a", "-f", file}
	if online {
		cfgFile := filepath.Join(conf, "pdfcpu", "config.yml")
		cfg, err := os.ReadFile(cfgFile)
		if err != nil {
			t.Fatal(err)
		}
		allowed := bytes.Replace(cfg, []byte("allowedRevocationHosts: []"), []byte("allowedRevocationHosts: [127.0.0.1]"), 1)
		if bytes.Equal(allowed, cfg) {
			t.Fatalf("pdfcpu's configuration has no allowedRevocationHosts entry to set:\n%s", cfg)
		}
		pdftest.WriteFile(t, filepath.Dir(cfgFile), "config.yml", allowed)
	} else {
		args = append([]string{"--offline"}, args...)
	}
	out, _ := pdftest.ToolResult(t, dir, bin, args...)
	return out
}

// dss is the document security store as qpdf reads it.
type dss struct {
	Certs, OCSPs, CRLs [][]byte
}

// qpdfDSS reads the DSS of the catalog in the file's last revision with qpdf.
func qpdfDSS(t *testing.T, pdf []byte) dss {
	t.Helper()
	dir := t.TempDir()
	file := pdftest.WriteFile(t, dir, "signed.pdf", pdf)
	out := pdftest.Tool(t, dir, "qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=none", file)
	var doc struct {
		QPDF []json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.QPDF) != 2 {
		t.Fatalf("qpdf JSON: %v", err)
	}
	var objects map[string]struct {
		Value  json.RawMessage `json:"value"`
		Stream struct {
			Data string `json:"data"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(doc.QPDF[1], &objects); err != nil {
		t.Fatal(err)
	}
	dict := func(key string) map[string]json.RawMessage {
		var d map[string]json.RawMessage
		if err := json.Unmarshal(objects[key].Value, &d); err != nil {
			t.Fatalf("%s is not a dictionary: %s", key, objects[key].Value)
		}
		return d
	}
	refKey := func(raw json.RawMessage) string {
		var r string
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("not a reference: %s", raw)
		}
		return "obj:" + r
	}
	catalog := dict(refKey(dict("trailer")["/Root"]))
	dssRef, ok := catalog["/DSS"]
	if !ok {
		t.Fatal("the document catalog has no /DSS")
	}
	d := dict(refKey(dssRef))
	var got dss
	for key, into := range map[string]*[][]byte{"/Certs": &got.Certs, "/OCSPs": &got.OCSPs, "/CRLs": &got.CRLs} {
		var refs []json.RawMessage
		if raw, ok := d[key]; ok {
			if err := json.Unmarshal(raw, &refs); err != nil {
				t.Fatalf("DSS %s: %v", key, err)
			}
		}
		for _, r := range refs {
			data, err := base64.StdEncoding.DecodeString(objects[refKey(r)].Stream.Data)
			if err != nil {
				t.Fatalf("DSS %s stream: %v", key, err)
			}
			*into = append(*into, data)
		}
	}
	return got
}

// revisions counts the %%EOF markers: one per revision of the file.
func revisions(pdf []byte) int { return bytes.Count(pdf, []byte("%%EOF")) }

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, text)
		}
	}
}
