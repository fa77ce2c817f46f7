package edxml

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Package is a verified document package.
type Package struct {
	Message Message // with the attachments' bytes
	// Signer is the certificate the package was signed with; it chains to
	// VerifyOptions.Roots and carries From's agency identifier.
	Signer *x509.Certificate
}

// DocumentID is the canonical document id of QCVN 102:
// "<issuer>,<yyyy/MM/dd>,<số>/<ký hiệu>", e.g.
// "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT". The date is taken in Vietnam
// time and a number below 10 gets its leading zero as on the document.
// Ids received are opaque: some hubs send UUIDs.
func DocumentID(issuer string, date time.Time, number int, notation string) string {
	n := strconv.Itoa(number)
	if number >= 0 && number < 10 {
		n = "0" + n
	}
	return issuer + "," + formatDate(date) + "," + n + "/" + notation
}

// Build validates m, signs it with s and returns the package's bytes.
// Attachments without a ContentType are sent as application/pdf.
func Build(m Message, s Signer) ([]byte, error) {
	l := DefaultLimits
	m.Attachments = append([]Attachment(nil), m.Attachments...)
	for i := range m.Attachments {
		if m.Attachments[i].ContentType == "" {
			m.Attachments[i].ContentType = "application/pdf"
		}
	}
	if m.DocumentID == "" {
		m.DocumentID = m.From.OrganID + "," + formatDate(m.Promulgation.Date) + "," + m.Code.Number + "/" + m.Code.Notation
	}
	if err := checkMessage(&m, s, l); err != nil {
		return nil, err
	}
	doc, header := encodeMessage(&m)
	xmlBytes, err := signed(doc, header, m.Attachments, s, l)
	if err != nil {
		return nil, err
	}
	raw, err := writeContainer(xmlBytes, m.Attachments)
	if err != nil {
		return nil, err
	}
	if len(raw) > l.MaxPackageBytes {
		return nil, refuse(ErrInvalid, "the package would be %s, more than the %s a receiver accepts", size(len(raw)), size(l.MaxPackageBytes))
	}
	return raw, nil
}

// BuildStatus validates st, signs it with s and returns the status
// package's bytes: the signed XML alone, as it has no attachments.
func BuildStatus(st Status, s Signer) ([]byte, error) {
	if err := checkStatus(&st, s); err != nil {
		return nil, err
	}
	doc, header := encodeStatus(&st)
	return signed(doc, header, nil, s, DefaultLimits)
}

// signed adds the signature to the tree, indents it and returns the XML.
func signed(doc *etree.Document, header *etree.Element, atts []Attachment, s Signer, l Limits) ([]byte, error) {
	alg := algRSASHA256
	if _, ok := s.Key.Public().(*ecdsa.PublicKey); ok {
		alg = algECDSASHA256
	}
	sig := signatureSkeleton(header, alg, atts, s.Chain)
	if err := checkTree(doc, l); err != nil {
		return nil, err
	}
	doc.Indent(2)
	if err := sign(doc, sig, s); err != nil {
		return nil, refuseWith(ErrInvalid, err, "the package could not be signed: %s", err)
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, refuseWith(ErrInvalid, err, "the package could not be written")
	}
	if len(out) > l.MaxXMLBytes {
		return nil, refuse(ErrInvalid, "the edXML text would be %s, more than the %s a receiver accepts", size(len(out)), size(l.MaxXMLBytes))
	}
	return out, nil
}

// readXML checks the limits, then builds the tree.
func readXML(data []byte, l Limits) (*etree.Document, error) {
	if err := checkXML(data, l); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, refuseWith(ErrMalformed, err, "the edXML part is not well-formed XML")
	}
	return doc, nil
}

// Parse reads a document package, verifies its signature, the signer's
// certificate and agency and the attachments' digests, checks its code
// values and that it is addressed to opts.Recipient, and returns it.
//
// On refusal the error is an *Error; its About, when the header could be
// read, names the document (unverified) so a 02 can answer it.
func Parse(raw []byte, opts VerifyOptions) (*Package, error) {
	l := opts.Limits.orDefault()
	xmlBytes, parts, err := readContainer(raw, l)
	if err != nil {
		return nil, err
	}
	doc, err := readXML(xmlBytes, l)
	if err != nil {
		return nil, err
	}
	root, hdr, mh, err := header(doc)
	if err != nil {
		return nil, err
	}
	about := aboutDocument(mh)
	pkg, err := verifyDocument(root, hdr, mh, parts, opts)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.About = about
		}
		return nil, err
	}
	return pkg, nil
}

