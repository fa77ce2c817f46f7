package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	_ "crypto/sha256" // registers SHA-224/256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384/512 for crypto.Hash.New
)

// Object identifiers of CMS (RFC 5652), ESS (RFC 5035), RFC 3161 and PAdES.
var (
	oidSignedData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidData                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidTSTInfo             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidAttrContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCert     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSigningCertV2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrTimestampToken  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAttrAdbeRevocation  = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	oidRevInfoOCSPResponse = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSA         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidRSASHA1     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidRSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSASHA224   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidECPublic    = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSASHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
)

func hashForOID(oid asn1.ObjectIdentifier) (crypto.Hash, string, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, "SHA-1", true
	case oid.Equal(oidSHA224):
		return crypto.SHA224, "SHA-224", true
	case oid.Equal(oidSHA256):
		return crypto.SHA256, "SHA-256", true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, "SHA-384", true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, "SHA-512", true
	}
	return 0, oid.String(), false
}

// signedData is the part of a CMS SignedData a verifier reads.
type signedData struct {
	contentType asn1.ObjectIdentifier
	content     []byte // encapsulated content; empty when detached
	certs       []*x509.Certificate
	crls        [][]byte // DER CertificateList
	ocsps       [][]byte // DER OCSPResponse (RFC 5940 other revocation info)
	signers     []signerInfo
}

type signerInfo struct {
	sidIssuerSerial *issuerSerial
	sidKeyID        []byte
	digestAlg       asn1.ObjectIdentifier
	signedAttrsRaw  []byte // the [0] IMPLICIT element as encoded
	signedAttrs     []attribute
	sigAlg          pkix.AlgorithmIdentifier
	signature       []byte
	unsignedAttrs   []attribute
}

type issuerSerial struct {
	issuer []byte // DER Name
	serial *big.Int
}

type attribute struct {
	oid    asn1.ObjectIdentifier
	values [][]byte // each value as a complete DER element
}

var (
	tagCtx0C = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagCtx1C = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagCtx0  = cbasn1.Tag(0).ContextSpecific()
)

// parseCMS reads a DER ContentInfo holding SignedData, or a BER one such
// as NSS writes (rewritten as DER first). Bytes after the ContentInfo (the
// zero padding of /Contents) are ignored.
func parseCMS(der []byte) (*signedData, error) {
	in := cryptobyte.String(der)
	var ci, content, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) {
		converted, err := berToDER(der)
		if err != nil {
			return nil, errors.New("not a DER or BER ContentInfo")
		}
		in = cryptobyte.String(converted)
		if !in.ReadASN1(&ci, cbasn1.SEQUENCE) {
			return nil, errors.New("not a DER or BER ContentInfo")
		}
	}
	if !ci.ReadASN1ObjectIdentifier(&ct) || !ct.Equal(oidSignedData) {
		return nil, errors.New("content type is not SignedData")
	}
	if !ci.ReadASN1(&content, tagCtx0C) || !content.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed SignedData")
	}
	out := &signedData{}
	var version int64
	var encap cryptobyte.String
	if !sd.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!sd.SkipASN1(cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) ||
		!encap.ReadASN1ObjectIdentifier(&out.contentType) {
		return nil, errors.New("malformed SignedData header")
	}
	var eContent cryptobyte.String
	var hasContent bool
	if !encap.ReadOptionalASN1(&eContent, &hasContent, tagCtx0C) {
		return nil, errors.New("malformed encapsulated content")
	}
	if hasContent {
		var octets cryptobyte.String
		if !eContent.ReadASN1(&octets, cbasn1.OCTET_STRING) {
			return nil, errors.New("encapsulated content is not an OCTET STRING")
		}
		out.content = octets
	}
	// An absent certificate set (or revocation information, below) reads
	// as empty.
	var certs cryptobyte.String
	if !sd.ReadOptionalASN1(&certs, nil, tagCtx0C) {
		return nil, errors.New("malformed certificate set")
	}
	if !eachElement(certs, func(elem cryptobyte.String, tag cbasn1.Tag) {
		if tag != cbasn1.SEQUENCE {
			return // attribute certificates and others are not used
		}
		// An unreadable extra certificate does not matter unless it is the
		// signer's.
		if c, err := x509.ParseCertificate(elem); err == nil {
			out.certs = append(out.certs, c)
		}
	}) {
		return nil, errors.New("malformed certificate set")
	}
	var crls cryptobyte.String
	if !sd.ReadOptionalASN1(&crls, nil, tagCtx1C) {
		return nil, errors.New("malformed revocation information")
	}
	if !eachElement(crls, func(elem cryptobyte.String, tag cbasn1.Tag) {
		switch tag {
		case cbasn1.SEQUENCE:
			out.crls = append(out.crls, elem)
		case tagCtx1C:
			// OtherRevocationInfoFormat: format OID, then the value.
			var other cryptobyte.String
			var format asn1.ObjectIdentifier
			var value cryptobyte.String
			var vtag cbasn1.Tag
			if elem.ReadASN1(&other, tagCtx1C) && other.ReadASN1ObjectIdentifier(&format) &&
				format.Equal(oidRevInfoOCSPResponse) && other.ReadAnyASN1Element(&value, &vtag) {
				out.ocsps = append(out.ocsps, value)
			}
		}
	}) {
		return nil, errors.New("malformed revocation information")
	}
	var infos cryptobyte.String
	if !sd.ReadASN1(&infos, cbasn1.SET) {
		return nil, errors.New("no signer infos")
	}
	for !infos.Empty() {
		var si cryptobyte.String
		if !infos.ReadASN1(&si, cbasn1.SEQUENCE) {
			return nil, errors.New("malformed signer info")
		}
		s, err := parseSignerInfo(si)
		if err != nil {
			return nil, err
		}
		out.signers = append(out.signers, s)
	}
	if len(out.signers) == 0 {
		return nil, errors.New("no signer infos")
	}
	return out, nil
}

