// Package pdfcheck decides whether an upload is a PDF that docflow can keep
// as an original and sign later: it has bytes, is within the size limit,
// starts like a PDF, parses, is not encrypted and has at least one page.
// Every refusal is an *errs.Error with a stable code and a message the
// submitter can act on.
package pdfcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digitorus/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// Readers look for the "%PDF-" header in the first kilobyte and for the
// "%%EOF" marker in the last one. A file with no header there is not a PDF
// at all; one whose header comes after other data is a damaged PDF, refused
// as such because the signing library needs the header at the very start.
const (
	HeaderWindow  = 1024
	TrailerWindow = 1024
)

// Report is what a successful check learned about the document.
type Report struct {
	Pages   int    // number of pages
	Version string // PDF version the file declares, e.g. "1.7"
}

// CheckSize refuses an upload by its size alone, before any byte is read.
func CheckSize(size, maxBytes int64) error {
	const op = "pdfcheck.CheckSize"
	switch {
	case size <= 0:
		return errs.E(op, errs.Invalid, errcode.EmptyFile, "file is empty: choose a PDF file that has content")
	case size > maxBytes:
		return errs.E(op, errs.Invalid, errcode.FileTooLarge,
			fmt.Sprintf("file is too large: %s, the limit is %s", humanBytes(size), humanBytes(maxBytes))).
			WithDetail("size", fmt.Sprint(size)).
			WithDetail("max_bytes", fmt.Sprint(maxBytes))
	}
	return nil
}

// Check parses data as a PDF and reports its page count, or refuses it.
// Malformed input never panics: the parsers run under recover, and their
// work is bounded by ctx and by resource limits scaled to the input size.
//
// Two parsers look at the file. pdfcpu validates the whole object graph and
// counts the pages, but in relaxed mode it quietly repairs a missing or
// broken cross-reference table. The signing service later opens the file
// with digitorus/pdf, which needs that table intact, so a file is accepted
// only when both can read it: a document that cannot be signed is refused
// now, while the submitter is still there to fix it.
func Check(ctx context.Context, data []byte) (Report, error) {
	const op = "pdfcheck.Check"
	if len(data) == 0 {
		return Report{}, errs.E(op, errs.Invalid, errcode.EmptyFile, "file is empty: choose a PDF file that has content")
	}
	at := bytes.Index(data[:min(len(data), HeaderWindow)], []byte("%PDF-"))
	if at < 0 {
		return Report{}, errs.E(op, errs.Invalid, errcode.NotPDF, "file is not a PDF: missing %PDF header")
	}
	if at > 0 {
		return Report{}, malformed(op, fmt.Sprintf("%d bytes of other data come before the %%PDF header", at), nil)
	}
	// Readers find the trailer from the end of the file; without the end
	// marker the file was cut short, typically by an interrupted transfer.
	if !bytes.Contains(data[max(0, len(data)-TrailerWindow):], []byte("%%EOF")) {
		return Report{}, malformed(op, "the file is incomplete, its end-of-file marker is missing", nil)
	}
	rep, err := guard(func() (Report, error) { return validateStructure(ctx, data) })
	if err == nil {
		_, err = guard(func() (Report, error) { return Report{}, openForSigning(data) })
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return Report{}, errs.E(op, errs.Unavailable, errcode.Unavailable,
				"checking the PDF took too long; try again").WithCause(ctxErr)
		}
		return Report{}, refusal(op, err)
	}
	if rep.Pages < 1 {
		return Report{}, malformed(op, "the document has no pages", nil)
	}
	return rep, nil
}

// guard runs one parser. The parsers are third-party code fed with untrusted
// bytes: a bug in them must refuse this one upload, not stop the service.
func guard(parse func() (Report, error)) (rep Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errParserCrashed, r)
		}
	}()
	return parse()
}

func validateStructure(ctx context.Context, data []byte) (Report, error) {
	pctx, err := pdfcpu.ReadWithContext(ctx, bytes.NewReader(data), configuration(int64(len(data))))
	if err != nil {
		return Report{}, err
	}
	if err := validate.XRefTable(pctx); err != nil {
		return Report{}, err
	}
	return Report{Pages: pctx.PageCount, Version: pctx.VersionString()}, nil
}

