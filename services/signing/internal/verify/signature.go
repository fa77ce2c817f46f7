package verify

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"time"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// The checks of one signature or document timestamp, in the order they
// build on each other: where the signed bytes are and what they cover, what
// later revisions changed, then the CMS or timestamp token, the signer's
// path, and revocation at the validation time.

// signature verifies one signature or document timestamp dictionary.
func (v *verifier) signature(field string, ref pdfread.Ref, isRef bool, sd pdfread.Dict) Signature {
	s := Signature{
		Kind:                   KindSignature,
		Field:                  field,
		SubFilter:              string(pdfread.AsName(sd["SubFilter"])),
		Level:                  LevelNone,
		TimeSource:             "verifier",
		ValidationTime:         v.now,
		SigningCertificateAttr: "absent",
		Revocation:             Revocation{Status: "unknown"},
		Problems:               []Problem{},
	}
	if pdfread.AsName(sd["Type"]) == "DocTimeStamp" || s.SubFilter == "ETSI.RFC3161" {
		s.Kind = KindDocumentTimestamp
	}
	if m, ok := pdfread.AsString(sd["M"]); ok {
		if t, ok := parseDate(decodeText(m)); ok {
			s.ClaimedTime = &t
		}
	}
	v.check(&s, sd, ref, isRef)
	s.Valid = !hasError(s.Problems)
	return s
}

func (v *verifier) check(s *Signature, sd pdfread.Dict, ref pdfread.Ref, isRef bool) {
	parts, contents, p, ok := v.byteRange(sd, ref, isRef, s)
	if !ok {
		s.Problems = append(s.Problems, p)
		return
	}
	v.coverage(s)

	switch s.SubFilter {
	case "ETSI.RFC3161":
		v.documentTimestamp(s, contents, parts)
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
		v.cmsSignature(s, contents, parts)
	default:
		s.Problems = append(s.Problems, errProblem(CodeUnsupportedSubFilter,
			"the signature format /SubFilter /%s is not supported; PAdES signatures use ETSI.CAdES.detached", clip(s.SubFilter)))
	}
}

// byteRange checks that /ByteRange runs from the start of the file to the
// end of a revision around exactly the /Contents string, and returns the
// signed bytes and the decoded /Contents.
func (v *verifier) byteRange(sd pdfread.Dict, ref pdfread.Ref, isRef bool, s *Signature) ([][]byte, []byte, Problem, bool) {
	arr := pdfread.AsArray(sd["ByteRange"])
	var br [4]int64
	valid := len(arr) == 4
	for i := 0; valid && i < 4; i++ {
		br[i], valid = pdfread.AsInt(arr[i])
	}
	size := int64(len(v.data))
	if !valid || br[0] != 0 || br[1] <= 0 || br[2] < br[1]+2 || br[3] < 0 || br[2] > size || br[3] > size-br[2] {
		return nil, nil, errProblem(CodeByteRangeInvalid,
			"the signature's /ByteRange is malformed or points outside the file: the signed bytes cannot be located"), false
	}
	s.Coverage.ByteRange = br[:]
	a, b, c, d := int(br[0]), int(br[1]), int(br[2]), int(br[3])
	contents, _ := pdfread.AsString(sd["Contents"])
	gap := v.data[b:c]
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, nil, errProblem(CodeByteRangeInvalid,
			"the bytes left out of the signature are not the /Contents string: something besides the signature value is unsigned"), false
	}
	hex, err := pdfread.ParseHexString(gap)
	if err != nil || !bytes.Equal(hex, contents) {
		return nil, nil, errProblem(CodeByteRangeInvalid,
			"the bytes left out of the signature are not this signature's /Contents: the signature was moved or another one put in its place"), false
	}
	// The dictionary itself must be among the signed bytes, or its entries
	// (/M, /Reason, /ByteRange) could be changed freely.
	e, found := v.doc.Final.Xref[ref.Num]
	if !isRef || !found || e.Kind != pdfread.InFile || e.Off >= br[1] {
		return nil, nil, errProblem(CodeByteRangeInvalid,
			"the signature dictionary is not inside the bytes it signs: its entries are not protected by the signature"), false
	}
	return [][]byte{v.data[a : a+b], v.data[c : c+d]}, contents, Problem{}, true
}

