package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"golang.org/x/crypto/ocsp"
)

// buildChain finds a path from leaf to a trust anchor, valid at t, for the
// given usage. Certificates in pool may serve as intermediates.
func (v *verifier) buildChain(leaf *x509.Certificate, pool []*x509.Certificate, t time.Time, usage x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	for _, c := range pool {
		if !bytes.Equal(c.Raw, leaf.Raw) {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		CurrentTime:   t,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	if err != nil {
		return nil, err
	}
	return chains[0], nil
}

// chainProblem turns a path-building error into a reason.
func chainProblem(err error, leaf *x509.Certificate, t time.Time) Problem {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return errProblem(CodeChainUntrusted, "the signer certificate of %s does not chain to a trusted root (issuer: %s)", leaf.Subject.CommonName, leaf.Issuer.CommonName)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if t.Before(leaf.NotBefore) {
			return errProblem(CodeCertNotYetValid, "the certificate of %s was not yet valid at %s (valid from %s)", leaf.Subject.CommonName, t.Format(time.RFC3339), leaf.NotBefore.Format(time.RFC3339))
		}
		return errProblem(CodeCertExpired, "a certificate of the path of %s was not valid at %s: %v", leaf.Subject.CommonName, t.Format(time.RFC3339), err)
	}
	return errProblem(CodeChainInvalid, "the certificate path of %s is not acceptable: %v", leaf.Subject.CommonName, err)
}

func describe(c *x509.Certificate) *Certificate {
	sum := sha256.Sum256(c.Raw)
	return &Certificate{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		Serial:    hex.EncodeToString(c.SerialNumber.Bytes()),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		SHA256:    hex.EncodeToString(sum[:]),
	}
}

// revocationData is the revocation information found in the file.
type revocationData struct {
	ocsps []sourced
	crls  []sourced
}

type sourced struct {
	der    []byte
	source string
}

// findIssuer returns the certificate that issued c among pool.
func findIssuer(c *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, p := range pool {
		if bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

// revocationStatus judges whether cert (issued by issuer) was revoked at t
// from the embedded data: "revoked" wins over "good", which wins over
// "unknown".
func revocationStatus(cert, issuer *x509.Certificate, data revocationData, t time.Time) Revocation {
	best := Revocation{Status: "unknown"}
	if issuer == nil {
		return best
	}
	for _, o := range data.ocsps {
		r, err := ocsp.ParseResponseForCert(o.der, cert, issuer)
		if err != nil {
			continue
		}
		// A delegated responder must be authorised for OCSP signing by the
		// issuer; the library checked that the issuer certified it.
		if r.Certificate != nil && !bytes.Equal(r.Certificate.Raw, issuer.Raw) &&
			!slices.Contains(r.Certificate.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			continue
		}
		switch r.Status {
		case ocsp.Revoked:
			if !r.RevokedAt.After(t) {
				at := r.RevokedAt.UTC()
				return Revocation{Status: "revoked", Source: o.source, RevokedAt: &at}
			}
			best = Revocation{Status: "good", Source: o.source}
		case ocsp.Good:
			if best.Status == "unknown" && covers(r.ThisUpdate, r.NextUpdate, t) {
				best = Revocation{Status: "good", Source: o.source}
			}
		}
	}
	for _, c := range data.crls {
		crl, err := x509.ParseRevocationList(c.der)
		if err != nil || !bytes.Equal(crl.RawIssuer, issuer.RawSubject) || crl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		revoked := false
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				revoked = true
				if !e.RevocationTime.After(t) {
					at := e.RevocationTime.UTC()
					return Revocation{Status: "revoked", Source: c.source, RevokedAt: &at}
				}
			}
		}
		if best.Status == "unknown" && (revoked || covers(crl.ThisUpdate, crl.NextUpdate, t)) {
			best = Revocation{Status: "good", Source: c.source}
		}
	}
	return best
}

// covers reports whether status issued at thisUpdate (valid until
// nextUpdate) speaks for time t. Status issued after t covers it: a
// revocation is never undone, so "good" later means "good" then.
func covers(thisUpdate, nextUpdate, t time.Time) bool {
	if !thisUpdate.Before(t) {
		return true
	}
	return !nextUpdate.IsZero() && !nextUpdate.Before(t)
}
