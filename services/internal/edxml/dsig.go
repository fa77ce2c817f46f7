package edxml

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// The XML-DSig identifiers used (W3C xmldsig-core1, RFC 6931).
const (
	dsigNS          = "http://www.w3.org/2000/09/xmldsig#"
	algExcC14N      = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algEnveloped    = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algSHA256       = "http://www.w3.org/2001/04/xmlenc#sha256"
	algRSASHA256    = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algECDSASHA256  = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	cidScheme       = "cid:"
	maxChainInKey   = 8
	signatureLocal  = "Signature"
	envelopeLocal   = "edXMLEnvelope"
	headerLocal     = "edXMLHeader"
	bodyLocal       = "edXMLBody"
	signedInfoLocal = "SignedInfo"
)

// Signer is the sending agency's organisation key and certificate chain.
// Chain[0] is the key's own certificate, which must carry the agency's
// identifier as organizationIdentifier (2.5.4.97); the rest, if any, are
// intermediates sent along for the receiver to build the path.
type Signer struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// digest is a SHA-256 as XML-DSig writes it.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func dsEl(parent *etree.Element, tag string) *etree.Element { return parent.CreateElement(tag) }

func dsAlg(parent *etree.Element, tag, alg string) {
	dsEl(parent, tag).CreateAttr("Algorithm", alg)
}

// signatureSkeleton appends an empty Signature to header: everything but
// the values, so the document can be indented before the digests are
// taken and the whitespace around the signature is the one verified.
func signatureSkeleton(header *etree.Element, alg string, atts []Attachment, chain []*x509.Certificate) *etree.Element {
	sig := header.CreateElement(signatureLocal)
	sig.CreateAttr("xmlns", dsigNS)
	si := dsEl(sig, signedInfoLocal)
	dsAlg(si, "CanonicalizationMethod", algExcC14N)
	dsAlg(si, "SignatureMethod", alg)
	ref := dsEl(si, "Reference")
	ref.CreateAttr("URI", "")
	tr := dsEl(ref, "Transforms")
	dsAlg(tr, "Transform", algEnveloped)
	dsAlg(tr, "Transform", algExcC14N)
	dsAlg(ref, "DigestMethod", algSHA256)
	dsEl(ref, "DigestValue")
	for _, a := range atts {
		r := dsEl(si, "Reference")
		r.CreateAttr("URI", cidScheme+a.ContentID)
		dsAlg(r, "DigestMethod", algSHA256)
		dsEl(r, "DigestValue").SetText(digest(a.Data))
	}
	dsEl(sig, "SignatureValue")
	x := dsEl(dsEl(sig, "KeyInfo"), "X509Data")
	dsEl(x, "X509SubjectName").SetText(chain[0].Subject.String())
	for _, c := range chain {
		dsEl(x, "X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}
	return sig
}

// sign fills the skeleton's digest and signature values. The document
// must not change after this.
func sign(doc *etree.Document, sig *etree.Element, s Signer) error {
	docDigest, err := envelopedDigest(doc.Root(), sig, "")
	if err != nil {
		return err
	}
	si := sig.SelectElement(signedInfoLocal)
	si.SelectElement("Reference").SelectElement("DigestValue").SetText(docDigest)
	c14n, err := canonicalInContext(si, "")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(c14n)
	raw, err := s.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("sign with the organisation key: %w", err)
	}
	if pub, ok := s.Key.Public().(*ecdsa.PublicKey); ok {
		// crypto.Signer gives ASN.1; XML-DSig wants r||s (RFC 4050, 6931).
		if raw, err = ecdsaRawSignature(raw, pub); err != nil {
			return err
		}
	}
	sig.SelectElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(raw))
	return nil
}

// envelopedDigest is the digest of the document without the Signature
// element (the enveloped-signature transform) in exclusive C14N.
func envelopedDigest(root, sig *etree.Element, prefixes string) (string, error) {
	parent := sig.Parent()
	at := sig.Index()
	parent.RemoveChildAt(at)
	c14n, err := canonical(root.Copy(), prefixes)
	parent.InsertChildAt(at, sig)
	if err != nil {
		return "", err
	}
	return digest(c14n), nil
}

func canonical(el *etree.Element, prefixes string) ([]byte, error) {
	b, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes).Canonicalize(el)
	if err != nil {
		return nil, fmt.Errorf("canonicalise: %w", err)
	}
	return b, nil
}

// canonicalInContext canonicalises el as it stands in its document: the
// namespaces declared on its ancestors are brought onto a detached copy,
// and exclusive C14N keeps those it uses.
func canonicalInContext(el *etree.Element, prefixes string) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, fmt.Errorf("namespaces: %w", err)
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, fmt.Errorf("namespaces: %w", err)
	}
	return canonical(detached, prefixes)
}

func ecdsaRawSignature(der []byte, pub *ecdsa.PublicKey) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, fmt.Errorf("ECDSA signature from the key is not ASN.1: %w", err)
	}
	n := (pub.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*n)
	rs.R.FillBytes(out[:n])
	rs.S.FillBytes(out[n:])
	return out, nil
}

// checkSignatureValue verifies sigValue over the canonical SignedInfo with
// the certificate's key, for the algorithm SignedInfo names.
func checkSignatureValue(alg string, cert *x509.Certificate, signedInfo, sigValue []byte) error {
	sum := sha256.Sum256(signedInfo)
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if alg != algRSASHA256 {
			return fmt.Errorf("the certificate has an RSA key but the signature says %s", alg)
		}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sigValue)
	case *ecdsa.PublicKey:
		if alg != algECDSASHA256 {
			return fmt.Errorf("the certificate has an ECDSA key but the signature says %s", alg)
		}
		n := (pub.Curve.Params().BitSize + 7) / 8
		if len(sigValue) != 2*n {
			return fmt.Errorf("an ECDSA signature value of %d bytes, want %d (r||s)", len(sigValue), 2*n)
		}
		r := new(big.Int).SetBytes(sigValue[:n])
		s := new(big.Int).SetBytes(sigValue[n:])
		if !ecdsa.Verify(pub, sum[:], r, s) {
			return fmt.Errorf("ECDSA verification failed")
		}
		return nil
	default:
		return fmt.Errorf("the certificate's key type %T is not supported", cert.PublicKey)
	}
}
