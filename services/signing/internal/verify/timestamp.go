package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// tstInfo is the part of an RFC 3161 TSTInfo a verifier reads.
type tstInfo struct {
	hash    crypto.Hash
	imprint []byte
	genTime time.Time
}

// TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber,
// genTime GeneralizedTime, … }
func parseTSTInfo(der []byte) (tstInfo, error) {
	var t tstInfo
	in := cryptobyte.String(der)
	var seq, mi, alg, hashed cryptobyte.String
	var version int64
	var policy, halg asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!seq.ReadASN1ObjectIdentifier(&policy) ||
		!seq.ReadASN1(&mi, cbasn1.SEQUENCE) ||
		!mi.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&halg) ||
		!mi.ReadASN1(&hashed, cbasn1.OCTET_STRING) ||
		!seq.SkipASN1(cbasn1.INTEGER) {
		return t, errors.New("malformed TSTInfo")
	}
	var gt cryptobyte.String
	if !seq.ReadASN1Element(&gt, cbasn1.GeneralizedTime) {
		return t, errors.New("TSTInfo has no genTime")
	}
	// encoding/asn1 accepts the fractional seconds TSAs commonly emit.
	if rest, err := asn1.Unmarshal(gt, &t.genTime); err != nil || len(rest) > 0 {
		return t, errors.New("TSTInfo genTime is malformed")
	}
	h, _, ok := hashForOID(halg)
	if !ok || h == crypto.SHA1 {
		return t, errors.New("TSTInfo message imprint uses an unsupported hash algorithm")
	}
	t.hash = h
	t.imprint = hashed
	return t, nil
}

// checkTimestamp verifies an RFC 3161 timestamp token whose imprint must be
// over imprinted. extra holds certificates found elsewhere in the file (DSS).
func (v *verifier) checkTimestamp(token []byte, imprinted [][]byte, extra []*x509.Certificate) (*Timestamp, []*x509.Certificate, []Problem) {
	ts := &Timestamp{}
	sd, err := parseCMS(token)
	if err != nil {
		return ts, nil, []Problem{errProblem(CodeTimestampInvalid, "the timestamp token cannot be read: %v", err)}
	}
	if !sd.contentType.Equal(oidTSTInfo) || len(sd.signers) != 1 {
		return ts, nil, []Problem{errProblem(CodeTimestampInvalid, "the timestamp token is not an RFC 3161 token with one signer")}
	}
	info, err := parseTSTInfo(sd.content)
	if err != nil {
		return ts, nil, []Problem{errProblem(CodeTimestampInvalid, "the timestamp token cannot be read: %v", err)}
	}
	ts.Time = info.genTime
	var problems []Problem
	ts.ImprintMatches = bytes.Equal(info.imprint, digest(info.hash, imprinted...))
	if !ts.ImprintMatches {
		problems = append(problems, errProblem(CodeTimestampImprint, "the timestamp was issued for other data than this signature"))
	}

	si := &sd.signers[0]
	pool := slices.Concat(sd.certs, extra)
	tsa := si.signerCert(pool)
	if tsa == nil {
		return ts, nil, append(problems, errProblem(CodeTimestampInvalid, "the timestamp token does not carry its authority's certificate, nor does the document"))
	}
	ts.TSA = describe(tsa)
	res := si.check(sd.content, oidTSTInfo, tsa)
	ts.SignatureVerifies = res.digestMatches && res.sigVerifies
	if !ts.SignatureVerifies {
		problems = append(problems, errProblem(CodeTimestampInvalid, "the timestamp authority's signature on the token does not verify"))
	}
	if s := essCheck(si.signedAttrs, tsa); s == "mismatch" {
		problems = append(problems, errProblem(CodeTimestampInvalid, "the timestamp token's signing-certificate attribute names another certificate"))
	}

	ts.TimeStampingEKU = slices.Contains(tsa.ExtKeyUsage, x509.ExtKeyUsageTimeStamping)
	if !ts.TimeStampingEKU {
		problems = append(problems, errProblem(CodeTimestampEKU, "the timestamp authority's certificate (%s) is not issued for timestamping", tsa.Subject.CommonName))
	}
	chain, cerr := v.buildChain(tsa, pool, info.genTime, x509.ExtKeyUsageTimeStamping)
	ts.ChainTrusted = cerr == nil && len(chain) > 0
	if !ts.ChainTrusted {
		problems = append(problems, errProblem(CodeTimestampUntrusted, "the timestamp authority %s is not trusted at %s: %v", tsa.Subject.CommonName, info.genTime.Format(time.RFC3339), cerr))
	}
	if info.genTime.After(v.now.Add(clockSkew)) {
		problems = append(problems, errProblem(CodeTimestampInvalid, "the timestamp claims a time (%s) later than the verifier's clock", info.genTime.Format(time.RFC3339)))
	}
	ts.Valid = len(problems) == 0
	return ts, chain, problems
}
