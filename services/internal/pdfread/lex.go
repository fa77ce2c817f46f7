package pdfread

import (
	"bytes"
	"fmt"
	"strconv"
)

// The PDF object model. A value is one of: nil (null), bool, int64,
// float64, Name, String, Array, Dict, Ref or *Stream. References inside
// arrays and dictionaries stay references: View.Resolve follows them.
type (
	// Name is a name object, without its slash.
	Name string
	// String is a string object's bytes, escapes decoded.
	String []byte
	// Array is an array object.
	Array []any
	// Dict is a dictionary object.
	Dict map[Name]any
	// Ref is a reference to an indirect object.
	Ref struct{ Num, Gen int64 }
	// Stream is a stream object.
	Stream struct {
		Dict Dict
		Raw  []byte // the encoded data, as stored in the file
	}
)

func syntaxErr(pos int, format string, args ...any) error {
	return damaged(ErrSyntax, "PDF syntax error at byte %d: %s", pos, fmt.Sprintf(format, args...))
}

// lexer reads PDF tokens from b starting at pos.
type lexer struct {
	b   []byte
	pos int
	// maxDepth bounds the nesting of arrays and dictionaries: a crafted
	// file must not exhaust the stack.
	maxDepth int
	// scanned counts bytes searched beyond pos (looking for a stream's
	// end), so the caller can charge them to the document's budget.
	scanned int
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWhite(c) && !isDelim(c) }

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isWhite(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// keyword reads a run of regular characters.
func (l *lexer) keyword() []byte {
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	return l.b[start:l.pos]
}

// expectKeyword consumes kw when it comes next, as a whole token.
func (l *lexer) expectKeyword(kw string) bool {
	l.skipSpace()
	if !bytes.HasPrefix(l.b[l.pos:], []byte(kw)) {
		return false
	}
	end := l.pos + len(kw)
	if end < len(l.b) && isRegular(l.b[end]) {
		return false
	}
	l.pos = end
	return true
}

// unsigned reads a non-negative decimal integer.
func (l *lexer) unsigned() (int64, bool) {
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '9' {
		l.pos++
	}
	if l.pos == start || (l.pos < len(l.b) && isRegular(l.b[l.pos])) {
		l.pos = start
		return 0, false
	}
	n, err := strconv.ParseInt(string(l.b[start:l.pos]), 10, 64)
	if err != nil {
		l.pos = start
		return 0, false
	}
	return n, true
}

// object reads one direct object (or a reference).
func (l *lexer) object(depth int) (any, error) {
	if depth > l.maxDepth {
		return nil, limitErr(ErrNesting, int64(depth), int64(l.maxDepth), "arrays and dictionaries at byte %d nest %d deep, more than %d", l.pos)
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, syntaxErr(l.pos, "unexpected end of data")
	}
	c := l.b[l.pos]
	switch {
	case c == '/':
		return l.name()
	case c == '(':
		return l.literalString()
	case c == '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			return l.dict(depth)
		}
		return l.hexString()
	case c == '[':
		return l.array(depth)
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return l.number()
	case isRegular(c):
		start := l.pos
		switch kw := string(l.keyword()); kw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		default:
			return nil, syntaxErr(start, "unexpected keyword %q", clip(kw))
		}
	default:
		return nil, syntaxErr(l.pos, "unexpected character %q", c)
	}
}

func (l *lexer) name() (Name, error) {
	l.pos++ // '/'
	var out []byte
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		c := l.b[l.pos]
		if c == '#' && l.pos+2 < len(l.b) {
			if v, ok := unhex2(l.b[l.pos+1], l.b[l.pos+2]); ok {
				out = append(out, v)
				l.pos += 3
				continue
			}
		}
		out = append(out, c)
		l.pos++
	}
	return Name(out), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unhex2(hi, lo byte) (byte, bool) {
	h, ok1 := unhex(hi)
	l, ok2 := unhex(lo)
	return h<<4 | l, ok1 && ok2
}

// stringEnd is the offset just after the literal string starting at pos,
// -1 when it does not end. Knowing it first sizes the string's buffer by
// what the file holds.
func stringEnd(b []byte, pos int) int {
	nest := 0
	for i := pos; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '(':
			nest++
		case ')':
			if nest--; nest == 0 {
				return i + 1
			}
		}
	}
	return -1
}

func (l *lexer) literalString() (String, error) {
	start := l.pos
	end := stringEnd(l.b, start)
	if end < 0 {
		l.scanned += len(l.b) - start
		return nil, syntaxErr(start, "unterminated string")
	}
	l.pos++ // '('
	out := make([]byte, 0, end-l.pos)
	nest := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
			out = append(out, c)
		case ')':
			nest--
			if nest == 0 {
				return out, nil
			}
			out = append(out, c)
		case '\\':
			if l.pos >= len(l.b) {
				return nil, syntaxErr(start, "unterminated string")
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					out = append(out, byte(v&0xff))
				} else {
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
	}
	return nil, syntaxErr(start, "unterminated string")
}

func (l *lexer) hexString() (String, error) {
	start := l.pos
	l.pos++ // '<'
	n := bytes.IndexByte(l.b[l.pos:], '>')
	if n < 0 {
		l.scanned += len(l.b) - start
		return nil, syntaxErr(start, "unterminated hexadecimal string")
	}
	out := make([]byte, 0, n/2+1)
	var hi byte
	half := false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			if half {
				out = append(out, hi<<4)
			}
			return out, nil
		}
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, syntaxErr(l.pos-1, "invalid character %q in hexadecimal string", c)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return nil, syntaxErr(start, "unterminated hexadecimal string")
}

