package pades

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
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
// req.Level.
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
	signedAt := time.Now()
	w := &countingWriter{w: out}
	if err := sign(ctx, in, size, w, req, name); err != nil {
		if w.err != nil {
			// The signature was made; writing it out failed.
			return Signature{}, fmt.Errorf("%s: write signed PDF: %w", opSign, w.err)
		}
		return Signature{}, err
	}
	return Signature{
		Level:      req.Level,
		SubFilter:  SubFilterCAdES,
		SignerName: name,
		SignedAt:   signedAt,
		Size:       w.n,
	}, nil
}

// sign runs the library. It turns a panic inside the library (which a
// crafted PDF can provoke in a parser) into an error about the document,
// because one bad upload must not take the service down.
func sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, req Request, name string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = malformed(fmt.Errorf("PDF library failed: %v", r))
		}
	}()
	doc, err := pdfsign.Open(in, size)
	if err != nil {
		return malformed(err)
	}
	doc.Sign(req.Key, req.Cert, req.Chain...).
		Type(pdfsign.ApprovalSignature).
		Format(pdfsign.PAdES_B_B).
		SignerName(name).
		Reason(req.Reason).
		Location(req.Location).
		Context(ctx)
	if _, err := doc.Write(out); err != nil {
		return malformed(err)
	}
	return nil
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
	if len(problems) > 0 {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("cannot sign: %v", problems))
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := req.Key.Public().(equaler); !ok || !pub.Equal(req.Cert.PublicKey) {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
			"cannot sign: the private key does not belong to the certificate "+req.Cert.Subject.CommonName)
	}
	if req.Level == "" {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument, "cannot sign: no PAdES level given")
	}
	return req.Level.CheckAvailable()
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

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
