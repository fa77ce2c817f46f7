package verify

import svc "github.com/docflow/docflow/api/svc/v1"

// Report is the outcome of verifying one PDF. It is the service contract's
// svc.SignatureReport: Verify produces what the signing service stores next
// to a document and returns to callers, so nothing stands between the
// verdict and the answer. Its entries are in the order the signatures were
// added to the file.
type Report = svc.SignatureReport

// Signature is the verdict on one signature or document timestamp. Its
// ValidationTime is when the certificate was judged, and TimeSource where
// that time came from: "timestamp", "claimed" (/M) or "verifier".
type Signature = svc.SignatureVerdict

// Problem is one finding, with a message a person can act on.
type Problem = svc.SignatureProblem

// Integrity is whether the signed bytes are the ones that were signed.
type Integrity = svc.SignatureIntegrity

// Coverage is which bytes a signature covers and what came after; its
// LaterChanges is "none", "permitted", "disallowed" or "unknown" (the
// document was too complex to compare).
type Coverage = svc.SignatureCoverage

// Change is one difference between the signed revision and the file as it
// is now.
type Change = svc.SignatureChange

// Chain is the certification path from the signer to a trust anchor.
type Chain = svc.SignatureChain

// Revocation is the signer certificate's status at the validation time,
// from the data embedded in the file; Source is where the answer came from:
// "dss_ocsp", "dss_crl", "cms_ocsp" or "cms_crl".
type Revocation = svc.SignatureRevocation

// Timestamp is an RFC 3161 timestamp token.
type Timestamp = svc.SignatureTimestamp

// Certificate identifies a certificate for people and machines.
type Certificate = svc.SignatureCertificate

// Problem codes are stable, machine-readable reasons, part of the report's
// contract: never renamed, only added. These are about the document as a
// whole.
const (
	CodeEmptyFile         = "empty_file"            // the file has no bytes
	CodeNotPDF            = "not_pdf"               // no %PDF header in the first 1024 bytes
	CodeMalformedPDF      = "malformed_pdf"         // the PDF structure (cross-reference, objects) cannot be read
	CodeTruncated         = "truncated"             // the file ends before its last revision is complete
	CodeEncrypted         = "encrypted"             // the PDF is encrypted; signatures of encrypted files are not verified
	CodeAppendedData      = "appended_data"         // bytes after the last %%EOF that are not a valid incremental update
	CodeNotSigned         = "not_signed"            // the document holds no signature
	CodeFieldEmpty        = "signature_field_empty" // a signature field has no value (a place for a later signature)
	CodeSignatureMissing  = "signature_missing"     // a signature field's value is not a signature dictionary
	CodeSignatureOrphaned = "signature_orphaned"    // a signature dictionary that no signature field refers to
	CodeTooComplex        = "too_complex"           // the document exceeds the verifier's limits (revisions, objects, decompressed size)
)

// Reasons about one signature.
const (
	CodeUnsupportedSubFilter = "unsupported_subfilter"                  // the /SubFilter is not one this verifier checks
	CodeByteRangeInvalid     = "byte_range_invalid"                     // /ByteRange is malformed or does not frame exactly /Contents
	CodeCoverageIncomplete   = "coverage_incomplete"                    // the signed bytes do not end at the end of a revision
	CodeDisallowedChange     = "disallowed_change"                      // a later revision changes what was signed
	CodeCMSMalformed         = "cms_malformed"                          // /Contents is not a CMS SignedData (or timestamp token) that can be read
	CodeDigestMismatch       = "digest_mismatch"                        // the signed bytes do not have the digest the signature vouches for
	CodeSignatureInvalid     = "signature_invalid"                      // the signature value does not verify with the signer's key
	CodeUnsupportedAlgorithm = "unsupported_algorithm"                  // a digest or signature algorithm that is unknown or too weak
	CodeSignerCertMissing    = "signer_certificate_missing"             // the CMS does not carry the signer's certificate
	CodeESSMissing           = "signing_certificate_attribute_missing"  // PAdES requires the ESS signing-certificate(-v2) attribute
	CodeESSMismatch          = "signing_certificate_attribute_mismatch" // the ESS attribute names another certificate
	CodeContentTypeMismatch  = "content_type_mismatch"                  // the content-type attribute differs from the encapsulated content type
	CodeChainUntrusted       = "chain_untrusted"                        // no path from the signer to a configured trust anchor
	CodeChainInvalid         = "chain_invalid"                          // a path exists but is not acceptable (usage, constraints)
	CodeCertExpired          = "certificate_expired"                    // a certificate of the path had expired at the validation time
	CodeCertNotYetValid      = "certificate_not_yet_valid"              // the signer certificate was not yet valid at the validation time
	CodeRevoked              = "certificate_revoked"                    // embedded revocation data says the certificate was revoked by then
	CodeRevocationUnknown    = "revocation_unknown"                     // no embedded revocation data covers the validation time
	CodeTimestampInvalid     = "timestamp_invalid"                      // the timestamp token's signature or structure is not valid
	CodeTimestampImprint     = "timestamp_imprint_mismatch"             // the timestamp is over other data than this signature
	CodeTimestampUntrusted   = "timestamp_untrusted"                    // the timestamp authority does not chain to a trust anchor
	CodeTimestampEKU         = "timestamp_eku_missing"                  // the timestamp authority's certificate lacks the timeStamping usage
	CodeSigningTimeFuture    = "signing_time_in_future"                 // the signing time is later than the verifier's clock
	CodeSigningTimeAttr      = "cms_signing_time_present"               // PAdES baseline forbids the CMS signing-time attribute
	CodeLevelInsufficient    = "level_insufficient"                     // the signature is below the level the policy requires
)

// Severities: whether a problem makes the document invalid.
const (
	SeverityError   = "error"   // the signature (or document) is not valid
	SeverityWarning = "warning" // worth showing; does not change the verdict
)

// PAdES baseline levels, as detected from what a signature carries.
// LevelNone is a signature that is not PAdES (adbe.pkcs7.detached).
const (
	LevelNone = "none"
	LevelBB   = "B-B"
	LevelBT   = "B-T"
	LevelBLT  = "B-LT"
	LevelBLTA = "B-LTA"
)

func rank(level string) int {
	switch level {
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

// Kinds of entries in a report: signatures and document timestamps.
const (
	KindSignature         = "signature"
	KindDocumentTimestamp = "document_timestamp"
)