func parseSignerInfo(si cryptobyte.String) (signerInfo, error) {
	var s signerInfo
	var version int64
	var sid cryptobyte.String
	var sidTag cbasn1.Tag
	if !si.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || !si.ReadAnyASN1Element(&sid, &sidTag) {
		return s, errors.New("malformed signer identifier")
	}
	switch sidTag {
	case cbasn1.SEQUENCE:
		var body, name cryptobyte.String
		serial := new(big.Int)
		if !sid.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Element(&name, cbasn1.SEQUENCE) || !body.ReadASN1Integer(serial) {
			return s, errors.New("malformed issuer and serial number")
		}
		s.sidIssuerSerial = &issuerSerial{issuer: name, serial: serial}
	case tagCtx0:
		var keyID cryptobyte.String
		if !sid.ReadASN1(&keyID, tagCtx0) {
			return s, errors.New("malformed subject key identifier")
		}
		s.sidKeyID = keyID
	default:
		return s, errors.New("unknown signer identifier")
	}
	var digAlg cryptobyte.String
	if !si.ReadASN1(&digAlg, cbasn1.SEQUENCE) || !digAlg.ReadASN1ObjectIdentifier(&s.digestAlg) {
		return s, errors.New("malformed digest algorithm")
	}
	if si.PeekASN1Tag(tagCtx0C) {
		var attrs cryptobyte.String
		if !si.ReadASN1Element(&attrs, tagCtx0C) {
			return s, errors.New("malformed signed attributes")
		}
		s.signedAttrsRaw = attrs
		var body cryptobyte.String
		if !attrs.ReadASN1(&body, tagCtx0C) {
			return s, errors.New("malformed signed attributes")
		}
		var err error
		if s.signedAttrs, err = parseAttributes(body); err != nil {
			return s, err
		}
	}
	var sigAlg cryptobyte.String
	if !si.ReadASN1Element(&sigAlg, cbasn1.SEQUENCE) {
		return s, errors.New("malformed signature algorithm")
	}
	if rest, err := asn1.Unmarshal(sigAlg, &s.sigAlg); err != nil || len(rest) > 0 {
		return s, errors.New("malformed signature algorithm")
	}
	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return s, errors.New("malformed signature value")
	}
	s.signature = sig
	var unsigned cryptobyte.String
	var hasUnsigned bool
	if !si.ReadOptionalASN1(&unsigned, &hasUnsigned, tagCtx1C) {
		return s, errors.New("malformed unsigned attributes")
	}
	if hasUnsigned {
		var err error
		if s.unsignedAttrs, err = parseAttributes(unsigned); err != nil {
			return s, err
		}
	}
	return s, nil
}

// eachElement calls f with each element of body, the contents of a SET OF
// or SEQUENCE OF, and its tag; it reports false when body does not parse
// as elements (f has seen those before the damage).
func eachElement(body cryptobyte.String, f func(elem cryptobyte.String, tag cbasn1.Tag)) bool {
	for !body.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !body.ReadAnyASN1Element(&elem, &tag) {
			return false
		}
		f(elem, tag)
	}
	return true
}

func parseAttributes(body cryptobyte.String) ([]attribute, error) {
	var out []attribute
	for !body.Empty() {
		var a, set cryptobyte.String
		var at attribute
		if !body.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&at.oid) || !a.ReadASN1(&set, cbasn1.SET) {
			return nil, errors.New("malformed attribute")
		}
		if !eachElement(set, func(v cryptobyte.String, _ cbasn1.Tag) { at.values = append(at.values, v) }) {
			return nil, errors.New("malformed attribute value")
		}
		out = append(out, at)
	}
	return out, nil
}

