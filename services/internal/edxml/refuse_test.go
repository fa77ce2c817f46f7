package edxml_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/edxml"
)

// wantRefusal checks the kind of refusal and that its text, which goes to
// the other agency's clerk, says why.
func wantRefusal(t *testing.T, err, reason error, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want a refusal (%v) saying %q", reason, text)
	}
	var e *edxml.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *edxml.Error", err, err)
	}
	if !errors.Is(err, reason) {
		t.Errorf("refused as %v; want %v (%s)", e.Reason, reason, err)
	}
	if !strings.Contains(err.Error(), text) {
		t.Errorf("reason %q; want it to say %q", err, text)
	}
}

// rewrite re-packs a container with edit applied to each part (the root
// part has id "edXMLEnvelope"); edit returns nil to drop a part. The new
// container writes parts unencoded, so that path is read too.
func rewrite(t *testing.T, raw []byte, edit func(id string, data []byte) []byte, extra ...[2]string) []byte {
	t.Helper()
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatal("no header in the container")
	}
	_, params, err := mime.ParseMediaType(strings.TrimPrefix(strings.Split(string(head), "\r\n")[1], "Content-Type: "))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := multipart.NewWriter(&out)
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			if data, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(data), "\r\n", "")); err != nil {
				t.Fatal(err)
			}
		}
		id := strings.Trim(p.Header.Get("Content-ID"), "<>")
		if data = edit(id, data); data == nil {
			continue
		}
		writePart(t, w, p.Header.Get("Content-Type"), id, data)
	}
	for _, e := range extra {
		writePart(t, w, "application/pdf", e[0], []byte(e[1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	hdr := fmt.Sprintf("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=%q; type=\"text/xml\"; start=\"<edXMLEnvelope>\"\r\n\r\n", w.Boundary())
	return append([]byte(hdr), out.Bytes()...)
}

func writePart(t *testing.T, w *multipart.Writer, ctype, id string, data []byte) {
	t.Helper()
	pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Id": {"<" + id + ">"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(data); err != nil {
		t.Fatal(err)
	}
}

func TestECDSARoundTrip(t *testing.T) {
	t.Parallel()
	p := newPKI(t, false, goldenNow)
	signer := p.org(t, vpcp, "Văn phòng Chính phủ (thử nghiệm)", false)
	raw, err := edxml.Build(fullMessage(), signer)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := edxml.Parse(raw, p.opts(noiVu))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !pkg.Signer.Equal(signer.Chain[0]) || len(pkg.Message.Attachments) != 2 ||
		!bytes.Equal(pkg.Message.Attachments[0].Data, pdf("main")) {
		t.Errorf("parsed %+v", pkg)
	}
	if !bytes.Contains(raw, []byte("xmldsig-more#ecdsa-sha256")) {
		t.Error("the signature method is not ecdsa-sha256")
	}
	// XML-DSig's ECDSA value is r||s, 64 bytes for P-256, not DER.
	m := regexp.MustCompile(`<SignatureValue>([^<]+)</SignatureValue>`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("no SignatureValue")
	}
	sv, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil || len(sv) != 64 {
		t.Errorf("SignatureValue is %d bytes (%v); want 64 (r||s)", len(sv), err)
	}
	// The second recipient may read it too.
	if _, err := edxml.Parse(raw, p.opts(taiChin)); err != nil {
		t.Errorf("the second recipient refuses it: %v", err)
	}
}

func TestParseRefusesDocuments(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	good, err := edxml.Build(fullMessage(), g.signer)
	if err != nil {
		t.Fatal(err)
	}
	other := newPKI(t, false, goldenNow)
	noiVuSigner := other.org(t, noiVu, "Bộ Nội vụ", false)
	otherOpts := other.opts(noiVu)
	signedBy := func(m edxml.Message, s edxml.Signer) []byte {
		raw, err := edxml.BuildUnchecked(m, s)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	withMessage := func(edit func(*edxml.Message)) []byte {
		m := fullMessage()
		edit(&m)
		return signedBy(m, g.signer)
	}
	tamperedAttachment := rewrite(t, good, func(id string, data []byte) []byte {
		if id == "phu-luc-1.pdf" {
			data = bytes.Replace(data, []byte("annex"), []byte("annux"), 1)
		}
		return data
	})
	expired := g.opts(noiVu)
	expired.Now = g.signer.Chain[0].NotAfter.AddDate(0, 0, 1)
	noRoots := g.opts(noiVu)
	noRoots.Roots = nil
	small := func(l edxml.Limits) edxml.VerifyOptions { o := g.opts(noiVu); o.Limits = l; return o }

	tests := []struct {
		name   string
		raw    []byte
		opts   edxml.VerifyOptions
		reason error
		text   string
	}{
		{"a header byte changed", bytes.Replace(good, []byte("quốc gia</edXML:Subject>"), []byte("quốc giA</edXML:Subject>"), 1),
			g.opts(noiVu), edxml.ErrBadSignature, "the edXML header was changed after it was signed"},
		{"a recipient added", bytes.Replace(good, []byte("<edXML:OrganId>000.00.00.G12</edXML:OrganId>\n        <edXML:OrganizationInCharge/>"),
			[]byte("<edXML:OrganId>000.00.00.H41</edXML:OrganId>\n        <edXML:OrganizationInCharge/>"), 1),
			small(edxml.Limits{}), edxml.ErrBadSignature, "changed after it was signed"},
		{"the signature value changed", regexp.MustCompile(`<SignatureValue>.`).ReplaceAll(good, []byte("<SignatureValue>A")),
			g.opts(noiVu), edxml.ErrBadSignature, "does not verify"},
		{"an attachment tampered", tamperedAttachment, g.opts(noiVu), edxml.ErrAttachmentTampered,
			`attachment "phu-luc-1.pdf" (Phụ lục I.pdf) was changed after signing`},
		{"an attachment dropped", rewrite(t, good, func(id string, d []byte) []byte {
			if id == "phu-luc-1.pdf" {
				return nil
			}
			return d
		}), g.opts(noiVu), edxml.ErrMalformed, "listed in the manifest but missing"},
		{"an attachment slipped in", rewrite(t, good, func(_ string, d []byte) []byte { return d }, [2]string{"extra.pdf", "%PDF-1.7 extra"}),
			g.opts(noiVu), edxml.ErrMalformed, `attachment "extra.pdf", which its manifest does not list`},
		{"the wrong recipient", good, g.opts("000.00.00.H41"), edxml.ErrNotForUs,
			"addressed to 000.00.00.G09, 000.00.00.G12, not to this agency (000.00.00.H41)"},
		{"an untrusted signer", good, otherOpts, edxml.ErrUntrustedCertificate, "is not from a trusted certification authority"},
		{"an expired certificate", good, expired, edxml.ErrUntrustedCertificate, "expired on"},
		{"no trusted roots configured", good, noRoots, edxml.ErrUntrustedCertificate, "no trusted certification authority is configured"},
		{"a signer of another agency", signedBy(fullMessage(), noiVuSigner), otherOpts, edxml.ErrWrongSigner,
			"says it is from agency 000.00.00.G22, but it is signed with the certificate of agency 000.00.00.G09"},
		{"an unknown priority", withMessage(func(m *edxml.Message) { m.Other.Priority = 7 }), g.opts(noiVu),
			edxml.ErrUnknownCode, `priority (OtherInfo/Priority) "7" is not one of the values 0 to 4`},
		{"an unknown business type", withMessage(func(m *edxml.Message) { m.Business.DocType = 4 }), g.opts(noiVu),
			edxml.ErrUnknownCode, `BussinessDocType) "4"`},
		{"no TypeName", withMessage(func(m *edxml.Message) { m.DocumentType.TypeName = "" }), g.opts(noiVu),
			edxml.ErrMalformed, "DocumentType has no TypeName"},
		{"oversize", good, small(edxml.Limits{MaxPackageBytes: 4096}), edxml.ErrMalformed, "more than the 4 KB accepted"},
		{"an attachment over the limit", good, small(edxml.Limits{MaxAttachmentBytes: 64}), edxml.ErrMalformed, "is larger than the 64 bytes accepted"},
		{"too many attachments", good, small(edxml.Limits{MaxAttachments: 1}), edxml.ErrMalformed, "more than 1 attachments"},
		{"too many elements", good, small(edxml.Limits{MaxElements: 100}), edxml.ErrMalformed, "more than 100 elements"},
		{"too deep", good, small(edxml.Limits{MaxDepth: 4}), edxml.ErrMalformed, "nests elements more than 4 deep"},
		{"a DTD", rewrite(t, good, func(id string, d []byte) []byte {
			if id == "edXMLEnvelope" {
				d = bytes.Replace(d, []byte("?>\n"), []byte("?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"), 1)
			}
			return d
		}), g.opts(noiVu), edxml.ErrMalformed, "document type declaration"},
		{"not a container", []byte("<edXML:edXMLEnvelope/>"), g.opts(noiVu), edxml.ErrMalformed, "multipart/related"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkg, err := edxml.Parse(tc.raw, tc.opts)
			if pkg != nil {
				t.Errorf("Parse returned a package with the refusal")
			}
			wantRefusal(t, err, tc.reason, tc.text)
		})
	}

	// A refusal names the document, so a 02 can answer it.
	_, err = edxml.Parse(good, g.opts("000.00.00.H41"))
	var e *edxml.Error
	if !errors.As(err, &e) || e.About == nil || e.About.DocumentID != fullMessage().DocumentID ||
		e.About.OrganID != vpcp || e.About.Code != "7816/VPCP-TTĐT" {
		t.Errorf("the refusal does not name the document: %+v", e)
	}
}

func TestSteeringTypeThreeReadsAsReport(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	m := fullMessage()
	m.SteeringType = 3
	raw, err := edxml.BuildUnchecked(m, g.signer)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := edxml.Parse(raw, g.opts(noiVu))
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Message.SteeringType != edxml.SteeringReport {
		t.Errorf("SteeringType 3 read as %d; want 2 (report)", pkg.Message.SteeringType)
	}
	m.SteeringType = 3
	_, err = edxml.Build(m, g.signer)
	wantRefusal(t, err, edxml.ErrInvalid, "steering type 3 is not one of 0, 1, 2")
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	other := newPKI(t, false, goldenNow).org(t, noiVu, "Bộ Nội vụ", false)
	tests := []struct {
		name   string
		edit   func(*edxml.Message)
		signer edxml.Signer
		text   string
	}{
		{"another agency's certificate", func(*edxml.Message) {}, other, `the signing certificate is of agency "000.00.00.G09", not of the sending agency "000.00.00.G22"`},
		{"no TypeName", func(m *edxml.Message) { m.DocumentType.TypeName = " " }, g.signer, "TypeName is required"},
		{"priority 5", func(m *edxml.Message) { m.Other.Priority = 5 }, g.signer, "priority 5 is not one of 0 to 4"},
		{"no attachment", func(m *edxml.Message) { m.Attachments = nil }, g.signer, "at least one attachment"},
		{"duplicate content ids", func(m *edxml.Message) { m.Attachments[1].ContentID = m.Attachments[0].ContentID }, g.signer, "is used twice"},
		{"a bad agency id", func(m *edxml.Message) { m.To[0].OrganID = "g09 bộ" }, g.signer, `To[0]/OrganId "g09 bộ" is not an agency identifier`},
		{"a control character", func(m *edxml.Message) { m.Subject = "a\x01b" }, g.signer, "characters XML cannot carry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := fullMessage()
			tc.edit(&m)
			raw, err := edxml.Build(m, tc.signer)
			if raw != nil {
				t.Error("Build returned bytes with its refusal")
			}
			wantRefusal(t, err, edxml.ErrInvalid, tc.text)
		})
	}
}

func TestStatusRefusals(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	build := func(code edxml.StatusCode, edit func(*edxml.Status)) []byte {
		st := statusFor(code)
		if edit != nil {
			edit(&st)
		}
		raw, err := edxml.BuildStatusUnchecked(st, g.signer)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	noReason := func(s *edxml.Status) { s.Description = "" }

	t.Run("build", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			code edxml.StatusCode
			edit func(*edxml.Status)
			text string
		}{
			{edxml.StatusRejected, noReason, "a rejection (02) must give its reason in Description"},
			{"07", nil, `status code "07" is not one of 01–06, 13, 15, 16`},
			{"14", nil, "status 14 is never sent; agreeing to a recall or update is 15"},
			{"100", nil, `status code "100" is not one of`},
		} {
			st := statusFor(tc.code)
			if tc.edit != nil {
				tc.edit(&st)
			}
			_, err := edxml.BuildStatus(st, g.signer)
			wantRefusal(t, err, edxml.ErrInvalid, tc.text)
		}
	})

	deep := `<?xml version="1.0"?><edXML:edXMLEnvelope xmlns:edXML="` + edxml.Namespace + `">` +
		strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + `</edXML:edXMLEnvelope>`
	wide := `<edXML:edXMLEnvelope xmlns:edXML="` + edxml.Namespace + `">` + strings.Repeat("<a/>", 2000) + `</edXML:edXMLEnvelope>`
	dtd := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>` +
		`<edXML:edXMLEnvelope xmlns:edXML="` + edxml.Namespace + `">&lol2;</edXML:edXMLEnvelope>`
	for _, tc := range []struct {
		name   string
		raw    []byte
		opts   edxml.VerifyOptions
		reason error
		text   string
	}{
		{"02 without a reason", build(edxml.StatusRejected, noReason), g.opts(vpcp), edxml.ErrMalformed, "a rejection (status 02) must say why"},
		{"code 07", build("07", nil), g.opts(vpcp), edxml.ErrUnknownCode, `status code "07" is not one of the codes`},
		{"a local hub's 200", build("200", nil), g.opts(vpcp), edxml.ErrUnknownCode, `status code "200"`},
		{"not about our document", build(edxml.StatusRegistered, nil), g.opts(noiVu), edxml.ErrNotForUs,
			"about a document of 000.00.00.G22, not of this agency (000.00.00.G09)"},
		{"a changed code", bytes.Replace(build(edxml.StatusRegistered, nil), []byte(">03<"), []byte(">06<"), 1), g.opts(vpcp),
			edxml.ErrBadSignature, "changed after it was signed"},
		{"too deep", []byte(deep), g.opts(vpcp), edxml.ErrMalformed, "nests elements more than 24 deep"},
		{"too many elements", []byte(wide), g.opts(vpcp), edxml.ErrMalformed, "more than 1000 elements"},
		{"a DTD", []byte(dtd), g.opts(vpcp), edxml.ErrMalformed, "document type declaration"},
		{"a processing instruction", []byte(`<?xml-stylesheet href="x"?><edXML:edXMLEnvelope xmlns:edXML="` + edxml.Namespace + `"/>`),
			g.opts(vpcp), edxml.ErrMalformed, "processing instruction <?xml-stylesheet?>"},
		{"oversize", bytes.Repeat([]byte(" "), 2<<20), g.opts(vpcp), edxml.ErrMalformed, "more than the 1 MB accepted"},
		{"a document package", []byte(`<edXML:edXMLEnvelope xmlns:edXML="` + edxml.Namespace + `"><edXML:edXMLHeader><edXML:MessageHeader/></edXML:edXMLHeader></edXML:edXMLEnvelope>`),
			g.opts(vpcp), edxml.ErrMalformed, "not a status package"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := edxml.ParseStatus(tc.raw, tc.opts)
			wantRefusal(t, err, tc.reason, tc.text)
		})
	}

	t.Run("14 reads as 15", func(t *testing.T) {
		t.Parallel()
		got, err := edxml.ParseStatus(build("14", nil), g.opts(vpcp))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Code != edxml.StatusAgrees {
			t.Errorf("14 read as %q; want 15", got.Status.Code)
		}
	})
	t.Run("13 comes from the issuer", func(t *testing.T) {
		t.Parallel()
		// The sender takes back its own document: ResponseFor names the
		// sender, not us, and that is right.
		if _, err := edxml.ParseStatus(build(edxml.StatusTakenBack, nil), g.opts(noiVu)); err != nil {
			t.Errorf("a 13 about the sender's own document is refused: %v", err)
		}
	})
}

// Exclusive C14N drops comments, so a comment added inside a signed value
// keeps the signature valid; the value must still read as signed, not as
// the text before the comment (the comment-truncation attack on XML-DSig).
func TestCommentsCannotCutSignedValues(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	good, err := edxml.Build(fullMessage(), g.signer)
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.Replace(good, []byte("<edXML:OrganId>000.00.00.G09</edXML:OrganId>\n        <edXML:OrganizationInCharge/>"),
		[]byte("<edXML:OrganId>000.00.00.G0<!-- -->9</edXML:OrganId>\n        <edXML:OrganizationInCharge/>"), 1)
	if bytes.Equal(cut, good) {
		t.Fatal("the fixture did not change")
	}
	pkg, err := edxml.Parse(cut, g.opts(noiVu))
	if err != nil {
		t.Fatalf("the comment broke the signature, which exclusive C14N should not: %v", err)
	}
	if pkg.Message.To[0].OrganID != noiVu {
		t.Errorf("To[0] reads %q; want the signed %q", pkg.Message.To[0].OrganID, noiVu)
	}
	_, err = edxml.Parse(cut, g.opts("000.00.00.G0"))
	wantRefusal(t, err, edxml.ErrNotForUs, "not to this agency (000.00.00.G0)")
}

// Other senders may write parts unencoded, or quoted-printable, and name
// no start part; the same package must then still verify.
func TestContainerEncodings(t *testing.T) {
	t.Parallel()
	g := loadGoldenPKI(t)
	good, err := edxml.Build(fullMessage(), g.signer)
	if err != nil {
		t.Fatal(err)
	}
	binary := rewrite(t, good, func(_ string, d []byte) []byte { return d })
	noStart := bytes.Replace(binary, []byte(`; start="<edXMLEnvelope>"`), nil, 1)
	qp := quotedPrintableXML(t, good)
	for name, raw := range map[string][]byte{"unencoded": binary, "no start parameter": noStart, "quoted-printable XML": qp} {
		pkg, err := edxml.Parse(raw, g.opts(noiVu))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(pkg.Message.Attachments[0].Data, pdf("main")) {
			t.Errorf("%s: attachment bytes differ", name)
		}
	}
}

// quotedPrintableXML re-encodes the container's XML part as
// quoted-printable.
func quotedPrintableXML(t *testing.T, raw []byte) []byte {
	t.Helper()
	start := bytes.Index(raw, []byte("<?xml"))
	end := bytes.Index(raw[start:], []byte("\r\n--edxml-"))
	if start < 0 || end < 0 {
		t.Fatal("no XML part in the container")
	}
	var enc bytes.Buffer
	w := quotedprintable.NewWriter(&enc)
	if _, err := w.Write(raw[start : start+end]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), raw[:start]...)
	out = append(out, enc.Bytes()...)
	out = append(out, raw[start+end:]...)
	return bytes.Replace(out, []byte("Content-Transfer-Encoding: 8bit"), []byte("Content-Transfer-Encoding: quoted-printable"), 1)
}
