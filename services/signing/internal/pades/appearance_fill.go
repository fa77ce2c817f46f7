package pades

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/docflow/docflow/services/internal/clerical/text"
)

// The number and date of an issued document (ND30 Appendix I, DOMAIN.md
// §2): the drafter leaves the "Số:" line and the place and date line of
// page 1 blank, and the organisation signature's revision fills the
// blanks. Only the blanks are written on, as annotations (PageText): the
// page's content, which the personal signature covers, stays as signed,
// and a reader extracts the annotations' text with the page's.
//
// What is recognised: a blank made of spaces or of a gap between shown
// strings, after a "Số:" label that begins its line or column, and after
// "ngày" and "tháng" (and "năm", when the year is not printed) on one
// line; a template's text fields named TextSymbol and TextDate win over
// the lines. Dots or underscores typed into a blank are hidden under the
// white background, but they stay in the page's content, so text
// extraction (pdftotext) reads them beside the number: templates should
// leave spaces.

// PageText is text written on a page as an annotation of its own, on a
// white background that hides nothing but the blank it fills.
type PageText struct {
	// Name identifies the annotation (its /NM), e.g. "so_ky_hieu".
	Name string
	// Page is 1-based; Box the background, in points from the page's
	// lower-left corner.
	Page int
	Box  Rect
	// Text is drawn from X on the Baseline (page coordinates) at Size, in
	// Liberation Serif (Times New Roman's metrics), black.
	Text     string
	X        float64
	Baseline float64
	Size     float64
	// Field, when set, is the text form field the text fills (its value
	// and appearance) instead of a new annotation.
	Field string
}

// inField is text filling the template's text field named name, when it
// has one with a box.
func (l *Layout) inField(name, s string) (PageText, bool) {
	for _, w := range l.TextFields {
		if w.Name != name || w.Box.Width <= 0 || w.Box.Height <= 0 {
			continue
		}
		size := min(max(w.Box.Height*0.7, 6), 13)
		baseline := w.Box.Y + (w.Box.Height-size)/2 + 0.22*size
		if t, ok := fit(name, s, w.Box.X, w.Box.X+w.Box.Width, w.Box.X+2, baseline, size, false); ok {
			t.Page, t.Field, t.Box = w.Page, name, w.Box
			return t, true
		}
	}
	return PageText{}, false
}

// Names of the texts written on a document.
const (
	TextSymbol = "so_ky_hieu"
	TextDate   = "ngay_thang"
)

// smallest is how much a text written in a blank may shrink to fit it.
const smallest = 0.8

// word is a run of glyphs of a line without a space or a gap between.
type word struct {
	text   string // folded: no diacritics, lower case
	raw    string
	x0, x1 float64
	size   float64
}

func words(line textLine) []word {
	var ws []word
	var cur *word
	for _, g := range line.glyphs {
		if g.space() || g.s == "" {
			cur = nil
			continue
		}
		// Dots typed into a blank may run into the printed end of the
		// symbol ("........./QĐ-VPCP"); they are a word of their own. A
		// dot inside a word stays: abbreviations have them (NHNo.ĐT).
		if cur != nil && (g.x0-cur.x1 > 0.2*g.size || (blankOnly(*cur) != placeholder(g.s) && (blankOnly(*cur) || g.s != "."))) {
			cur = nil
		}
		if cur == nil {
			ws = append(ws, word{x0: g.x0, size: g.size})
			cur = &ws[len(ws)-1]
		}
		cur.raw += g.s
		cur.text += text.Fold(g.s)
		cur.x1 = max(cur.x1, g.x1)
		cur.size = max(cur.size, g.size)
	}
	return ws
}

// blankOnly says a word is a placeholder a drafter typed into a blank:
// dots, an ellipsis, underscores.
func blankOnly(w word) bool {
	return placeholder(w.raw)
}

func placeholder(s string) bool { return strings.Trim(s, "._…") == "" }

// covering makes t's background the whole blank [from, to] when dots or
// underscores fill it, so they do not show around the text.
func covering(t PageText, dotted bool, from, to float64) PageText {
	if dotted && to-from > 1 {
		t.Box.X, t.Box.Width = from+0.5, to-from-1
	}
	return t
}

// SymbolText finds the "Số:" line of page 1 and returns the text that
// writes symbol in its blank. A template's text field named TextSymbol,
// on any page, is filled instead. When the line already prints the end of the
// symbol ("Số:      /QĐ-VPCP"), only the number is written, ending where
// that end begins; otherwise the whole symbol follows the label. The
// reason says why there is no text.
func (l *Layout) SymbolText(symbol string) (PageText, string) {
	symbol = text.NFC(strings.TrimSpace(symbol))
	if t, ok := l.inField(TextSymbol, symbol); ok {
		return t, ""
	}
	for _, line := range l.lines(1) {
		ws := words(line)
		for i, w := range ws {
			label := w.text == "so:" || (w.text == "so" && i+1 < len(ws) && ws[i+1].text == ":")
			if !label || (i > 0 && w.x0-ws[i-1].x1 < 2*w.size) {
				continue
			}
			if w.text == "so" {
				i++
			}
			end, size := ws[i].x1, w.size
			next := i + 1
			for next < len(ws) && blankOnly(ws[next]) {
				next++
			}
			limit := l.Pages[0].Width - margin
			if next < len(ws) {
				limit = ws[next].x0
			}
			written, x, right := symbol, end+measure(" ", size), limit-size
			if next < len(ws) && !strings.HasPrefix(ws[next].raw, "/") && ws[next].x0-end < 3*size {
				return PageText{}, fmt.Sprintf("the Số line of page 1 already reads %q", joinRaw(ws[i:next+1]))
			}
			if next < len(ws) && strings.HasPrefix(ws[next].raw, "/") {
				printed := text.NFC(ws[next].raw)
				if !strings.HasSuffix(symbol, printed) || len(printed) == len(symbol) {
					return PageText{}, fmt.Sprintf("the Số line of page 1 already prints %q, which is not the end of the symbol %s", printed, symbol)
				}
				written, right = strings.TrimSuffix(symbol, printed), limit
				x = right - measure(written, size)
			}
			t, ok := fit(TextSymbol, written, end, right, x, line.y, size, next < len(ws) && strings.HasPrefix(ws[next].raw, "/"))
			if !ok {
				return PageText{}, fmt.Sprintf("the blank after Số: on page 1 is %.0f points wide, too narrow for %q", max(right-end, 0), written)
			}
			return covering(t, next > i+1, end, right), ""
		}
	}
	return PageText{}, "page 1 has no line starting with Số:"
}

