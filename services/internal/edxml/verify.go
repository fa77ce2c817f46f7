package edxml

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/docflow/docflow/api/vntime"
)

// VerifyOptions say whom Parse and ParseStatus trust and who we are.
type VerifyOptions struct {
	// Roots are the trusted certification authorities. Required: the
	// system's roots are never used.
	Roots *x509.CertPool
	// Intermediates add to those the package's KeyInfo carries.
	Intermediates *x509.CertPool
	// Now is the time certificates are checked at; zero means time.Now.
	Now time.Time
	// Recipient is our agency identifier: a document package must list it
	// in To, a status must be about a document we issued (ResponseFor's
	// OrganId), except 13, which the issuer sends about its own document.
	Recipient string
	// Limits bound what is read; zero fields take DefaultLimits.
	Limits Limits
}

// oidOrganizationIdentifier is the X.520 attribute (2.5.4.97) in which the
// organisation certificate carries the agency identifier.
var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// OrganizationIdentifier is the agency identifier in a certificate's
// subject, or "" when it has none.
func OrganizationIdentifier(c *x509.Certificate) string {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oidOrganizationIdentifier) {
			if s, ok := n.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

// elements named local in namespace ns among el's children.
func children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

func child(el *etree.Element, ns, local string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

func algorithm(el *etree.Element, local string) string {
	if c := child(el, dsigNS, local); c != nil {
		return c.SelectAttrValue("Algorithm", "")
	}
	return ""
}

// inclusivePrefixes reads the PrefixList an exclusive C14N method may
// carry (xml-exc-c14n InclusiveNamespaces).
func inclusivePrefixes(method *etree.Element) string {
	for _, c := range method.ChildElements() {
		if c.Tag == "InclusiveNamespaces" && c.NamespaceURI() == algExcC14N {
			return c.SelectAttrValue("PrefixList", "")
		}
	}
	return ""
}

func b64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}

func findSignatures(el *etree.Element, out []*etree.Element) []*etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == signatureLocal && c.NamespaceURI() == dsigNS {
			out = append(out, c)
		}
		out = findSignatures(c, out)
	}
	return out
}

// signedRefs is what SignedInfo says is signed.
type signedRefs struct {
	docDigest   string
	docPrefixes string
	attachments map[string]string // content id → digest
}

func readReferences(si *etree.Element) (signedRefs, error) {
	refs := signedRefs{attachments: map[string]string{}}
	docRefs := 0
	for _, ref := range children(si, dsigNS, "Reference") {
		uri := ref.SelectAttrValue("URI", "\x00")
		if algorithm(ref, "DigestMethod") != algSHA256 {
			return refs, refuse(ErrBadSignature, "the XML signature uses a digest other than SHA-256, which is not accepted")
		}
		dv := child(ref, dsigNS, "DigestValue")
		if dv == nil {
			return refs, refuse(ErrMalformed, "a Reference of the XML signature has no DigestValue")
		}
		value := strings.Join(strings.Fields(textOf(dv)), "")
		switch {
		case uri == "":
			docRefs++
			prefixes, err := documentTransforms(ref)
			if err != nil {
				return refs, err
			}
			refs.docDigest, refs.docPrefixes = value, prefixes
		case strings.HasPrefix(uri, cidScheme):
			id, err := url.PathUnescape(uri[len(cidScheme):])
			if err != nil || id == "" {
				return refs, refuse(ErrMalformed, "the XML signature refers to %q, which is not a valid attachment reference", clip(uri, 80))
			}
			if child(ref, dsigNS, "Transforms") != nil {
				return refs, refuse(ErrBadSignature, "the XML signature transforms attachment %q before digesting it; attachments must be digested as they are", clip(id, 80))
			}
			if _, dup := refs.attachments[id]; dup {
				return refs, refuse(ErrMalformed, "the XML signature refers to attachment %q twice", clip(id, 80))
			}
			refs.attachments[id] = value
		default:
			return refs, refuse(ErrBadSignature, "the XML signature refers to %q, which is not part of the package", clip(uri, 80))
		}
	}
	if docRefs != 1 {
		return refs, refuse(ErrBadSignature, "the XML signature does not cover the whole edXML header (it needs exactly one Reference with URI=\"\")")
	}
	return refs, nil
}