// attr returns the single value of attribute oid; ok is false when it is
// absent, and err set when it occurs more than once or with several values.
func attr(attrs []attribute, oid asn1.ObjectIdentifier) ([]byte, bool, error) {
	var found []byte
	n := 0
	for _, a := range attrs {
		if a.oid.Equal(oid) {
			n++
			if len(a.values) != 1 {
				return nil, true, fmt.Errorf("attribute %s has %d values", oid, len(a.values))
			}
			found = a.values[0]
		}
	}
	if n > 1 {
		return nil, true, fmt.Errorf("attribute %s occurs %d times", oid, n)
	}
	return found, n == 1, nil
}

// signerCert finds the signer's certificate among certs.
func (s *signerInfo) signerCert(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if s.sidIssuerSerial != nil {
			if bytes.Equal(c.RawIssuer, s.sidIssuerSerial.issuer) && c.SerialNumber.Cmp(s.sidIssuerSerial.serial) == 0 {
				return c
			}
		} else if len(s.sidKeyID) > 0 && bytes.Equal(c.SubjectKeyId, s.sidKeyID) {
			return c
		}
	}
	return nil
}

// checkResult is the outcome of checking one signer info against content.
type checkResult struct {
	digestAlg     string
	digestMatches bool
	sigVerifies   bool
	problems      []Problem
}

// check verifies the signer info over content (the detached or
// encapsulated data), using the signer certificate's key.
func (s *signerInfo) check(content []byte, contentType asn1.ObjectIdentifier, cert *x509.Certificate) checkResult {
	var r checkResult
	h, name, ok := hashForOID(s.digestAlg)
	r.digestAlg = name
	if !ok {
		r.problems = append(r.problems, errProblem(CodeUnsupportedAlgorithm, "the signature uses the digest algorithm %s, which this verifier does not know", name))
		return r
	}
	if h == crypto.SHA1 {
		r.problems = append(r.problems, errProblem(CodeUnsupportedAlgorithm, "the signature uses SHA-1, which is no longer accepted for signatures; the document must be signed again"))
		return r
	}
	sum := digest(h, content)
	signed := content
	if s.signedAttrsRaw != nil {
		md, present, err := attr(s.signedAttrs, oidAttrMessageDigest)
		var octets []byte
		if err == nil && present {
			if rest, uerr := asn1.Unmarshal(md, &octets); uerr != nil || len(rest) > 0 {
				err = errors.New("message-digest attribute is not an OCTET STRING")
			}
		}
		switch {
		case err != nil:
			r.problems = append(r.problems, errProblem(CodeCMSMalformed, "the signature's message-digest attribute is malformed: %v", err))
		case !present:
			r.problems = append(r.problems, errProblem(CodeCMSMalformed, "the signature has signed attributes but no message-digest attribute"))
		case !bytes.Equal(octets, sum):
			r.problems = append(r.problems, errProblem(CodeDigestMismatch, "the signed bytes were changed after signing: their %s digest differs from the one in the signature", name))
		default:
			r.digestMatches = true
		}
		if raw, present, err := attr(s.signedAttrs, oidAttrContentType); err != nil || !present {
			r.problems = append(r.problems, errProblem(CodeCMSMalformed, "the signature has signed attributes but no single content-type attribute"))
		} else {
			var ct asn1.ObjectIdentifier
			if rest, err := asn1.Unmarshal(raw, &ct); err != nil || len(rest) > 0 || !ct.Equal(contentType) {
				r.problems = append(r.problems, errProblem(CodeContentTypeMismatch, "the content-type attribute does not match the signed content type %s", contentType))
			}
		}
		// The signature is over the DER SET OF the attributes: the same
		// bytes as encoded, with the universal SET tag.
		signed = append([]byte{0x31}, s.signedAttrsRaw[1:]...)
	} else {
		// Without signed attributes the signature is directly over the
		// content; the digest check is the signature check.
		r.digestMatches = true
	}
	if err := checkSignature(cert.PublicKey, s.sigAlg, h, signed, s.signature); err != nil {
		if errors.Is(err, errUnsupportedAlg) {
			r.problems = append(r.problems, errProblem(CodeUnsupportedAlgorithm, "%v", err))
		} else {
			r.problems = append(r.problems, errProblem(CodeSignatureInvalid, "the signature value does not verify with the key of %s: the signature was altered or made with another key", cert.Subject.CommonName))
		}
		return r
	}
	r.sigVerifies = true
	return r
}

var errUnsupportedAlg = errors.New("unsupported signature algorithm")

func digest(h crypto.Hash, parts ...[]byte) []byte {
	w := h.New()
	for _, p := range parts {
		w.Write(p)
	}
	return w.Sum(nil)
}

