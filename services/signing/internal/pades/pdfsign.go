package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pdfsign"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

const opSign = "pades.Sign"

// PDFSign is the Signer backed by github.com/digitorus/pdfsign. It has no
// clock of its own to inject: the library stamps /M with the system clock,
// and SignedAt must agree with it.
type PDFSign struct{}

var _ Signer = (*PDFSign)(nil)

// NewPDFSign returns the pdfsign-backed Signer.
func NewPDFSign() *PDFSign { return &PDFSign{} }

// Sign adds an approval signature (not a certification signature, which
// would forbid the number and the organisation seal that follow) at
// req.Level:
//
//   - B-B: the CAdES signature alone;
//   - B-T: with a signature timestamp from the first of req.TSAURLs that
//     grants one;
//   - B-LT: B-T, then an incremental update adding the document security
//     store (DSS) with the certificates, OCSP responses and CRLs of the
//     signer's and the timestamp authority's chains;
//   - B-LTA: B-LT, then a document timestamp (ETSI.RFC3161) over the whole
//     file, and the timestamp authority's validation data when the DSS
//     lacks it.
//
// The whole result is assembled in memory and written to out only once
// every step has succeeded.
func (s *PDFSign) Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, req Request) (Signature, error) {
	if err := ctx.Err(); err != nil {
		return Signature{}, errs.Wrap(opSign, err)
	}
	if err := checkRequest(req); err != nil {
		return Signature{}, err
	}
	if err := checkHeader(in, size); err != nil {
		return Signature{}, err
	}

	name := req.SignerName
	if name == "" {
		name = req.Cert.Subject.CommonName
	}
	result := Signature{Level: req.Level, SubFilter: SubFilterCAdES, SignerName: name}

	var relay *tsaRelay
	if req.Level.timestamped() {
		var err error
		if relay, err = startRelay(ctx, req.TSAURLs, req.HTTPClient); err != nil {
			return Signature{}, fmt.Errorf("%s: %w", opSign, err)
		}
		defer relay.stop()
	}

	if req.Appearance != nil && len(req.Appearance.Texts) > 0 {
		var err error
		if in, size, err = withPageTexts(in, size, req.Appearance.Texts); err != nil {
			return Signature{}, err
		}
	}
	result.SignedAt = time.Now()
	pdf, err := sign(ctx, in, size, req, name, relay)
	if err != nil {
		return Signature{}, err
	}
	var tsaCerts []*x509.Certificate
	if relay != nil {
		ts := relay.take()
		if ts == nil {
			return Signature{}, fmt.Errorf("%s: the PDF library signed without asking for a timestamp", opSign)
		}
		result.Timestamped = ts.Time
		tsaCerts = ts.Certificates
	}

	if req.Level.longTerm() {
		if pdf, err = addValidationData(ctx, pdf, req, append([]*x509.Certificate{req.Cert}, tsaCerts...)); err != nil {
			return Signature{}, err
		}
	}
	if req.Level == LevelBLTA {
		if pdf, err = timestampDocument(ctx, pdf, relay); err != nil {
			return Signature{}, err
		}
		ts := relay.take()
		if ts == nil {
			return Signature{}, fmt.Errorf("%s: the PDF library made the document timestamp without asking for one", opSign)
		}
		result.DocumentTimestamped = ts.Time
		// Another authority than the signature's may have made the document
		// timestamp; only its validation data is missing then. Adding a DSS
		// for nothing new would leave the document timestamp short of the
		// end of the file.
		covered := append(append([]*x509.Certificate{req.Cert}, tsaCerts...), req.Chain...)
		var fresh []*x509.Certificate
		for _, c := range ts.Certificates {
			if !slices.ContainsFunc(covered, c.Equal) {
				fresh = append(fresh, c)
			}
		}
		if len(fresh) > 0 {
			if pdf, err = addValidationData(ctx, pdf, req, fresh); err != nil {
				return Signature{}, err
			}
		}
	}

	n, err := out.Write(pdf)
	if err != nil {
		return Signature{}, fmt.Errorf("%s: write signed PDF: %w", opSign, err)
	}
	result.Size = int64(n)
	return result, nil
}

// withPageTexts is in followed by the revision writing texts on its pages.
// It is a revision of its own, just before the signature's, because the
// PDF library writes only its own objects into the signature's revision;
// the signature covers it all the same, so the texts cannot be changed
// without breaking the signature that came with them.
func withPageTexts(in io.ReaderAt, size int64, texts []PageText) (io.ReaderAt, int64, error) {
	pdf := make([]byte, size)
	if _, err := in.ReadAt(pdf, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, fmt.Errorf("%s: read the PDF: %w", opSign, err)
	}
	update, err := appendPageTexts(pdf, texts)
	if err != nil {
		return nil, 0, errs.E(opSign, errs.Invalid, errcode.MalformedPDF,
			"the number and date cannot be written on the PDF: "+err.Error()).WithCause(err)
	}
	pdf = append(pdf, update...)
	return bytes.NewReader(pdf), int64(len(pdf)), nil
}

