package verify

import (
	"errors"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// maxWork bounds the cross-reference entries compared while judging later
// revisions, over all signatures of a document. The reader's own limits
// (pdfread.Limits) bound everything else.
const maxWork = 1 << 24

var errTooComplex = errors.New("the document is too complex to verify within the verifier's limits")

// openDocument reads the structure of data, from the newest intact
// revision: what follows it is for the report to judge (appended data, an
// update cut short). A document that cannot be read at all is a problem of
// the report.
func openDocument(data []byte) (*pdfread.Document, Problem) {
	doc, err := pdfread.Open(data, pdfread.Options{LastIntactRevision: true})
	switch {
	case err == nil:
		return doc, Problem{}
	case errors.Is(err, pdfread.ErrEmpty):
		return nil, errProblem(CodeEmptyFile, "the file is empty")
	case errors.Is(err, pdfread.ErrNotPDF):
		return nil, errProblem(CodeNotPDF, "the file is not a PDF: missing %%PDF header")
	case errors.Is(err, pdfread.ErrTruncated):
		return nil, errProblem(CodeTruncated,
			"the file has no end-of-file marker (%%%%EOF): it was cut short, e.g. by an interrupted download or copy")
	case errors.Is(err, pdfread.ErrLimit):
		return nil, errProblem(CodeTooComplex, "the document is larger or more complex than the verifier reads (%v); it was not checked", err)
	}
	return nil, errProblem(CodeMalformedPDF, "the cross-reference table cannot be read: %v", err)
}

func clip(s string) string {
	const n = 40
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
