package registers

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// bom makes spreadsheet software read the file as UTF-8; without it, Excel
// shows the Vietnamese headings as mojibake.
const bom = "\uFEFF"

// WriteCSV writes the sheet as RFC 4180 CSV (CRLF line ends) in UTF-8 with a
// byte-order mark: the headings, then one record per row.
func WriteCSV(w io.Writer, s Sheet) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("registers.WriteCSV: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(s.Register.Headings()); err != nil {
		return fmt.Errorf("registers.WriteCSV: %w", err)
	}
	record := make([]string, len(s.Register.Columns))
	for _, row := range s.Rows {
		for i := range record {
			record[i] = ""
			if i < len(row) {
				record[i] = inert(printable(row[i]))
			}
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("registers.WriteCSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("registers.WriteCSV: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("registers.WriteCSV: %w", err)
	}
	return nil
}

// inert keeps a cell from being read as a formula: spreadsheet software runs
// a cell that starts with = + - or @, and a document's subject is typed by
// someone outside the agency. The apostrophe is the spreadsheets' own way to
// say "text", and hides itself.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