func checkSignature(pub any, alg pkix.AlgorithmIdentifier, h crypto.Hash, signed, sig []byte) error {
	oid := alg.Algorithm
	switch key := pub.(type) {
	case *rsa.PublicKey:
		switch {
		case oid.Equal(oidRSAPSS):
			return rsa.VerifyPSS(key, h, digest(h, signed), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h})
		case oid.Equal(oidRSA), oid.Equal(oidRSASHA256), oid.Equal(oidRSASHA384), oid.Equal(oidRSASHA512), oid.Equal(oidRSASHA224), oid.Equal(oidRSASHA1):
			return rsa.VerifyPKCS1v15(key, h, digest(h, signed), sig)
		}
	case *ecdsa.PublicKey:
		switch {
		case oid.Equal(oidECPublic), oid.Equal(oidECDSASHA256), oid.Equal(oidECDSASHA384), oid.Equal(oidECDSASHA512), oid.Equal(oidECDSASHA224), oid.Equal(oidECDSASHA1):
			if !ecdsa.VerifyASN1(key, digest(h, signed), sig) {
				return errors.New("ECDSA verification failed")
			}
			return nil
		}
	case ed25519.PublicKey:
		if oid.Equal(oidEd25519) {
			if !ed25519.Verify(key, signed, sig) {
				return errors.New("Ed25519 verification failed")
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s with a %T key", errUnsupportedAlg, oid, pub)
}

// essCheck compares the ESS signing-certificate(-v2) attribute with cert:
// "match", "mismatch" or "absent".
func essCheck(attrs []attribute, cert *x509.Certificate) string {
	if raw, ok, err := attr(attrs, oidAttrSigningCertV2); ok {
		if err != nil {
			return "mismatch"
		}
		return essV2Matches(raw, cert)
	}
	if raw, ok, err := attr(attrs, oidAttrSigningCert); ok {
		if err != nil {
			return "mismatch"
		}
		return essV1Matches(raw, cert)
	}
	return "absent"
}

// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, … }
// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
// The first ESSCertIDv2 identifies the signing certificate.
func essV2Matches(raw []byte, cert *x509.Certificate) string {
	in := cryptobyte.String(raw)
	var scv2, certs, id cryptobyte.String
	if !in.ReadASN1(&scv2, cbasn1.SEQUENCE) || !scv2.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return "mismatch"
	}
	h := crypto.SHA256
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
			return "mismatch"
		}
		var ok bool
		if h, _, ok = hashForOID(oid); !ok {
			return "mismatch"
		}
	}
	var sum cryptobyte.String
	if !id.ReadASN1(&sum, cbasn1.OCTET_STRING) || !bytes.Equal(sum, digest(h, cert.Raw)) {
		return "mismatch"
	}
	return "match"
}

// SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, … }
// ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial OPTIONAL }
func essV1Matches(raw []byte, cert *x509.Certificate) string {
	in := cryptobyte.String(raw)
	var sc, certs, id, sum cryptobyte.String
	if !in.ReadASN1(&sc, cbasn1.SEQUENCE) || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&id, cbasn1.SEQUENCE) ||
		!id.ReadASN1(&sum, cbasn1.OCTET_STRING) || !bytes.Equal(sum, digest(crypto.SHA1, cert.Raw)) {
		return "mismatch"
	}
	return "match"
}

// signingTimeAttr returns the CMS signing-time attribute, if present.
func signingTimeAttr(attrs []attribute) (time.Time, bool) {
	raw, ok, err := attr(attrs, oidAttrSigningTime)
	if !ok || err != nil {
		return time.Time{}, false
	}
	var t time.Time
	if rest, err := asn1.Unmarshal(raw, &t); err != nil || len(rest) > 0 {
		return time.Time{}, false
	}
	return t, true
}

// adbeRevocation reads Adobe's revocationInfoArchival signed attribute:
// SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL,
// ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, … }
func adbeRevocation(attrs []attribute) (crls, ocsps [][]byte) {
	raw, ok, err := attr(attrs, oidAttrAdbeRevocation)
	if !ok || err != nil {
		return nil, nil
	}
	in := cryptobyte.String(raw)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil, nil
	}
	for !seq.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&elem, &tag) {
			return crls, ocsps
		}
		var list cryptobyte.String
		if !elem.ReadASN1(&list, cbasn1.SEQUENCE) {
			continue
		}
		// A damaged list keeps the entries read before the damage.
		eachElement(list, func(item cryptobyte.String, _ cbasn1.Tag) {
			switch tag {
			case tagCtx0C:
				crls = append(crls, item)
			case tagCtx1C:
				ocsps = append(ocsps, item)
			}
		})
	}
	return crls, ocsps
}
