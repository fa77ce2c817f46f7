package svc

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// SigningVerify verifies every signature of a PDF in object storage:
// integrity, coverage, the chain to the
// signing service's trust anchors, validity and revocation at signing time,
// timestamps. A document that is damaged or whose signatures do not hold is
// an answer (Valid false, with reasons), not an error; errors are for
// requests that cannot be answered (no such object, a file over the size
// limit, storage unreachable).
var SigningVerify = Endpoint[VerifyRequest, SignatureReport]{Subject: "docflow.svc.signing.verify"}

// VerifyRequest names the PDF to verify: a stored document or a staged
// upload, in the documents bucket when Object.Bucket is empty. When
// Object.SHA256 is given the bytes read must have it.
type VerifyRequest struct {
	Object events.Object `json:"object"`
	By     events.Actor  `json:"by"`
}

// SignatureReport is the verification report of one PDF; the JSON the
// signing service stores and returns. Reason codes are stable and only
// added to (see the signing service's verify package for their meaning).
type SignatureReport struct {
	// Valid is true when the document is signed, every signature is valid
	// and nothing about the file itself is wrong.
	Valid bool  `json:"valid"`
	Size  int64 `json:"size"`
	// Revisions counts the original and each incremental update.
	Revisions int `json:"revisions"`
	// SignatureFields counts signature fields holding a value; Verified the
	// entries in Signatures. They differ when a field's value is not a
	// signature.
	SignatureFields int                `json:"signature_fields"`
	Verified        int                `json:"verified"`
	Signatures      []SignatureVerdict `json:"signatures"`
	// Problems are findings about the file as a whole (e.g. not_signed,
	// appended_data, truncated, encrypted).
	Problems   []SignatureProblem `json:"problems"`
	VerifiedAt time.Time          `json:"verified_at"`
}

// Signed reports whether the document holds any signature or signature
// field with a value.
func (r SignatureReport) Signed() bool { return r.SignatureFields > 0 || len(r.Signatures) > 0 }

// SignatureProblem is one finding, with a message a person can act on.
type SignatureProblem struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // "error" makes the signature or document invalid; "warning" does not
	Message  string `json:"message"`
}

// SignatureVerdict is the verdict on one signature or document timestamp.
type SignatureVerdict struct {
	Kind            string                `json:"kind"` // "signature" or "document_timestamp"
	Field           string                `json:"field"`
	SubFilter       string                `json:"sub_filter"`
	Level           string                `json:"level"` // B-B, B-T, B-LT, B-LTA, or "none"
	Valid           bool                  `json:"valid"`
	Signer          *SignatureCertificate `json:"signer,omitempty"`
	ClaimedTime     *time.Time            `json:"claimed_time,omitempty"`
	TimestampTime   *time.Time            `json:"timestamp_time,omitempty"`
	ValidationTime  time.Time             `json:"validation_time"`
	TimeSource      string                `json:"time_source"` // "timestamp", "claimed" or "verifier"
	Integrity       SignatureIntegrity    `json:"integrity"`
	Coverage        SignatureCoverage     `json:"coverage"`
	Chain           SignatureChain        `json:"chain"`
	CertValidAtTime bool                  `json:"certificate_valid_at_time"`
	Revocation      SignatureRevocation   `json:"revocation"`
	Timestamp       *SignatureTimestamp   `json:"timestamp,omitempty"`
	// SigningCertificateAttr is "match", "mismatch" or "absent".
	SigningCertificateAttr string             `json:"signing_certificate_attribute"`
	Problems               []SignatureProblem `json:"problems"`
}

// SignatureIntegrity is whether the signed bytes are the ones signed.
type SignatureIntegrity struct {
	DigestAlgorithm   string `json:"digest_algorithm,omitempty"`
	DigestMatches     bool   `json:"digest_matches"`
	SignatureVerifies bool   `json:"signature_verifies"`
}

// SignatureCoverage is which bytes a signature covers and what came after.
type SignatureCoverage struct {
	ByteRange      []int64 `json:"byte_range"`
	WholeRevision  bool    `json:"whole_revision"`
	RevisionEnd    int64   `json:"revision_end"`
	WholeFile      bool    `json:"whole_file"`
	LaterRevisions int     `json:"later_revisions"`
	// LaterChanges is "none", "permitted", "disallowed" or "unknown".
	LaterChanges string            `json:"later_changes"`
	Changes      []SignatureChange `json:"changes,omitempty"`
}

// SignatureChange is one difference between the signed revision and the
// file as it is now.
type SignatureChange struct {
	What      string `json:"what"`
	Object    int64  `json:"object,omitempty"`
	Permitted bool   `json:"permitted"`
	Detail    string `json:"detail"`
}

// SignatureChain is the path from the signer to a trust anchor.
type SignatureChain struct {
	Trusted bool                   `json:"trusted"`
	Path    []SignatureCertificate `json:"path,omitempty"`
}

// SignatureRevocation is the signer certificate's revocation status at the
// validation time, from the data embedded in the file.
type SignatureRevocation struct {
	Status    string     `json:"status"` // "good", "revoked" or "unknown"
	Source    string     `json:"source,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// SignatureTimestamp is an RFC 3161 timestamp token.
type SignatureTimestamp struct {
	Time              time.Time             `json:"time"`
	TSA               *SignatureCertificate `json:"tsa,omitempty"`
	ImprintMatches    bool                  `json:"imprint_matches"`
	SignatureVerifies bool                  `json:"signature_verifies"`
	ChainTrusted      bool                  `json:"chain_trusted"`
	TimeStampingEKU   bool                  `json:"timestamping_eku"`
	Valid             bool                  `json:"valid"`
}

// SignatureCertificate identifies a certificate.
type SignatureCertificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"` // hexadecimal
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA256    string    `json:"sha256"`
}
