package verify

import "time"

// Code is a stable, machine-readable reason. Codes are part of the report's
// contract: they are never renamed, only added.
type Code string

// Reasons about the document as a whole.
const (
	CodeEmptyFile         Code = "empty_file"            // the file has no bytes
	CodeNotPDF            Code = "not_pdf"               // no %PDF header in the first 1024 bytes
	CodeMalformedPDF      Code = "malformed_pdf"         // the PDF structure (cross-reference, objects) cannot be read
	CodeTruncated         Code = "truncated"             // the file ends before its last revision is complete
	CodeEncrypted         Code = "encrypted"             // the PDF is encrypted; signatures of encrypted files are not verified
	CodeAppendedData      Code = "appended_data"         // bytes after the last %%EOF that are not a valid incremental update
	CodeNotSigned         Code = "not_signed"            // the document holds no signature
	CodeFieldEmpty        Code = "signature_field_empty" // a signature field has no value (a place for a later signature)
	CodeSignatureMissing  Code = "signature_missing"     // a signature field's value is not a signature dictionary
	CodeSignatureOrphaned Code = "signature_orphaned"    // a signature dictionary that no signature field refers to
	CodeTooComplex        Code = "too_complex"           // the document exceeds the verifier's limits (revisions, objects, decompressed size)
)

// Reasons about one signature.
const (
	CodeUnsupportedSubFilter Code = "unsupported_subfilter"                  // the /SubFilter is not one this verifier checks
	CodeByteRangeInvalid     Code = "byte_range_invalid"                     // /ByteRange is malformed or does not frame exactly /Contents
	CodeCoverageIncomplete   Code = "coverage_incomplete"                    // the signed bytes do not end at the end of a revision
	CodeDisallowedChange     Code = "disallowed_change"                      // a later revision changes what was signed
	CodeCMSMalformed         Code = "cms_malformed"                          // /Contents is not a CMS SignedData (or timestamp token) that can be read
	CodeDigestMismatch       Code = "digest_mismatch"                        // the signed bytes do not have the digest the signature vouches for
	CodeSignatureInvalid     Code = "signature_invalid"                      // the signature value does not verify with the signer's key
	CodeUnsupportedAlgorithm Code = "unsupported_algorithm"                  // a digest or signature algorithm that is unknown or too weak
	CodeSignerCertMissing    Code = "signer_certificate_missing"             // the CMS does not carry the signer's certificate
	CodeESSMissing           Code = "signing_certificate_attribute_missing"  // PAdES requires the ESS signing-certificate(-v2) attribute
	CodeESSMismatch          Code = "signing_certificate_attribute_mismatch" // the ESS attribute names another certificate
	CodeContentTypeMismatch  Code = "content_type_mismatch"                  // the content-type attribute differs from the encapsulated content type
	CodeChainUntrusted       Code = "chain_untrusted"                        // no path from the signer to a configured trust anchor
	CodeChainInvalid         Code = "chain_invalid"                          // a path exists but is not acceptable (usage, constraints)
	CodeCertExpired          Code = "certificate_expired"                    // a certificate of the path had expired at the validation time
	CodeCertNotYetValid      Code = "certificate_not_yet_valid"              // the signer certificate was not yet valid at the validation time
	CodeRevoked              Code = "certificate_revoked"                    // embedded revocation data says the certificate was revoked by then
	CodeRevocationUnknown    Code = "revocation_unknown"                     // no embedded revocation data covers the validation time
	CodeTimestampInvalid     Code = "timestamp_invalid"                      // the timestamp token's signature or structure is not valid
	CodeTimestampImprint     Code = "timestamp_imprint_mismatch"             // the timestamp is over other data than this signature
	CodeTimestampUntrusted   Code = "timestamp_untrusted"                    // the timestamp authority does not chain to a trust anchor
	CodeTimestampEKU         Code = "timestamp_eku_missing"                  // the timestamp authority's certificate lacks the timeStamping usage
	CodeSigningTimeFuture    Code = "signing_time_in_future"                 // the signing time is later than the verifier's clock
	CodeSigningTimeAttr      Code = "cms_signing_time_present"               // PAdES baseline forbids the CMS signing-time attribute
	CodeLevelInsufficient    Code = "level_insufficient"                     // the signature is below the level the policy requires
)

// Severity says whether a problem makes the document invalid.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"   // the signature (or document) is not valid
	SeverityWarning Severity = "warning" // worth showing; does not change the verdict
)