// sign makes the CAdES signature with pdfsign, timestamped through relay
// unless it is nil.
func sign(ctx context.Context, in io.ReaderAt, size int64, req Request, name string, relay *tsaRelay) ([]byte, error) {
	var out bytes.Buffer
	err := runPDFSign(ctx, relay, func(ctx context.Context) error {
		doc, err := pdfsign.Open(in, size)
		if err != nil {
			return err
		}
		b := doc.Sign(req.Key, req.Cert, req.Chain...).
			Type(pdfsign.ApprovalSignature).
			Format(pdfsign.PAdES_B_B).
			SignerName(name).
			Reason(req.Reason).
			Location(req.Location).
			Context(ctx)
		if relay != nil {
			b.Format(pdfsign.PAdES_B_T).Timestamp(relay.url)
		}
		if err := withAppearance(b, doc, req.Appearance); err != nil {
			return err
		}
		_, err = doc.Write(&out)
		return err
	})
	return out.Bytes(), err
}

// timestampDocument adds a document timestamp over the whole of pdf.
func timestampDocument(ctx context.Context, pdf []byte, relay *tsaRelay) ([]byte, error) {
	var out bytes.Buffer
	err := runPDFSign(ctx, relay, func(ctx context.Context) error {
		doc, err := pdfsign.Open(bytes.NewReader(pdf), int64(len(pdf)))
		if err != nil {
			return err
		}
		doc.Timestamp(relay.url).Context(ctx)
		_, err = doc.Write(&out)
		return err
	})
	return out.Bytes(), err
}

// addValidationData appends a DSS update for the certificates used, unless
// the DSS already holds all of it.
func addValidationData(ctx context.Context, pdf []byte, req Request, used []*x509.Certificate) ([]byte, error) {
	vd, err := collectValidation(ctx, req.Revocation, used, req.Chain, time.Now())
	if err != nil {
		return nil, err
	}
	update, err := appendDSS(pdf, vd)
	if err != nil {
		return nil, malformed(err)
	}
	return append(pdf, update...), nil
}

// runPDFSign runs the library. A failure to get a timestamp is reported as
// such, naming every authority tried; any other failure is the document's.
// A panic inside the library (which a crafted PDF can provoke in a parser)
// becomes an error about the document too, because one bad upload must not
// take the service down.
func runPDFSign(ctx context.Context, relay *tsaRelay, run func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = malformed(fmt.Errorf("PDF library failed: %v", r))
		}
	}()
	if relay != nil {
		// With a deadline of its own, pdfsign leaves the timing of the
		// timestamp requests to the relay, which may try several
		// authorities in turn.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, relay.budget)
		defer cancel()
	}
	err = run(ctx)
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return errs.Wrap(opSign, ctxErr)
	}
	if relay != nil {
		if failed, tried := relay.failed(); failed {
			return errs.E(opSign, errs.Unavailable, errcode.Unavailable,
				"no timestamp authority issued a timestamp, so the signature cannot have a trusted time; tried "+tried).
				WithDetail("tsa_urls", strings.Join(relay.urls, " ")).WithCause(err)
		}
	}
	// The key (a PKCS#11 token, a remote signing service) classifies its
	// own failures: a lost token session or a refusal on the signer's phone
	// says nothing about the document, and calling it malformed would make
	// the person resubmit a sound PDF.
	var classified *errs.Error
	if errors.As(err, &classified) {
		return errs.Wrap(opSign, err)
	}
	return malformed(err)
}

func malformed(cause error) error {
	return errs.E(opSign, errs.Invalid, errcode.MalformedPDF,
		"the PDF cannot be signed because its structure is damaged or unsupported; save it again as PDF and resubmit it").
		WithCause(cause)
}

func checkRequest(req Request) error {
	var problems []string
	if req.Key == nil {
		problems = append(problems, "no private key")
	}
	if req.Cert == nil {
		problems = append(problems, "no certificate")
	}
	if req.Level.timestamped() {
		if len(req.TSAURLs) == 0 {
			problems = append(problems, fmt.Sprintf("PAdES %s needs a timestamp authority and none is configured", req.Level))
		}
		for _, u := range req.TSAURLs {
			if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				problems = append(problems, fmt.Sprintf("timestamp authority URL %q is not an http(s) URL", u))
			}
		}
	}
	if req.Level.longTerm() && req.Revocation == nil {
		problems = append(problems, fmt.Sprintf("PAdES %s needs a source of OCSP responses and CRLs and none is configured", req.Level))
	}
	if req.Level == "" {
		problems = append(problems, "no PAdES level given")
	} else if !req.Level.Available() {
		problems = append(problems, fmt.Sprintf("unknown PAdES level %q: use one of B-B, B-T, B-LT, B-LTA", req.Level))
	}
	if len(problems) > 0 {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
			"cannot sign: "+strings.Join(problems, "; "))
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := req.Key.Public().(equaler); !ok || !pub.Equal(req.Cert.PublicKey) {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
			"cannot sign: the private key does not belong to the certificate "+req.Cert.Subject.CommonName)
	}
	return nil
}

// checkHeader refuses input that is not a PDF at all before the library
// tries to parse it, so the caller gets the precise reason.
func checkHeader(in io.ReaderAt, size int64) error {
	head := make([]byte, min(size, 1024))
	n, err := in.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: read PDF header: %w", opSign, err)
	}
	head = head[:n]
	if n == 0 {
		return errs.E(opSign, errs.Invalid, errcode.EmptyFile, "file is empty: there is nothing to sign")
	}
	// The header may follow a little junk (ISO 32000 tolerates it within the
	// first 1024 bytes, and readers accept it).
	if !bytes.Contains(head, []byte("%PDF-")) {
		return errs.E(opSign, errs.Invalid, errcode.NotPDF, "file is not a PDF: missing %PDF header")
	}
	return nil
}
