package verify

import (
	"errors"
)

// maxBERDepth bounds the nesting berToDER follows; CMS needs about a dozen.
const maxBERDepth = 64

var errBER = errors.New("not a BER encoding")

// berToDER rewrites the first BER element of in as DER: indefinite lengths
// become definite and constructed OCTET STRINGs primitive. NSS (behind
// poppler's pdfsig, LibreOffice, Okular) writes its CMS signatures with
// indefinite lengths; the signed attributes inside are DER already, as the
// signature is over their DER form, so they come out byte for byte the same.
// Bytes after the element (the zero padding of /Contents) are dropped.
func berToDER(in []byte) ([]byte, error) {
	der, _, err := berElement(in, 0)
	return der, err
}

// berElement converts the element at the start of in and returns the rest.
func berElement(in []byte, depth int) (der, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, errBER
	}
	// Identifier: one byte, or more for tag numbers above 30.
	i := 1
	if len(in) < 2 {
		return nil, nil, errBER
	}
	if in[0]&0x1f == 0x1f {
		for ; i < len(in) && in[i]&0x80 != 0; i++ {
			if i > 4 {
				return nil, nil, errBER
			}
		}
		i++
	}
	if i >= len(in) {
		return nil, nil, errBER
	}
	tag := in[:i]
	constructed := in[0]&0x20 != 0
	// Length: short form, long form (up to 4 bytes) or indefinite (0x80).
	l := int(in[i])
	i++
	indefinite := false
	switch {
	case l == 0x80:
		if !constructed {
			return nil, nil, errBER
		}
		indefinite = true
	case l&0x80 != 0:
		n := l & 0x7f
		if n > 4 || i+n > len(in) {
			return nil, nil, errBER
		}
		l = 0
		for _, b := range in[i : i+n] {
			l = l<<8 | int(b)
		}
		i += n
	}
	if !indefinite && (l < 0 || l > len(in)-i) {
		return nil, nil, errBER
	}
	if !constructed {
		return appendElement(nil, tag, in[i:i+l]), in[i+l:], nil
	}

	var body, content []byte
	if indefinite {
		content = in[i:]
	} else {
		content = in[i : i+l]
		rest = in[i+l:]
	}
	octets := len(tag) == 1 && tag[0] == 0x24 // constructed OCTET STRING
	for {
		if indefinite {
			if len(content) >= 2 && content[0] == 0 && content[1] == 0 {
				rest = content[2:]
				break
			}
			if len(content) == 0 {
				return nil, nil, errBER
			}
		} else if len(content) == 0 {
			break
		}
		child, more, err := berElement(content, depth+1)
		if err != nil {
			return nil, nil, err
		}
		if octets {
			// DER has primitive strings only: the pieces' contents joined.
			piece, err := primitiveContent(child)
			if err != nil {
				return nil, nil, err
			}
			body = append(body, piece...)
		} else {
			body = append(body, child...)
		}
		content = more
	}
	if octets {
		return appendElement(nil, []byte{0x04}, body), rest, nil
	}
	return appendElement(nil, tag, body), rest, nil
}

// primitiveContent is the content of a DER OCTET STRING.
func primitiveContent(der []byte) ([]byte, error) {
	if len(der) < 2 || der[0] != 0x04 {
		return nil, errBER
	}
	i, l := 2, int(der[1])
	if l&0x80 != 0 {
		n := l & 0x7f
		if n > 4 || 2+n > len(der) {
			return nil, errBER
		}
		l = 0
		for _, b := range der[2 : 2+n] {
			l = l<<8 | int(b)
		}
		i += n
	}
	if l != len(der)-i {
		return nil, errBER
	}
	return der[i:], nil
}

// appendElement appends tag, the DER length of content and content to out.
func appendElement(out, tag, content []byte) []byte {
	out = append(out, tag...)
	n := len(content)
	if n < 0x80 {
		return append(append(out, byte(n)), content...)
	}
	var length []byte
	for v := n; v > 0; v >>= 8 {
		length = append([]byte{byte(v & 0xff)}, length...)
	}
	out = append(out, 0x80|byte(len(length))) //nolint:gosec // G115: an int has at most 8 bytes
	return append(append(out, length...), content...)
}
