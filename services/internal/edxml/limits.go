package edxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Limits bound what Parse and ParseStatus read, so a hostile package costs
// at most a known amount of memory and time. Build applies the same limits,
// so nothing is sent that the receiving side would refuse.
type Limits struct {
	MaxPackageBytes    int // the whole container
	MaxXMLBytes        int // the edXML part
	MaxDepth           int // element nesting in the XML
	MaxElements        int // elements in the XML
	MaxAttachments     int
	MaxAttachmentBytes int // one attachment, decoded
}

// DefaultLimits fit a document with its signed PDFs and appendices: a
// scanned 200 dpi colour document of a few dozen pages is well under 20 MB.
var DefaultLimits = Limits{
	MaxPackageBytes:    64 << 20,
	MaxXMLBytes:        1 << 20,
	MaxDepth:           24,
	MaxElements:        1000,
	MaxAttachments:     20,
	MaxAttachmentBytes: 40 << 20,
}

// orDefault fills each unset (zero or negative) limit from DefaultLimits.
func (l Limits) orDefault() Limits {
	pick := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	return Limits{
		MaxPackageBytes:    pick(l.MaxPackageBytes, DefaultLimits.MaxPackageBytes),
		MaxXMLBytes:        pick(l.MaxXMLBytes, DefaultLimits.MaxXMLBytes),
		MaxDepth:           pick(l.MaxDepth, DefaultLimits.MaxDepth),
		MaxElements:        pick(l.MaxElements, DefaultLimits.MaxElements),
		MaxAttachments:     pick(l.MaxAttachments, DefaultLimits.MaxAttachments),
		MaxAttachmentBytes: pick(l.MaxAttachmentBytes, DefaultLimits.MaxAttachmentBytes),
	}
}

// checkXML reads the XML once with the standard tokenizer before the tree
// is built, refusing what the tree must never see: a DTD (so no entity
// can be declared, let alone an external one), processing instructions
// other than the XML declaration, and more nesting or elements than the
// limits allow. encoding/xml never fetches anything itself; this makes the
// refusal explicit and early.
func checkXML(data []byte, l Limits) error {
	if len(data) > l.MaxXMLBytes {
		return refuse(ErrMalformed, "the edXML part is %s, more than the %s accepted", size(len(data)), size(l.MaxXMLBytes))
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth, elements, roots := 0, 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return refuseWith(ErrMalformed, err, "the edXML part is not well-formed XML: %s", xmlProblem(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			elements++
			if depth == 1 {
				roots++
			}
			if depth > l.MaxDepth {
				return refuse(ErrMalformed, "the edXML part nests elements more than %d deep", l.MaxDepth)
			}
			if elements > l.MaxElements {
				return refuse(ErrMalformed, "the edXML part has more than %d elements", l.MaxElements)
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return refuse(ErrMalformed, "the edXML part contains a document type declaration (<!%s…>), which is not accepted", clip(string(t), 8))
		case xml.ProcInst:
			if t.Target != "xml" {
				return refuse(ErrMalformed, "the edXML part contains a processing instruction <?%s?>, which is not accepted", clip(t.Target, 20))
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return refuse(ErrMalformed, "the edXML part has text outside its root element")
			}
		}
	}
	if roots != 1 {
		return refuse(ErrMalformed, "the edXML part must have exactly one root element, it has %d", roots)
	}
	if depth != 0 {
		return refuse(ErrMalformed, "the edXML part ends before its elements are closed")
	}
	return nil
}

// xmlProblem keeps the tokenizer's own words but not its "XML syntax
// error on line" framing twice.
func xmlProblem(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return clip(se.Msg, 120) + " (line " + itoa(se.Line) + ")"
	}
	return clip(err.Error(), 120)
}

// clip shortens text quoted from a hostile package so a refusal stays
// readable.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MB"
	case n >= 1<<20:
		return itoa(n/(1<<20)) + "." + itoa((n%(1<<20))*10/(1<<20)) + " MB"
	case n >= 1<<10:
		return itoa(n>>10) + " KB"
	default:
		return itoa(n) + " bytes"
	}
}
