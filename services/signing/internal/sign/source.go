package sign

import (
	"errors"
	"fmt"
	"os"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/pdfread"
)

// checkSource reads the spooled source with the shared guarded reader, with
// its limits, before anything else reads it. The signing library's reader
// (github.com/digitorus/pdf, behind pdfsign and pades.ReadLayout) sizes its
// tables by what a file claims and walks the page tree by /Kids and /Count
// without looking for loops. Intake refuses such files on upload; this is
// the same check again where the bytes are about to be signed, whoever put
// them in storage. The refusals are of kind Invalid: no retry changes the
// file.
func checkSource(f *os.File, size int64) error {
	const op = "sign.checkSource"
	data := make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil {
		return fmt.Errorf("%s: read the spooled source: %w", op, err)
	}
	_, err := pdfread.Inspect(data, pdfread.Limits{})
	var limit *pdfread.LimitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pdfread.ErrEmpty):
		return errs.E(op, errs.Invalid, errcode.EmptyFile, "file is empty: there is nothing to sign")
	case errors.Is(err, pdfread.ErrNotPDF):
		return errs.E(op, errs.Invalid, errcode.NotPDF, "file is not a PDF: missing %PDF header")
	case errors.Is(err, pdfread.ErrEncrypted):
		return errs.E(op, errs.Invalid, errcode.MalformedPDF,
			"the PDF is encrypted and cannot be signed; save it again without a password and resubmit it").WithCause(err)
	case errors.As(err, &limit):
		return errs.E(op, errs.Invalid, errcode.MalformedPDF,
			"the PDF cannot be signed because it goes beyond the limits within which docflow reads a PDF of its size; save it again as PDF and resubmit it").
			WithDetail("limit", limit.Name()).WithCause(err)
	}
	return errs.E(op, errs.Invalid, errcode.MalformedPDF,
		"the PDF cannot be signed because its structure is damaged; save it again as PDF and resubmit it").WithCause(err)
}