// documentTransforms accepts exactly enveloped-signature then exclusive
// C14N: anything else could sign less than the whole document.
func documentTransforms(ref *etree.Element) (string, error) {
	tr := child(ref, dsigNS, "Transforms")
	var list []*etree.Element
	if tr != nil {
		list = children(tr, dsigNS, "Transform")
	}
	if len(list) != 2 || list[0].SelectAttrValue("Algorithm", "") != algEnveloped ||
		list[1].SelectAttrValue("Algorithm", "") != algExcC14N {
		return "", refuse(ErrBadSignature, "the XML signature must use the enveloped-signature and exclusive canonicalisation transforms, and no others")
	}
	return inclusivePrefixes(list[1]), nil
}

// readKeyInfo returns the signer's certificate (the first X509Certificate)
// and the others the signature carries.
func readKeyInfo(sig *etree.Element) (*x509.Certificate, []*x509.Certificate, error) {
	var certs []*x509.Certificate
	if ki := child(sig, dsigNS, "KeyInfo"); ki != nil {
		for _, xd := range children(ki, dsigNS, "X509Data") {
			for _, xc := range children(xd, dsigNS, "X509Certificate") {
				if len(certs) == maxChainInKey {
					return nil, nil, refuse(ErrMalformed, "the XML signature carries more than %d certificates", maxChainInKey)
				}
				der, err := b64(textOf(xc))
				if err != nil {
					return nil, nil, refuseWith(ErrMalformed, err, "a certificate in the XML signature is not valid base64")
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, nil, refuseWith(ErrMalformed, err, "a certificate in the XML signature cannot be read")
				}
				certs = append(certs, c)
			}
		}
	}
	if len(certs) == 0 {
		return nil, nil, refuse(ErrUntrustedCertificate, "the XML signature does not include the signer's certificate (KeyInfo/X509Data/X509Certificate)")
	}
	return certs[0], certs[1:], nil
}

// verifySignature checks the one XML signature in the header: its value
// over SignedInfo, the digest of the document, then each attachment's
// digest. It returns the signer's certificate and the others carried.
func verifySignature(root *etree.Element, atts []Attachment) (*x509.Certificate, []*x509.Certificate, error) {
	sigs := findSignatures(root, nil)
	switch {
	case len(sigs) == 0:
		return nil, nil, refuse(ErrBadSignature, "the package is not signed: its header has no XML signature")
	case len(sigs) > 1:
		return nil, nil, refuse(ErrMalformed, "the package has %d XML signatures; exactly one is expected", len(sigs))
	}
	sig := sigs[0]
	if p := sig.Parent(); p == nil || p.Tag != headerLocal || p.NamespaceURI() != Namespace || p.Parent() != root {
		return nil, nil, refuse(ErrMalformed, "the XML signature must be in edXMLHeader")
	}
	si := child(sig, dsigNS, signedInfoLocal)
	if si == nil {
		return nil, nil, refuse(ErrMalformed, "the XML signature has no SignedInfo")
	}
	method := child(si, dsigNS, "CanonicalizationMethod")
	if method == nil || method.SelectAttrValue("Algorithm", "") != algExcC14N {
		return nil, nil, refuse(ErrBadSignature, "the XML signature must use exclusive canonicalisation (%s)", algExcC14N)
	}
	alg := algorithm(si, "SignatureMethod")
	if alg != algRSASHA256 && alg != algECDSASHA256 {
		return nil, nil, refuse(ErrBadSignature, "the XML signature uses %q; only RSA-SHA256 and ECDSA-SHA256 are accepted", clip(alg, 80))
	}
	refs, err := readReferences(si)
	if err != nil {
		return nil, nil, err
	}
	leaf, extra, err := readKeyInfo(sig)
	if err != nil {
		return nil, nil, err
	}
	sv := child(sig, dsigNS, "SignatureValue")
	if sv == nil {
		return nil, nil, refuse(ErrMalformed, "the XML signature has no SignatureValue")
	}
	value, err := b64(textOf(sv))
	if err != nil {
		return nil, nil, refuseWith(ErrBadSignature, err, "the XML signature value is not valid base64")
	}
	c14n, err := canonicalInContext(si, inclusivePrefixes(method))
	if err != nil {
		return nil, nil, refuseWith(ErrMalformed, err, "the XML signature cannot be canonicalised")
	}
	if err := checkSignatureValue(alg, leaf, c14n, value); err != nil {
		return nil, nil, refuseWith(ErrBadSignature, err, "the XML signature does not verify with the signer's certificate: the signature was altered or made with another key")
	}
	got, err := envelopedDigest(root, sig, refs.docPrefixes)
	if err != nil {
		return nil, nil, refuseWith(ErrMalformed, err, "the edXML header cannot be canonicalised")
	}
	if !sameDigest(refs.docDigest, got) {
		return nil, nil, refuse(ErrBadSignature, "the XML signature is broken: the edXML header was changed after it was signed")
	}
	for _, a := range atts {
		want, ok := refs.attachments[a.ContentID]
		if !ok {
			return nil, nil, refuse(ErrAttachmentTampered, "attachment %q (%s) is not covered by the signature", clip(a.ContentID, 80), clip(a.Name, 80))
		}
		if !sameDigest(want, digest(a.Data)) {
			return nil, nil, refuse(ErrAttachmentTampered, "attachment %q (%s) was changed after signing: its SHA-256 digest does not match the signed one", clip(a.ContentID, 80), clip(a.Name, 80))
		}
	}
	if len(refs.attachments) != len(atts) {
		return nil, nil, refuse(ErrMalformed, "the signature covers %d attachments but the package carries %d", len(refs.attachments), len(atts))
	}
	return leaf, extra, nil
}

