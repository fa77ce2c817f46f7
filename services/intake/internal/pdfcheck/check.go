// Package pdfcheck decides whether an upload is a PDF that docflow can keep
// as an original and sign later: it has bytes, is within the size limit,
// starts like a PDF, parses, is not encrypted and has at least one page.
// Every refusal is an *errs.Error with a stable code and a message the
// submitter can act on.
//
// The file is read by the shared guarded reader (services/internal/pdfread),
// which checks every claim the file makes against limits scaled to its size
// before it allocates anything for it: an upload of a kilobyte that claims
// two billion objects, or a stream that inflates to gigabytes, is refused
// with the limit it exceeds (detail "limit") and costs a few MiB. The reader
// accepts a file only when its cross-reference data at the final startxref
// is intact: nothing is repaired.
//
// The signing service later opens the file with github.com/digitorus/pdf,
// the reader of its signing library, which is stricter than ISO 32000 in
// ways the shared reader need not copy (it cannot open a file followed by
// a few hundred blank lines, nor a trailer with a string escape the
// standard says to ignore; the tests keep such files). So a file the shared
// reader accepts is opened by that library too, and refused if it cannot:
// a document that cannot be signed is refused now, while the submitter is
// still there to fix it. The library sizes its tables by what a file
// claims, so it runs only after the shared reader's limits have passed: it
// never sees a hostile file.
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

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/pdfread"
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
// work is bounded by limits scaled to the input size.
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
	if err := ctx.Err(); err != nil {
		return Report{}, errs.E(op, errs.Unavailable, errcode.Unavailable,
			"checking the PDF took too long; try again").WithCause(err)
	}
	sum, err := guard(func() (pdfread.Summary, error) { return pdfread.Inspect(data, pdfread.Limits{}) })
	if err == nil {
		// Only now, with the file's claims within the limits, may the
		// signing library's reader see it.
		_, err = guard(func() (pdfread.Summary, error) { return pdfread.Summary{}, openForSigning(data) })
	}
	if err != nil {
		return Report{}, refusal(op, err)
	}
	if sum.Pages < 1 {
		return Report{}, malformed(op, "the document has no pages", nil)
	}
	return Report{Pages: sum.Pages, Version: sum.Version}, nil
}

// guard runs one parser. The signing library's reader is third-party code:
// a bug in it, or in ours, must refuse this one upload, not stop the
// service.
func guard(parse func() (pdfread.Summary, error)) (sum pdfread.Summary, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errParserCrashed, r)
		}
	}()
	return parse()
}

func openForSigning(data []byte) error {
	if _, err := pdf.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
		return &signerError{err: err}
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

// refusal turns a parser error into the message the submitter sees: a plain
// explanation first, then the parser's own words, so a clerk can forward
// them to whoever produced the file.
func refusal(op string, err error) *errs.Error {
	if errors.Is(err, pdfread.ErrEncrypted) {
		return errs.E(op, errs.Invalid, errcode.MalformedPDF,
			"encrypted PDFs are not accepted: remove the password protection and upload the file again").
			WithDetail("reason", "encrypted").
			WithCause(err)
	}
	var why string
	var limit *pdfread.LimitError
	switch {
	case errors.As(err, &limit):
		why = "it goes beyond the limits within which docflow reads a PDF of its size"
	case errors.Is(err, errSignerCannotOpen), errors.Is(err, pdfread.ErrXref):
		why = "its cross-reference table or trailer is missing or damaged"
	case errors.Is(err, pdfread.ErrHeader):
		why = "its header is damaged"
	case errors.Is(err, errParserCrashed):
		why = "its structure is too damaged to read"
	default:
		why = "its structure is damaged"
	}
	e := malformed(op, why, err)
	if limit != nil {
		e = e.WithDetail("limit", limit.Name())
	}
	return e
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
