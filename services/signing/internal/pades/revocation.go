package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// RevocationSource fetches the validation data B-LT embeds: evidence that a
// certificate was not revoked when it was used.
type RevocationSource interface {
	// OCSP returns a DER OCSP response about cert, issued by issuer, or nil
	// when no OCSP responder is known for it.
	OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
	// CRLs returns the DER CRLs that cover cert, none when no distribution
	// point is known for it.
	CRLs(ctx context.Context, cert, issuer *x509.Certificate) ([][]byte, error)
}

// HTTPRevocation fetches OCSP responses and CRLs over HTTP, from the URLs
// the certificates name (AIA, CRL distribution points) unless configured
// ones replace them.
//
// The replacements exist for a PKI with a single CA whose services moved,
// such as the development one: its certificates are issued once, naming the
// address the services had then, while tests and `docflow dev` run them
// where they are told. With several CAs (a commercial TSA besides the
// agencies' CA), leave them empty.
type HTTPRevocation struct {
	// OCSPURL, when set, is asked about every certificate.
	OCSPURL string
	// CRLURLs, when set, are fetched for every certificate.
	CRLURLs []string
	// Client makes the requests; nil uses a client with a 30-second timeout.
	Client *http.Client
}

var _ RevocationSource = (*HTTPRevocation)(nil)

const (
	maxOCSPResponse = 1 << 20
	// Real CRLs of large CAs run to tens of megabytes.
	maxCRL = 64 << 20
)

func (h *HTTPRevocation) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// OCSP posts an OCSP request (RFC 6960, A.1) for cert.
func (h *HTTPRevocation) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	const op = "pades.OCSP"
	url := h.OCSPURL
	if url == "" && len(cert.OCSPServer) > 0 {
		url = cert.OCSPServer[0]
	}
	if url == "" {
		return nil, nil
	}
	// SHA-1 identifies the certificate in the request (not a signature):
	// it is what every responder understands.
	query, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(query))
	if err != nil {
		return nil, configError(op, "OCSP responder URL", url, err)
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	return h.fetch(ctx, op, "OCSP responder", req, maxOCSPResponse)
}

// CRLs downloads the CRLs of cert's distribution points.
func (h *HTTPRevocation) CRLs(ctx context.Context, cert, _ *x509.Certificate) ([][]byte, error) {
	const op = "pades.CRLs"
	urls := h.CRLURLs
	if len(urls) == 0 {
		urls = cert.CRLDistributionPoints
	}
	var crls [][]byte
	for _, url := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, configError(op, "CRL URL", url, err)
		}
		crl, err := h.fetch(ctx, op, "CRL distribution point", req, maxCRL)
		if err != nil {
			return nil, err
		}
		crls = append(crls, crl)
	}
	return crls, nil
}

func (h *HTTPRevocation) fetch(ctx context.Context, op, what string, req *http.Request, limit int64) ([]byte, error) {
	unavailable := func(cause error) error {
		if ctx.Err() != nil {
			return errs.Wrap(op, ctx.Err())
		}
		return errs.E(op, errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("the %s at %s did not answer, so the signature's validation data cannot be embedded; try again when it is reachable", what, req.URL)).
			WithDetail("url", req.URL.String()).WithCause(cause)
	}
	resp, err := h.client().Do(req)
	if err != nil {
		return nil, unavailable(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, unavailable(fmt.Errorf("HTTP %s", resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, unavailable(err)
	}
	if int64(len(body)) > limit {
		return nil, unavailable(fmt.Errorf("answer larger than %d bytes", limit))
	}
	return body, nil
}

func configError(op, what, url string, cause error) error {
	return errs.E(op, errs.Invalid, errcode.InvalidArgument, fmt.Sprintf("%s %q is not a valid URL", what, url)).
		WithDetail("url", url).WithCause(cause)
}