func verifyDocument(root, hdr, mh *etree.Element, parts []part, opts VerifyOptions) (*Package, error) {
	var r reader
	atts := r.manifest(root)
	if r.err != nil {
		return nil, r.err
	}
	if err := attachParts(atts, parts); err != nil {
		return nil, err
	}
	leaf, extra, err := verifySignature(root, atts)
	if err != nil {
		return nil, err
	}
	m, err := decodeMessage(root, hdr, mh)
	if err != nil {
		return nil, err
	}
	m.Attachments = atts
	if err := checkSigner(leaf, extra, m.From.OrganID, opts); err != nil {
		return nil, err
	}
	if !addressedTo(m, opts.Recipient) {
		return nil, refuse(ErrNotForUs, "the document is addressed to %s, not to this agency (%s)", recipients(m), clip(opts.Recipient, 40))
	}
	return &Package{Message: *m, Signer: leaf}, nil
}

// attachParts gives each manifest entry its part's bytes; a part the
// manifest does not list, or the reverse, is refused.
func attachParts(atts []Attachment, parts []part) error {
	byID := make(map[string][]byte, len(parts))
	for _, p := range parts {
		byID[p.id] = p.data
	}
	for i := range atts {
		data, ok := byID[atts[i].ContentID]
		if !ok {
			return refuse(ErrMalformed, "attachment %q (%s) is listed in the manifest but missing from the package", clip(atts[i].ContentID, 80), clip(atts[i].Name, 80))
		}
		atts[i].Data = data
		delete(byID, atts[i].ContentID)
	}
	for _, p := range parts {
		if _, extra := byID[p.id]; extra {
			return refuse(ErrMalformed, "the package carries attachment %q, which its manifest does not list", clip(p.id, 80))
		}
	}
	return nil
}

func addressedTo(m *Message, us string) bool {
	for _, to := range m.To {
		if us != "" && to.OrganID == us {
			return true
		}
	}
	return false
}

func recipients(m *Message) string {
	ids := make([]string, 0, len(m.To))
	for _, to := range m.To {
		ids = append(ids, clip(to.OrganID, 40))
	}
	return strings.Join(ids, ", ")
}

// aboutDocument reads, without trusting it, which document the header
// claims to be.
func aboutDocument(mh *etree.Element) *ResponseFor {
	var r reader
	from := r.el(mh, "From")
	pi := r.el(mh, "PromulgationInfo")
	code := r.el(mh, "Code")
	about := &ResponseFor{
		OrganID:    clip(r.text(from, "OrganId"), 40),
		DocumentID: clip(r.text(mh, "DocumentId"), 200),
	}
	if n := r.text(code, "CodeNumber"); n != "" {
		about.Code = clip(n+"/"+r.text(code, "CodeNotation"), 80)
	}
	about.PromulgationDate = r.date(pi, "PromulgationDate", "", true)
	if about.OrganID == "" && about.DocumentID == "" {
		return nil
	}
	return about
}

// StatusPackage is a verified status package.
type StatusPackage struct {
	Status Status
	Signer *x509.Certificate // chains to the roots, carries From's identifier
}

// ParseStatus reads a status package (the signed XML alone), verifies it
// like Parse and returns it. A 14 is returned as 15. Unless the code is
// 13, which the issuer sends about its own document, ResponseFor must
// name a document of opts.Recipient.
func ParseStatus(raw []byte, opts VerifyOptions) (*StatusPackage, error) {
	l := opts.Limits.orDefault()
	if len(raw) > l.MaxXMLBytes {
		return nil, refuse(ErrMalformed, "the status package is %s, more than the %s accepted", size(len(raw)), size(l.MaxXMLBytes))
	}
	doc, err := readXML(raw, l)
	if err != nil {
		return nil, err
	}
	root, _, mh, err := header(doc)
	if err != nil {
		return nil, err
	}
	if child(mh, Namespace, "StatusCode") == nil {
		return nil, refuse(ErrMalformed, "this is not a status package: its header has no StatusCode")
	}
	leaf, extra, err := verifySignature(root, nil)
	if err != nil {
		return nil, err
	}
	st, err := decodeStatus(mh)
	if err != nil {
		return nil, err
	}
	if err := checkSigner(leaf, extra, st.From.OrganID, opts); err != nil {
		return nil, err
	}
	if st.Code != StatusTakenBack && (opts.Recipient == "" || st.ResponseFor.OrganID != opts.Recipient) {
		return nil, refuse(ErrNotForUs, "the status is about a document of %s, not of this agency (%s)", clip(st.ResponseFor.OrganID, 40), clip(opts.Recipient, 40))
	}
	return &StatusPackage{Status: *st, Signer: leaf}, nil
}
