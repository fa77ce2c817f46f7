package verifyendpoint_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/docflow/docflow/services/signing/internal/verify"
	"github.com/docflow/docflow/services/signing/internal/verifyendpoint"
)

// The service contract mirrors the verifier's report; a field added to one
// and not the other would silently vanish from the answers.
func TestWireKeepsEveryField(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	cert := &verify.Certificate{Subject: "CN=a", Issuer: "CN=root", Serial: "0a", NotBefore: at, NotAfter: at.Add(time.Hour), SHA256: "ab"}
	problem := verify.Problem{Code: verify.CodeDigestMismatch, Severity: verify.SeverityError, Message: "changed"}
	report := verify.Report{
		Valid: true, Size: 10, Revisions: 3, SignatureFields: 1, Verified: 1, VerifiedAt: at,
		Problems: []verify.Problem{problem},
		Signatures: []verify.Signature{{
			Kind: verify.KindSignature, Field: "Signature1", SubFilter: "ETSI.CAdES.detached", Level: verify.LevelBLT, Valid: true,
			Signer: cert, ClaimedTime: &at, TimestampTime: &at, ValidationTime: at, TimeSource: "timestamp",
			Integrity: verify.Integrity{DigestAlgorithm: "SHA-256", DigestMatches: true, SignatureVerifies: true},
			Coverage: verify.Coverage{ByteRange: []int64{0, 1, 2, 3}, WholeRevision: true, RevisionEnd: 4, WholeFile: true, LaterRevisions: 1,
				LaterChanges: "permitted", Changes: []verify.Change{{What: "dss", Object: 7, Permitted: true, Detail: "d"}}},
			Chain:           verify.Chain{Trusted: true, Path: []verify.Certificate{*cert}},
			CertValidAtTime: true,
			Revocation:      verify.Revocation{Status: "revoked", Source: "dss_ocsp", RevokedAt: &at},
			Timestamp: &verify.Timestamp{Time: at, TSA: cert, ImprintMatches: true, SignatureVerifies: true, ChainTrusted: true,
				TimeStampingEKU: true, Valid: true},
			SigningCertificateAttr: "match",
			Problems:               []verify.Problem{problem},
		}},
	}
	wire, err := verifyendpoint.Wire(report)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(wire)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("contract JSON differs from the report's:\n got %s\nwant %s", got, want)
	}
}