// checkSigner checks that the certificate chains to a trusted root at the
// time given and belongs to the agency the package says it is from.
func checkSigner(leaf *x509.Certificate, extra []*x509.Certificate, from string, opts VerifyOptions) error {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	who := leaf.Subject.CommonName
	if who == "" {
		who = leaf.Subject.String()
	}
	who = clip(who, 120)
	const day = "02/01/2006 15:04:05 -07:00"
	switch {
	case now.Before(leaf.NotBefore):
		return refuse(ErrUntrustedCertificate, "the signing certificate of %q is not valid until %s", who, leaf.NotBefore.In(vntime.Zone).Format(day))
	case now.After(leaf.NotAfter):
		return refuse(ErrUntrustedCertificate, "the signing certificate of %q expired on %s", who, leaf.NotAfter.In(vntime.Zone).Format(day))
	}
	if opts.Roots == nil {
		return refuse(ErrUntrustedCertificate, "no trusted certification authority is configured, so the signature of %q cannot be trusted", who)
	}
	pool := x509.NewCertPool()
	if opts.Intermediates != nil {
		pool = opts.Intermediates.Clone()
	}
	for _, c := range extra {
		pool.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots: opts.Roots, Intermediates: pool, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return refuseWith(ErrUntrustedCertificate, err, "the signing certificate of %q (issued by %q) is not from a trusted certification authority or is no longer valid", who, clip(leaf.Issuer.CommonName, 120))
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return refuse(ErrUntrustedCertificate, "the certificate of %q is not meant for signatures", who)
	}
	if id := OrganizationIdentifier(leaf); id != from {
		if id == "" {
			return refuse(ErrWrongSigner, "the package says it is from agency %s, but it is signed with the certificate of %q, which names no agency identifier", clip(from, 40), who)
		}
		return refuse(ErrWrongSigner, "the package says it is from agency %s, but it is signed with the certificate of agency %s (%q)", clip(from, 40), clip(id, 40), who)
	}
	return nil
}

// textOf is all the character data directly in el, across comments and
// CDATA sections. Reading only the run before a comment, which exclusive
// C14N drops from what is signed, would let a comment cut a signed value
// short: "000.00.00.G0<!---->91" must read as the signed "000.00.00.G091".
// It is spelt out here rather than left to the XML library's Text, whose
// handling of comments has changed between versions.
func textOf(el *etree.Element) string {
	var b strings.Builder
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return b.String()
}

// sameDigest compares two base64 digests by their bytes, so another
// sender's base64 (line breaks, spaces) compares equal to ours.
func sameDigest(signed, computed string) bool {
	a, err := b64(signed)
	if err != nil {
		return false
	}
	b, err := b64(computed)
	return err == nil && len(a) == sha256.Size && bytes.Equal(a, b)
}
