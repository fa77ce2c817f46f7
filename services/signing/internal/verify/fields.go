package verify

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// maxFields bounds the form fields read from one document.
const maxFields = 1 << 14

// sigField is a signature form field.
type sigField struct {
	name  string // fully qualified: parent names joined with "."
	num   int64  // object number of the field, 0 when direct
	value any    // /V as written (normally a reference), nil when unsigned
}

// collectFields lists the signature fields of the document as v sees it,
// with /FT and /V inherited from parent fields as ISO 32000 12.7.4.1 says.
func collectFields(v *pdfread.View) []sigField {
	cat := pdfread.AsDict(v.Resolve(v.Trailer["Root"]))
	form := pdfread.AsDict(v.Resolve(cat["AcroForm"]))
	var out []sigField
	seen := map[int64]bool{}
	count := 0
	var walk func(node any, prefix string, ft pdfread.Name, val any, depth int)
	walk = func(node any, prefix string, ft pdfread.Name, val any, depth int) {
		if depth > pdfread.DefaultMaxDepth || count > maxFields {
			return
		}
		count++
		var num int64
		if r, ok := pdfread.AsRef(node); ok {
			if seen[r.Num] {
				return
			}
			seen[r.Num] = true
			num = r.Num
		}
		d := pdfread.AsDict(v.Resolve(node))
		if d == nil {
			return
		}
		name := prefix
		if t, ok := pdfread.AsString(d["T"]); ok {
			if name != "" {
				name += "."
			}
			name += decodeText(t)
		}
		if f := pdfread.AsName(d["FT"]); f != "" {
			ft = f
		}
		if x, ok := d["V"]; ok {
			val = x
		}
		// Kids with a /T are fields of their own; kids without one are
		// the widgets of this field.
		var fieldKids []any
		for _, k := range pdfread.AsArray(v.Resolve(d["Kids"])) {
			if pdfread.AsDict(v.Resolve(k))["T"] != nil {
				fieldKids = append(fieldKids, k)
			}
		}
		if len(fieldKids) == 0 {
			if ft == "Sig" {
				out = append(out, sigField{name: name, num: num, value: val})
			}
			return
		}
		for _, k := range fieldKids {
			walk(k, name, ft, val, depth+1)
		}
	}
	for _, f := range pdfread.AsArray(v.Resolve(form["Fields"])) {
		walk(f, "", "", nil, 0)
	}
	return out
}

func asStr(v any) pdfread.String {
	s, _ := pdfread.AsString(v)
	return s
}

// decodeText reads a PDF text string: UTF-16BE or UTF-8 with a byte order
// mark, otherwise PDFDocEncoding (read as Latin-1, which it matches for
// the characters names and reasons use).
func decodeText(s pdfread.String) string {
	switch {
	case len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff:
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	case bytes.HasPrefix(s, []byte{0xef, 0xbb, 0xbf}) && utf8.Valid(s[3:]):
		return string(s[3:])
	}
	var b strings.Builder
	for _, c := range s {
		b.WriteRune(rune(c))
	}
	return b.String()
}

// parseDate reads a PDF date, "D:YYYYMMDDHHmmSSOHH'mm'", where everything
// after the year is optional.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	num := func(from, n, def int) (int, bool) {
		if len(s) < from+n {
			return def, from >= len(s)
		}
		v, err := strconv.Atoi(s[from : from+n])
		return v, err == nil
	}
	year, ok := num(0, 4, 0)
	if !ok || len(s) < 4 {
		return time.Time{}, false
	}
	month, ok1 := num(4, 2, 1)
	day, ok2 := num(6, 2, 1)
	hour, ok3 := num(8, 2, 0)
	minute, ok4 := num(10, 2, 0)
	sec, ok5 := num(12, 2, 0)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	loc := time.UTC
	if len(s) > 14 {
		tz := s[14:]
		switch tz[0] {
		case 'Z':
		case '+', '-':
			digits := strings.NewReplacer("'", "", ":", "").Replace(tz[1:])
			if len(digits) < 2 {
				return time.Time{}, false
			}
			oh, err := strconv.Atoi(digits[:2])
			om := 0
			if err == nil && len(digits) >= 4 {
				om, err = strconv.Atoi(digits[2:4])
			}
			if err != nil || oh > 23 || om > 59 {
				return time.Time{}, false
			}
			off := oh*3600 + om*60
			if tz[0] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		default:
			return time.Time{}, false
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc), true
}