// Problem is one finding, with a message a person can act on.
type Problem struct {
	Code     Code     `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// Level is a PAdES baseline level, as detected from what the signature carries.
type Level string

// The levels. LevelNone is a signature that is not PAdES (adbe.pkcs7.detached).
const (
	LevelNone Level = "none"
	LevelBB   Level = "B-B"
	LevelBT   Level = "B-T"
	LevelBLT  Level = "B-LT"
	LevelBLTA Level = "B-LTA"
)

func (l Level) rank() int {
	switch l {
	case LevelBB:
		return 1
	case LevelBT:
		return 2
	case LevelBLT:
		return 3
	case LevelBLTA:
		return 4
	}
	return 0
}

// Kind tells signatures from document timestamps.
type Kind string

// Kinds of entries in a report.
const (
	KindSignature         Kind = "signature"
	KindDocumentTimestamp Kind = "document_timestamp"
)

// Report is the outcome of verifying one PDF. Its JSON form is what the
// service stores next to an archived document and returns to callers.
type Report struct {
	// Valid is true when the document is signed, every signature is valid
	// and nothing about the file itself is wrong.
	Valid bool `json:"valid"`
	// Size is the file size in bytes.
	Size int64 `json:"size"`
	// Revisions counts the file's revisions (the original and each
	// incremental update).
	Revisions int `json:"revisions"`
	// SignatureFields counts the signature fields that hold a value (/FT
	// /Sig with /V); Verified counts the entries in Signatures. They differ
	// when a field's value is not a signature.
	SignatureFields int `json:"signature_fields"`
	Verified        int `json:"verified"`
	// Signatures holds one entry per signature and document timestamp, in
	// the order they were added to the file.
	Signatures []Signature `json:"signatures"`
	// Problems are findings about the file as a whole.
	Problems []Problem `json:"problems"`
	// VerifiedAt is the verifier's clock when the report was made.
	VerifiedAt time.Time `json:"verified_at"`
}

// Signature is the verdict on one signature or document timestamp.
type Signature struct {
	Kind      Kind   `json:"kind"`
	Field     string `json:"field"`      // fully qualified field name
	SubFilter string `json:"sub_filter"` // e.g. ETSI.CAdES.detached
	Level     Level  `json:"level"`      // detected PAdES level; "none" for document timestamps and non-PAdES
	Valid     bool   `json:"valid"`
	// Signer is the signing certificate (the TSA's for a document timestamp).
	Signer *Certificate `json:"signer,omitempty"`
	// ClaimedTime is the signature dictionary's /M: what the signer's
	// computer said, vouched for by nobody else.
	ClaimedTime *time.Time `json:"claimed_time,omitempty"`
	// TimestampTime is the time in a valid signature timestamp (or the
	// document timestamp itself).
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	// ValidationTime is when the certificate's validity and revocation were
	// judged, and TimeSource where that time came from: "timestamp",
	// "claimed" (/M) or "verifier" (the verifier's clock).
	ValidationTime time.Time `json:"validation_time"`
	TimeSource     string    `json:"time_source"`
	Integrity      Integrity `json:"integrity"`
	Coverage       Coverage  `json:"coverage"`
	Chain          Chain     `json:"chain"`
	// CertValidAtTime is whether the signer certificate was within its
	// validity period at ValidationTime.
	CertValidAtTime bool       `json:"certificate_valid_at_time"`
	Revocation      Revocation `json:"revocation"`
	// Timestamp is the signature timestamp (B-T and above), or the token of a
	// document timestamp.
	Timestamp *Timestamp `json:"timestamp,omitempty"`
	// SigningCertificateAttr is "match", "mismatch" or "absent": whether the
	// ESS signing-certificate(-v2) attribute names the signer certificate.
	SigningCertificateAttr string    `json:"signing_certificate_attribute"`
	Problems               []Problem `json:"problems"`
}

// Integrity is whether the signed bytes are the ones that were signed.
type Integrity struct {
	DigestAlgorithm string `json:"digest_algorithm,omitempty"`
	// DigestMatches: the digest of the /ByteRange bytes equals the CMS
	// message-digest attribute (or the timestamp's message imprint).
	DigestMatches bool `json:"digest_matches"`
	// SignatureVerifies: the signature value verifies over the signed
	// attributes with the signer's public key.
	SignatureVerifies bool `json:"signature_verifies"`
}

// Coverage is which bytes the signature covers and what came after.
type Coverage struct {
	ByteRange []int64 `json:"byte_range"`
	// WholeRevision: the signed bytes run from the start of the file to the
	// end (%%EOF) of a revision, leaving out only /Contents.
	WholeRevision bool `json:"whole_revision"`
	// RevisionEnd is the offset where the signed revision ends.
	RevisionEnd int64 `json:"revision_end"`
	// WholeFile: nothing was added to the file after this signature.
	WholeFile bool `json:"whole_file"`
	// LaterRevisions counts the incremental updates after the signed one.
	LaterRevisions int `json:"later_revisions"`
	// LaterChanges is "none", "permitted", "disallowed" or "unknown" (the
	// document was too complex to compare).
	LaterChanges string   `json:"later_changes"`
	Changes      []Change `json:"changes,omitempty"`
}

// Change is one difference between the signed revision and the file as it
// is now.
type Change struct {
	// What is one of: signature, document_timestamp, dss, form_fill,
	// annotation, metadata, catalog, page, object_changed, object_deleted.
	What      string `json:"what"`
	Object    int64  `json:"object,omitempty"`
	Permitted bool   `json:"permitted"`
	Detail    string `json:"detail"`
}

// Chain is the certification path from the signer to a trust anchor.
type Chain struct {
	Trusted bool          `json:"trusted"`
	Path    []Certificate `json:"path,omitempty"` // signer first, anchor last
}

// Revocation is the signer certificate's revocation status at the
// validation time, from the data embedded in the file.
type Revocation struct {
	// Status is "good", "revoked" or "unknown".
	Status string `json:"status"`
	// Source is where the answer came from: "dss_ocsp", "dss_crl",
	// "cms_ocsp", "cms_crl", or empty when there is none.
	Source    string     `json:"source,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Timestamp is an RFC 3161 timestamp token.
type Timestamp struct {
	Time time.Time    `json:"time"`
	TSA  *Certificate `json:"tsa,omitempty"`
	// ImprintMatches: the token is over this signature's value (or, for a
	// document timestamp, over the signed bytes).
	ImprintMatches    bool `json:"imprint_matches"`
	SignatureVerifies bool `json:"signature_verifies"`
	ChainTrusted      bool `json:"chain_trusted"`
	TimeStampingEKU   bool `json:"timestamping_eku"`
	Valid             bool `json:"valid"`
}

// Certificate identifies a certificate for people and machines.
type Certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"` // hexadecimal
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// SHA256 is the fingerprint of the DER certificate, hexadecimal.
	SHA256 string `json:"sha256"`
}
