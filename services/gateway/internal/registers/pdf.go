package registers

import (
	"bytes"
	_ "embed" // the fonts travel inside the binary
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/docflow/docflow/api/vntime"
)

// Liberation Serif has the metrics of Times New Roman, the typeface of
// Vietnamese administrative documents, and every Vietnamese letter. It is
// embedded (subset) in each PDF, so the register prints the same on any
// machine. Licence: SIL OFL 1.1, see fonts/COPYRIGHT.
var (
	//go:embed fonts/LiberationSerif-Regular.ttf
	serifRegular []byte
	//go:embed fonts/LiberationSerif-Bold.ttf
	serifBold []byte
)

const family = "LiberationSerif"

// Page geometry in millimetres: A4 landscape, the table between the margins,
// the page number below it.
const (
	pageHeight = 210.0
	margin     = 10.0
	bottom     = pageHeight - 14 // rows stop here; the footer sits below
	lineHeight = 4.6             // for 10 pt text
	cellPad    = 1.2             // above and below a cell's text
	fontSize   = 10.0
)

// WritePDF writes the sheet as an A4 landscape PDF: the agency, the title and
// the period, then the table with its headings repeated on every page, cells
// wrapped to their column, and "Trang n/N" at the foot of each page. A row
// too tall for the rest of a page moves to the next; one too tall for any
// page continues there.
func WritePDF(w io.Writer, s Sheet, printedAt time.Time) error {
	// The page count is known only once the table is laid out; the second
	// pass writes it into every footer.
	first, err := render(s, printedAt, 0)
	if err != nil {
		return fmt.Errorf("registers.WritePDF: %w", err)
	}
	doc, err := render(s, printedAt, first.PageNo())
	if err != nil {
		return fmt.Errorf("registers.WritePDF: %w", err)
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return fmt.Errorf("registers.WritePDF: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("registers.WritePDF: %w", err)
	}
	return nil
}

type layout struct {
	pdf     *fpdf.Fpdf
	sheet   Sheet
	total   int
	printed string
}

func render(s Sheet, printedAt time.Time, total int) (*fpdf.Fpdf, error) {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	// Pages are broken here, between rows, never inside a cell by fpdf.
	pdf.SetAutoPageBreak(false, margin)
	pdf.AddUTF8FontFromBytes(family, "", serifRegular)
	pdf.AddUTF8FontFromBytes(family, "B", serifBold)
	pdf.SetTitle(fmt.Sprintf("%s %d — %s", s.Register.Title, s.Period.Year, s.Agency), true)
	pdf.SetCreator("docflow", true)
	pdf.SetCreationDate(printedAt)
	pdf.SetModificationDate(printedAt)
	l := &layout{pdf: pdf, sheet: s, total: total, printed: printedAt.In(vntime.Zone).Format("15:04 02/01/2006")}
	pdf.SetFooterFunc(l.footer)

	pdf.AddPage()
	l.title()
	l.headings()
	for _, row := range s.Rows {
		l.row(row)
	}
	if err := pdf.Error(); err != nil {
		return nil, err
	}
	return pdf, nil
}

func (l *layout) title() {
	pdf, s := l.pdf, l.sheet
	pdf.SetFont(family, "", 12)
	pdf.CellFormat(0, 6, printable(s.Agency), "", 1, "C", false, 0, "")
	pdf.SetFont(family, "B", 15)
	pdf.CellFormat(0, 8, s.Register.Title, "", 1, "C", false, 0, "")
	pdf.SetFont(family, "B", 12)
	pdf.CellFormat(0, 6, fmt.Sprintf("Năm %d", s.Period.Year), "", 1, "C", false, 0, "")
	if !s.Period.Whole() {
		pdf.SetFont(family, "", 11)
		pdf.CellFormat(0, 6, fmt.Sprintf("Từ ngày %s đến ngày %s", date(s.Period.From), date(s.Period.To)), "", 1, "C", false, 0, "")
	}
	pdf.Ln(3)
}

func (l *layout) footer() {
	pdf := l.pdf
	pdf.SetY(-10)
	pdf.SetFont(family, "", 9)
	page := fmt.Sprintf("Trang %d", pdf.PageNo())
	if l.total > 0 {
		page = fmt.Sprintf("Trang %d/%d", pdf.PageNo(), l.total)
	}
	pdf.CellFormat(0, 4, "In lúc "+l.printed, "", 0, "L", false, 0, "")
	pdf.SetX(margin)
	pdf.CellFormat(0, 4, page, "", 0, "C", false, 0, "")
}

func (l *layout) headings() {
	l.pdf.SetFont(family, "B", fontSize)
	l.pdf.SetFillColor(230, 230, 230)
	l.draw(l.split(l.sheet.Register.Headings()), true)
	l.pdf.SetFont(family, "", fontSize)
}

// row prints one row, continuing it on new pages when it does not fit.
func (l *layout) row(cells []string) {
	texts := make([]string, len(l.sheet.Register.Columns))
	for i := range texts {
		if i < len(cells) {
			texts[i] = printable(cells[i])
		}
	}
	lines := l.split(texts)
	capacity := int((bottom - l.top() - 2*cellPad) / lineHeight)
	for {
		need := tallest(lines)
		fit := int((bottom - l.pdf.GetY() - 2*cellPad) / lineHeight)
		// A row that fits on a fresh page is never split.
		if fit < 1 || (need > fit && need <= capacity) {
			l.newPage()
			continue
		}
		take := min(need, fit)
		l.draw(head(lines, take), false)
		lines = tail(lines, take)
		if tallest(lines) == 0 {
			return
		}
		l.newPage()
	}
}

// top is where the table's first row starts on a page after the first.
func (l *layout) top() float64 {
	return margin + float64(tallest(l.split(l.sheet.Register.Headings())))*lineHeight + 2*cellPad
}

func (l *layout) newPage() {
	l.pdf.AddPage()
	l.headings()
}

// split wraps each cell's text to its column.
func (l *layout) split(texts []string) [][]string {
	out := make([][]string, len(texts))
	for i, t := range texts {
		if t != "" {
			out[i] = l.pdf.SplitText(t, l.sheet.Register.Columns[i].Width)
		}
	}
	return out
}

// draw prints one band of cells of equal height at the current position.
func (l *layout) draw(lines [][]string, fill bool) {
	pdf := l.pdf
	height := float64(max(tallest(lines), 1))*lineHeight + 2*cellPad
	x, y := margin, pdf.GetY()
	style := "D"
	if fill {
		style = "FD"
	}
	for i, col := range l.sheet.Register.Columns {
		pdf.Rect(x, y, col.Width, height, style)
		align := "L"
		if col.Centred || fill {
			align = "C"
		}
		for j, line := range lines[i] {
			pdf.SetXY(x, y+cellPad+float64(j)*lineHeight)
			pdf.CellFormat(col.Width, lineHeight, line, "", 0, align, false, 0, "")
		}
		x += col.Width
	}
	pdf.SetXY(margin, y+height)
}

func tallest(lines [][]string) int {
	n := 0
	for _, l := range lines {
		n = max(n, len(l))
	}
	return n
}

func head(lines [][]string, n int) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = l[:min(n, len(l))]
	}
	return out
}

func tail(lines [][]string, n int) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = l[min(n, len(l)):]
	}
	return out
}