// ParseHexString reads b as exactly one hexadecimal string, "<…>", and
// nothing else: the check a signature's /Contents gap needs.
func ParseHexString(b []byte) (String, error) {
	if len(b) == 0 || b[0] != '<' {
		return nil, syntaxErr(0, "not a hexadecimal string")
	}
	l := lexer{b: b}
	s, err := l.hexString()
	if err != nil {
		return nil, err
	}
	if l.pos != len(b) {
		return nil, syntaxErr(l.pos, "data after the hexadecimal string")
	}
	return s, nil
}

func (l *lexer) array(depth int) (Array, error) {
	l.pos++ // '['
	var out Array
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return nil, syntaxErr(l.pos, "unterminated array")
		}
		if l.b[l.pos] == ']' {
			l.pos++
			return out, nil
		}
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func (l *lexer) dict(depth int) (Dict, error) {
	l.pos += 2 // "<<"
	out := Dict{}
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return nil, syntaxErr(l.pos, "unterminated dictionary")
		}
		if l.b[l.pos] == '>' {
			if l.pos+1 < len(l.b) && l.b[l.pos+1] == '>' {
				l.pos += 2
				return out, nil
			}
			return nil, syntaxErr(l.pos, "single '>' in dictionary")
		}
		if l.b[l.pos] != '/' {
			return nil, syntaxErr(l.pos, "dictionary key is not a name")
		}
		key, err := l.name()
		if err != nil {
			return nil, err
		}
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
}

// number reads an integer, a real, or a reference "num gen R".
func (l *lexer) number() (any, error) {
	start := l.pos
	if l.b[l.pos] == '+' || l.b[l.pos] == '-' {
		l.pos++
	}
	isReal := false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c == '.' {
			isReal = true
		} else if c < '0' || c > '9' {
			break
		}
		l.pos++
	}
	text := string(l.b[start:l.pos])
	if l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		return nil, syntaxErr(start, "malformed number")
	}
	if isReal {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			// "-.", "1.2.3": readers treat unparseable reals as zero.
			return float64(0), nil //nolint:nilerr // lenient like PDF readers
		}
		return f, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		if text == "+" || text == "-" {
			return int64(0), nil
		}
		return nil, syntaxErr(start, "integer %q out of range", clip(text))
	}
	// "num gen R"
	if n >= 0 && text[0] != '+' && text[0] != '-' {
		save := l.pos
		if gen, ok := l.unsigned(); ok {
			if l.expectKeyword("R") {
				return Ref{Num: n, Gen: gen}, nil
			}
		}
		l.pos = save
	}
	return n, nil
}

// indirect reads "num gen obj <object> [stream … endstream] endobj" at pos.
// length resolves an indirect /Length; it may be nil.
func (l *lexer) indirect(wantNum int64, length func(any) (int64, bool)) (any, error) {
	start := l.pos
	num, ok1 := l.unsigned()
	_, ok2 := l.unsigned()
	if !ok1 || !ok2 || !l.expectKeyword("obj") {
		return nil, syntaxErr(start, "no object header (\"%d 0 obj\")", wantNum)
	}
	if wantNum >= 0 && num != wantNum {
		return nil, syntaxErr(start, "object %d found where the cross-reference table says object %d", num, wantNum)
	}
	v, err := l.object(0)
	if err != nil {
		return nil, err
	}
	d, isDict := v.(Dict)
	if !isDict || !l.expectKeyword("stream") {
		return v, nil
	}
	// The keyword is followed by CRLF or LF (a lone CR is tolerated).
	if l.pos < len(l.b) && l.b[l.pos] == '\r' {
		l.pos++
	}
	if l.pos < len(l.b) && l.b[l.pos] == '\n' {
		l.pos++
	}
	dataStart := l.pos
	if n, ok := length(d["Length"]); ok && n >= 0 && n <= int64(len(l.b)-dataStart) {
		end := dataStart + int(n)
		probe := lexer{b: l.b, pos: end}
		if probe.expectKeyword("endstream") {
			l.pos = probe.pos
			return &Stream{Dict: d, Raw: l.b[dataStart:end]}, nil
		}
	}
	// A wrong /Length is common in real files: find the end keyword instead.
	i := bytes.Index(l.b[dataStart:], []byte("endstream"))
	l.scanned += len(l.b) - dataStart
	if i < 0 {
		return nil, syntaxErr(dataStart, "stream without endstream")
	}
	end := dataStart + i
	if end > dataStart && l.b[end-1] == '\n' {
		end--
	}
	if end > dataStart && l.b[end-1] == '\r' {
		end--
	}
	l.pos = dataStart + i + len("endstream")
	return &Stream{Dict: d, Raw: l.b[dataStart:end]}, nil
}

func clip(s string) string {
	const n = 40
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Accessors that answer "absent" for any other type, so callers never need
// a type assertion that could panic.

// AsDict is v as a dictionary, or a stream's dictionary; nil otherwise.
func AsDict(v any) Dict {
	switch t := v.(type) {
	case Dict:
		return t
	case *Stream:
		return t.Dict
	}
	return nil
}

// AsName is v as a name; "" otherwise.
func AsName(v any) Name {
	n, _ := v.(Name)
	return n
}

// AsInt is v as an integer; a real with no fraction counts as one.
func AsInt(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case float64:
		if t == float64(int64(t)) {
			return int64(t), true
		}
	}
	return 0, false
}

// AsArray is v as an array; nil otherwise.
func AsArray(v any) Array {
	a, _ := v.(Array)
	return a
}

// AsString is v as a string.
func AsString(v any) (String, bool) {
	s, ok := v.(String)
	return s, ok
}

// AsRef is v as a reference.
func AsRef(v any) (Ref, bool) {
	r, ok := v.(Ref)
	return r, ok
}