// fit places s in the blank [from, to] of a line at size, shrinking it a
// little if it must: left-aligned at x, or ending at to when flush.
func fit(name, s string, from, to, x, baseline, size float64, flush bool) (PageText, bool) {
	for scale := 1.0; scale >= smallest-1e-9; scale -= 0.05 {
		sz := size * scale
		w := measure(s, sz)
		start := max(x, from+1)
		if flush {
			start = to - w
		}
		if start >= from && start+w <= to && w > 0 {
			box := Rect{X: start - 1, Y: baseline - 0.25*sz, Width: w + 2, Height: 1.15 * sz}
			box.X, box.Width = max(box.X, from), min(box.X+box.Width, to)-max(box.X, from)
			return PageText{Name: name, Page: 1, Box: box, Text: s, X: start, Baseline: baseline, Size: sz}, true
		}
	}
	return PageText{}, false
}

var dateParts = regexp.MustCompile(`ngày\s+(\S+)\s+tháng\s+(\S+)\s+năm\s+(\S+)`)

// DateTexts finds the date line of page 1 ("Hà Nội, ngày    tháng    năm
// 2026", or with dots in the blanks) and returns the texts that write the
// day, month and, when blank, the year of dateLine ("Hà Nội, ngày 07
// tháng 12 năm 2026") in its blanks. The place printed on the page stays
// as the drafter wrote it. A template's text field named TextDate is
// filled with the whole of dateLine instead. The reason says why there
// are no texts.
func (l *Layout) DateTexts(dateLine string) ([]PageText, string) {
	parts := dateParts.FindStringSubmatch(text.NFC(dateLine))
	if parts == nil {
		return nil, fmt.Sprintf("the date line %q does not read ngày … tháng … năm …", dateLine)
	}
	if t, ok := l.inField(TextDate, text.NFC(strings.TrimSpace(dateLine))); ok {
		return []PageText{t}, ""
	}
	day, month, year := parts[1], parts[2], parts[3]
	for _, line := range l.lines(1) {
		ws := words(line)
		ngay := indexWord(ws, 0, "ngay")
		thang := indexWord(ws, ngay+1, "thang")
		nam := indexWord(ws, thang+1, "nam")
		if ngay < 0 || thang < 0 || nam < 0 {
			continue
		}
		var texts []PageText
		for _, f := range []struct {
			label, next int
			value       string
		}{{ngay, thang, day}, {thang, nam, month}} {
			if !blanks(ws[f.label+1 : f.next]) {
				return nil, fmt.Sprintf("the date line of page 1 is already filled in: %q", joinRaw(ws[f.label:f.next+1]))
			}
			t, ok := centred(f.value, ws[f.label].x1, ws[f.next].x0, line.y, ws[f.label].size)
			if !ok {
				return nil, fmt.Sprintf("the blank after %q on the date line of page 1 is too narrow for %q", ws[f.label].raw, f.value)
			}
			texts = append(texts, covering(t, f.next > f.label+1, ws[f.label].x1, ws[f.next].x0))
		}
		after := nam + 1
		for after < len(ws) && blankOnly(ws[after]) {
			after++
		}
		switch {
		case after < len(ws) && isNumber(ws[after].raw):
			if ws[after].raw != year {
				return nil, fmt.Sprintf("the date line of page 1 prints the year %s, not %s", ws[after].raw, year)
			}
		default:
			to := l.Pages[0].Width - margin
			if after < len(ws) {
				to = ws[after].x0 - ws[nam].size
			}
			size := ws[nam].size
			t, ok := fit(TextDate, year, ws[nam].x1, to, ws[nam].x1+measure(" ", size), line.y, size, false)
			if !ok {
				return nil, fmt.Sprintf("there is no room for the year after %q on the date line of page 1", ws[nam].raw)
			}
			texts = append(texts, covering(t, after > nam+1, ws[nam].x1, to))
		}
		return texts, ""
	}
	return nil, "page 1 has no line with ngày … tháng … năm …"
}

// centred places s in the middle of the blank [from, to].
func centred(s string, from, to, baseline, size float64) (PageText, bool) {
	w := measure(s, size)
	return fit(TextDate, s, from, to, from+(to-from-w)/2, baseline, size, false)
}

func indexWord(ws []word, from int, folded string) int {
	if from < 0 {
		return -1
	}
	for i := from; i < len(ws); i++ {
		if strings.TrimRight(ws[i].text, ",") == folded {
			return i
		}
	}
	return -1
}

func blanks(ws []word) bool {
	for _, w := range ws {
		if !blankOnly(w) {
			return false
		}
	}
	return true
}

func joinRaw(ws []word) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.raw
	}
	return strings.Join(parts, " ")
}

func isNumber(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}
