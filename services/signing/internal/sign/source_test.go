package sign_test

import (
	"testing"

	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
	"github.com/docflow/docflow/workflows"
)

// Every source the shared reader refuses is refused before the signing
// library reads it, as a PDF no retry can sign, and nothing is stored.
func TestSignDocumentRefusesHostileSources(t *testing.T) {
	t.Parallel()
	srv := start(t)
	for _, c := range pdfreadtest.Hostile() {
		if c.Want == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			f := srv.fixture(t, nil)
			in := f.upload(t, c.Data, "lanhdao")
			_, err := f.sign(t, in)
			f.assertRefused(t, in, err, workflows.ErrUnsignablePDF, "save it again as PDF and resubmit it", false)
		})
	}
}