// coverage fills in which revision the signature covers and judges what
// the later revisions changed.
func (v *verifier) coverage(s *Signature) {
	end := s.Coverage.ByteRange[2] + s.Coverage.ByteRange[3]
	s.Coverage.RevisionEnd = end
	s.Coverage.WholeRevision = v.doc.IsRevisionEnd(end)
	if !s.Coverage.WholeRevision {
		s.Problems = append(s.Problems, errProblem(CodeCoverageIncomplete,
			"the signature covers %d bytes, which do not end at the end of a revision (%%%%EOF): part of the document it belongs to is not signed", end))
		s.Coverage.LaterChanges = "none"
		return
	}
	for _, sec := range v.doc.Sections {
		if sec.EndNoEOL > end {
			s.Coverage.LaterRevisions++
		}
	}
	s.Coverage.WholeFile = s.Coverage.LaterRevisions == 0
	if s.Coverage.WholeFile {
		s.Coverage.LaterChanges = "none"
		return
	}
	cs, ok := v.changes[end]
	if !ok {
		// Each comparison walks both revisions' cross-reference entries.
		cost := 2 * int64(len(v.doc.Final.Xref))
		if v.work += cost; v.work > maxWork {
			s.Problems = append(s.Problems, errProblem(CodeTooComplex,
				"the document has too many revisions and objects to judge what changed after this signature"))
			s.Coverage.LaterChanges = "unknown"
			return
		}
		cs = changesSince(v.doc.ViewAt(end), v.doc.Final)
		v.changes[end] = cs
	}
	s.Coverage.Changes = cs.list
	s.Coverage.LaterChanges = "permitted"
	if cs.disallowed {
		s.Coverage.LaterChanges = "disallowed"
		detail := "a later revision changes what was signed"
		for _, c := range cs.list {
			if !c.Permitted {
				detail = c.Detail
				break
			}
		}
		s.Problems = append(s.Problems, errProblem(CodeDisallowedChange,
			"the document was changed after this signature in a way a signature does not permit: %s", detail))
	}
}

// cmsSignature verifies a CMS (PKCS#7 or CAdES) detached signature over parts.
func (v *verifier) cmsSignature(s *Signature, contents []byte, parts [][]byte) {
	pades := s.SubFilter == "ETSI.CAdES.detached"
	if pades {
		s.Level = LevelBB
	}
	sd, err := parseCMS(contents)
	if err != nil {
		s.Problems = append(s.Problems, errProblem(CodeCMSMalformed, "the signature value (/Contents) is not a readable CMS signature: %v", err))
		return
	}
	if len(sd.signers) != 1 || !sd.contentType.Equal(oidData) || sd.content != nil {
		s.Problems = append(s.Problems, errProblem(CodeCMSMalformed,
			"the signature value must be a detached CMS signature of data with exactly one signer"))
		return
	}
	si := &sd.signers[0]
	pool := slices.Concat(sd.certs, v.dssCerts)
	cert := si.signerCert(pool)
	if cert == nil {
		s.Problems = append(s.Problems, errProblem(CodeSignerCertMissing,
			"the signature does not carry the signer's certificate, and the document's validation data does not either"))
		return
	}
	s.Signer = describe(cert)

	res := si.check(bytes.Join(parts, nil), oidData, cert)
	s.Integrity = Integrity{DigestAlgorithm: res.digestAlg, DigestMatches: res.digestMatches, SignatureVerifies: res.sigVerifies}
	s.Problems = append(s.Problems, res.problems...)

	s.SigningCertificateAttr = essCheck(si.signedAttrs, cert)
	switch {
	case s.SigningCertificateAttr == "mismatch":
		s.Problems = append(s.Problems, errProblem(CodeESSMismatch,
			"the signing-certificate attribute names another certificate than the one that signed: the certificate was substituted"))
	case s.SigningCertificateAttr == "absent" && pades:
		s.Problems = append(s.Problems, errProblem(CodeESSMissing,
			"the PAdES signature lacks the signing-certificate-v2 attribute that binds it to its certificate"))
	}
	cmsTime, hasCMSTime := signingTimeAttr(si.signedAttrs)
	if hasCMSTime && pades {
		s.Problems = append(s.Problems, warnProblem(CodeSigningTimeAttr,
			"the CMS carries a signing-time attribute, which PAdES baseline signatures must not have (the time belongs in /M)"))
	}

	// The time at which the certificate is judged.
	switch {
	case s.ClaimedTime != nil:
		s.ValidationTime, s.TimeSource = *s.ClaimedTime, "claimed"
	case hasCMSTime:
		s.ValidationTime, s.TimeSource = cmsTime, "claimed"
	}
	if s.TimeSource == "claimed" && s.ValidationTime.After(v.now.Add(clockSkew)) {
		s.Problems = append(s.Problems, warnProblem(CodeSigningTimeFuture,
			"the signer's computer claims a signing time (%s) later than now", s.ValidationTime.Format(time.RFC3339)))
	}
	if token, ok, err := attr(si.unsignedAttrs, oidAttrTimestampToken); ok {
		if pades {
			s.Level = LevelBT
		}
		if err != nil {
			s.Timestamp = &Timestamp{}
			s.Problems = append(s.Problems, errProblem(CodeTimestampInvalid, "the signature timestamp attribute is malformed: %v", err))
		} else {
			ts, _, probs := v.checkTimestamp(token, [][]byte{si.signature}, v.dssCerts)
			s.Timestamp = ts
			s.Problems = append(s.Problems, probs...)
			if ts.Valid {
				t := ts.Time
				s.TimestampTime = &t
				s.ValidationTime, s.TimeSource = t, "timestamp"
			}
		}
	}

	path := v.certificate(s, cert, pool, x509.ExtKeyUsageAny)

	crls, ocsps := adbeRevocation(si.signedAttrs)
	rev := revocationData{ocsps: slices.Clone(v.dssRev.ocsps), crls: slices.Clone(v.dssRev.crls)}
	for _, o := range slices.Concat(ocsps, sd.ocsps) {
		rev.ocsps = append(rev.ocsps, sourced{der: o, source: "cms_ocsp"})
	}
	for _, c := range slices.Concat(crls, sd.crls) {
		rev.crls = append(rev.crls, sourced{der: c, source: "cms_crl"})
	}
	v.revocation(s, cert, path, pool, rev)
	if s.Level == LevelBT && s.Timestamp != nil && s.Timestamp.Valid &&
		(s.Revocation.Source == "dss_ocsp" || s.Revocation.Source == "dss_crl") {
		s.Level = LevelBLT
	}
	if want := v.opts.MinLevel; want != "" && rank(s.Level) < rank(want) {
		s.Problems = append(s.Problems, errProblem(CodeLevelInsufficient,
			"the signature is %s; the policy requires at least %s", s.Level, want))
	}
}