func openForSigning(data []byte) error {
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &signerError{err: err}
	}
	// A PDF whose user password is empty opens without one, but its content
	// is still encrypted and a signature cannot be added to it.
	if !r.Trailer().Key("Encrypt").IsNull() {
		return pdfcpu.ErrEncrypted
	}
	return nil
}

var (
	errParserCrashed    = errors.New("the parser stopped on invalid data")
	errSignerCannotOpen = errors.New("the signing library cannot open the file")
)

// signerError keeps the signing library's words for the message while
// marking where they came from.
type signerError struct{ err error }

// Error drops the Go value dumps the library appends to some messages; they
// mean nothing to a person.
func (e *signerError) Error() string {
	s, _, _ := strings.Cut(e.err.Error(), "{")
	return strings.TrimRight(s, ": ")
}
func (e *signerError) Unwrap() []error { return []error{errSignerCannotOpen, e.err} }

// configuration is built here rather than with model.NewDefaultConfiguration,
// which writes a configuration directory into the user's home and keeps it in
// package state; the service needs neither.
func configuration(size int64) *model.Configuration {
	limits := model.DefaultResourceLimits()
	// A compressed stream may legitimately inflate a lot (scanned pages), but
	// a few hundred times the whole file is a decompression bomb.
	limits.MaxStreamBytes = size
	limits.MaxDecodeBytes = min(limits.MaxDecodeBytes, max(size*200, 64<<20))
	return &model.Configuration{
		Reader15:       true,
		ValidationMode: model.ValidationRelaxed,
		// Told that a signature is going to be added, pdfcpu refuses every
		// encrypted file up front, whatever its passwords: that is exactly
		// our reason to refuse them, since an encrypted PDF cannot be signed.
		Cmd:     model.ADDSIGNATURE,
		Offline: true,
		Limits:  limits,
	}
}

// refusal turns a parser error into the message the submitter sees: a plain
// explanation first, then the parser's own words, so a clerk can forward
// them to whoever produced the file.
func refusal(op string, err error) *errs.Error {
	if errors.Is(err, pdfcpu.ErrEncrypted) || errors.Is(err, pdfcpu.ErrWrongPassword) {
		return errs.E(op, errs.Invalid, errcode.MalformedPDF,
			"encrypted PDFs are not accepted: remove the password protection and upload the file again").
			WithDetail("reason", "encrypted").
			WithCause(err)
	}
	var why string
	switch {
	case errors.Is(err, errSignerCannotOpen), errors.Is(err, pdfcpu.ErrMissingXRefSection):
		why = "its cross-reference table or trailer is missing or damaged"
	case errors.Is(err, pdfcpu.ErrCorruptHeader):
		why = "its header is damaged"
	case errors.Is(err, pdfcpu.ErrReferenceDoesNotExist):
		why = "it refers to parts that are not in the file"
	case errors.Is(err, errParserCrashed):
		why = "its structure is too damaged to read"
	default:
		why = "its structure is damaged"
	}
	return malformed(op, why, err)
}

func malformed(op, why string, cause error) *errs.Error {
	msg := "malformed PDF: " + why
	e := errs.E(op, errs.Invalid, errcode.MalformedPDF, "")
	if cause != nil {
		r := reason(cause)
		msg += " (" + r + ")"
		e = e.WithDetail("reason", r).WithCause(cause)
	}
	e.Message = msg + "; save or scan the document as PDF again and upload it"
	return e
}

// reason is the parser's message made printable and trimmed to one line.
// Parsers quote bytes of the file in their messages, which may be anything.
func reason(err error) string {
	s := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, err.Error())
	s = strings.Join(strings.Fields(s), " ")
	const limit = 200
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
}

func humanBytes(n int64) string {
	const (
		kib = 1 << 10
		mib = 1 << 20
	)
	switch {
	case n >= mib:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/mib)) + " MiB"
	case n >= kib:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/kib)) + " KiB"
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
