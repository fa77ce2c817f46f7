package pades

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

const opValidation = "pades.ValidationData"

// oidOCSPNoCheck marks an OCSP responder's certificate whose revocation is
// not checked (RFC 6960, 4.2.2.2.1).
var oidOCSPNoCheck = []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// collectValidation gathers the DSS content for certificates that were used
// (the signer's, the timestamp authority's): every certificate of their
// chains, found in pool, and for each one below a root an OCSP response
// and the CRLs that show it was not revoked. A revoked certificate, or one
// for which no status can be had at all, is an error: its signature would
// not validate later, however much data came with it.
func collectValidation(ctx context.Context, src RevocationSource, used, pool []*x509.Certificate, now time.Time) (validationData, error) {
	var vd validationData
	all := uniqueCerts(append(append([]*x509.Certificate{}, used...), pool...))
	for _, c := range all {
		vd.certs = append(vd.certs, c.Raw)
	}
	crlsByIssuer := map[[32]byte][][]byte{}
	checked := map[[32]byte]bool{}
	for _, c := range chainsOf(used, all) {
		key := sha256.Sum256(c.Raw)
		if checked[key] || selfSigned(c) || hasExtension(c, oidOCSPNoCheck) {
			continue
		}
		checked[key] = true
		issuer := issuerOf(c, all)
		if issuer == nil {
			return validationData{}, errs.E(opValidation, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("the certificate chain of %q is incomplete: the certificate of its issuer %q is missing", c.Subject.CommonName, c.Issuer.CommonName))
		}
		found := false

		der, err := src.OCSP(ctx, c, issuer)
		if err != nil {
			return validationData{}, err
		}
		if der != nil {
			resp, err := ocsp.ParseResponseForCert(der, c, issuer)
			if err != nil {
				return validationData{}, errs.E(opValidation, errs.Unavailable, errcode.Unavailable,
					fmt.Sprintf("the OCSP responder for %q answered with a response that cannot be verified", c.Subject.CommonName)).WithCause(err)
			}
			if err := checkOCSP(c, resp, now); err != nil {
				return validationData{}, err
			}
			vd.ocsps = append(vd.ocsps, der)
			if resp.Certificate != nil {
				vd.certs = append(vd.certs, resp.Certificate.Raw)
			}
			found = true
		}

		issuerKey := sha256.Sum256(issuer.Raw)
		crls, cached := crlsByIssuer[issuerKey]
		if !cached {
			if crls, err = src.CRLs(ctx, c, issuer); err != nil {
				return validationData{}, err
			}
			crlsByIssuer[issuerKey] = crls
			vd.crls = append(vd.crls, crls...)
		}
		for _, der := range crls {
			if err := checkCRL(c, issuer, der, now); err != nil {
				return validationData{}, err
			}
			found = true
		}

		if !found {
			return validationData{}, errs.E(opValidation, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("no OCSP responder or CRL is known for the certificate of %q, so a long-term signature cannot show it was not revoked: configure the revocation URLs or use a certificate that names them", c.Subject.CommonName))
		}
	}
	return vd, nil
}

func checkOCSP(c *x509.Certificate, resp *ocsp.Response, now time.Time) error {
	switch resp.Status {
	case ocsp.Good:
	case ocsp.Revoked:
		return revoked(c, resp.RevokedAt)
	default:
		return errs.E(opValidation, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the OCSP responder does not know the certificate of %q (serial %s): it was not issued by the CA that answers, or not yet registered there", c.Subject.CommonName, c.SerialNumber))
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(now) {
		return errs.E(opValidation, errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("the OCSP responder for %q answered with a status that expired at %s", c.Subject.CommonName, resp.NextUpdate.Format(time.RFC3339)))
	}
	return nil
}

func checkCRL(c, issuer *x509.Certificate, der []byte, now time.Time) error {
	crl, err := x509.ParseRevocationList(der)
	if err == nil {
		err = crl.CheckSignatureFrom(issuer)
	}
	if err != nil {
		return errs.E(opValidation, errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("the CRL for %q cannot be verified against its issuer %q", c.Subject.CommonName, issuer.Subject.CommonName)).WithCause(err)
	}
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(now) {
		return errs.E(opValidation, errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("the CRL of %q expired at %s", issuer.Subject.CommonName, crl.NextUpdate.Format(time.RFC3339)))
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return revoked(c, e.RevocationTime)
		}
	}
	return nil
}

func revoked(c *x509.Certificate, at time.Time) error {
	return errs.E(opValidation, errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("the certificate of %q was revoked on %s and cannot make a valid signature: issue a new one", c.Subject.CommonName, at.Format(time.RFC3339))).
		WithDetail("serial", c.SerialNumber.String())
}

// chainsOf lists the certificates used and everything above them in all.
func chainsOf(used, all []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range used {
		for range len(all) + 1 { // a chain cannot be longer than the pool
			out = append(out, c)
			if selfSigned(c) {
				break
			}
			if c = issuerOf(c, all); c == nil {
				break
			}
		}
	}
	return out
}

func issuerOf(c *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, p := range pool {
		if p != c && bytes.Equal(c.RawIssuer, p.RawSubject) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

func hasExtension(c *x509.Certificate, oid []int) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

func uniqueCerts(certs []*x509.Certificate) []*x509.Certificate {
	seen := map[[32]byte]bool{}
	var out []*x509.Certificate
	for _, c := range certs {
		if c == nil {
			continue
		}
		k := sha256.Sum256(c.Raw)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}