// certificate builds the signer's path at the validation time and records
// the verdict; it returns the path (nil when there is none).
func (v *verifier) certificate(s *Signature, cert *x509.Certificate, pool []*x509.Certificate, usage x509.ExtKeyUsage) []*x509.Certificate {
	t := s.ValidationTime
	s.CertValidAtTime = !t.Before(cert.NotBefore) && !t.After(cert.NotAfter)
	path, err := v.buildChain(cert, pool, t, usage)
	if err != nil {
		s.Problems = append(s.Problems, chainProblem(err, cert, t))
		// Is there a path at all, whatever the time? Then the anchor is
		// trusted and only the time is wrong.
		var invalid x509.CertificateInvalidError
		if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
			at := t
			if at.Before(cert.NotBefore) {
				at = cert.NotBefore
			}
			if at.After(cert.NotAfter) {
				at = cert.NotAfter
			}
			path, _ = v.buildChain(cert, pool, at, usage)
		}
	}
	s.Chain.Trusted = err == nil
	for _, c := range path {
		s.Chain.Path = append(s.Chain.Path, *describe(c))
	}
	return path
}

func (v *verifier) revocation(s *Signature, cert *x509.Certificate, path, pool []*x509.Certificate, rev revocationData) {
	var issuer *x509.Certificate
	if len(path) > 1 {
		issuer = path[1]
	} else {
		issuer = findIssuer(cert, pool)
	}
	s.Revocation = revocationStatus(cert, issuer, rev, s.ValidationTime)
	switch s.Revocation.Status {
	case "revoked":
		s.Problems = append(s.Problems, errProblem(CodeRevoked,
			"the certificate of %s was revoked on %s, before the signing time %s", cert.Subject.CommonName,
			s.Revocation.RevokedAt.Format(time.RFC3339), s.ValidationTime.Format(time.RFC3339)))
	case "unknown":
		p := warnProblem(CodeRevocationUnknown,
			"the document carries no revocation data (OCSP or CRL) for the certificate of %s at the signing time", cert.Subject.CommonName)
		if v.opts.RequireRevocation {
			p.Severity = SeverityError
		}
		s.Problems = append(s.Problems, p)
	}
}

// documentTimestamp verifies a document timestamp (ETSI.RFC3161).
func (v *verifier) documentTimestamp(s *Signature, contents []byte, parts [][]byte) {
	ts, chain, probs := v.checkTimestamp(contents, parts, v.dssCerts)
	s.Timestamp = ts
	for _, c := range chain {
		s.Chain.Path = append(s.Chain.Path, *describe(c))
	}
	s.Problems = append(s.Problems, probs...)
	s.Signer = ts.TSA
	s.Integrity = Integrity{DigestMatches: ts.ImprintMatches, SignatureVerifies: ts.SignatureVerifies}
	s.Chain.Trusted = ts.ChainTrusted
	if !ts.Time.IsZero() {
		t := ts.Time
		s.TimestampTime = &t
		s.ValidationTime, s.TimeSource = t, "timestamp"
	}
	s.CertValidAtTime = ts.ChainTrusted
	s.SigningCertificateAttr = ""
	s.Revocation = Revocation{Status: "unknown"}
}
