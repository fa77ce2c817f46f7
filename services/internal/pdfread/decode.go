package pdfread

import (
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/hex"
	"errors"
	"io"
)

// Decode returns the decoded data of a stream of this document. The
// filters supported are the ones the structure of a file uses
// (FlateDecode, with or without PNG predictors) and the ASCII encodings
// that may wrap it (ASCIIHexDecode, ASCII85Decode); the output of every
// filter counts against MaxStreamBytes and MaxDecodedBytes.
func (d *Document) Decode(s *Stream) ([]byte, error) { return d.decode(s) }

func (d *Document) decode(s *Stream) ([]byte, error) {
	var fl, pl Array
	switch f := s.Dict["Filter"].(type) {
	case nil:
		return s.Raw, nil
	case Name:
		fl, pl = Array{f}, Array{s.Dict["DecodeParms"]}
	case Array:
		fl, pl = f, AsArray(s.Dict["DecodeParms"])
	default:
		return nil, damaged(ErrStream, "stream /Filter is neither a name nor an array")
	}
	data := s.Raw
	for i, f := range fl {
		var p Dict
		if i < len(pl) {
			p = AsDict(pl[i])
		}
		var err error
		switch AsName(f) {
		case "FlateDecode", "Fl":
			if data, err = d.inflate(data); err == nil {
				data, err = unpredict(data, p)
			}
		case "ASCIIHexDecode", "AHx":
			data, err = d.limited(hex.NewDecoder(asciiHex(data)))
		case "ASCII85Decode", "A85":
			data, err = d.limited(ascii85.NewDecoder(bytes.NewReader(ascii85Data(data))))
		default:
			return nil, damaged(ErrStream, "stream filter %q is not supported here", clip(string(AsName(f))))
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// inflate decompresses in within what is left of the stream and document
// limits.
func (d *Document) inflate(in []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(in))
	if err != nil {
		return nil, damaged(ErrStream, "FlateDecode: %v", err)
	}
	defer func() { _ = zr.Close() }()
	out, err := d.limited(zr)
	// Data cut short before the checksum is common and harmless to read.
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return out, nil
}

// limited reads r within what is left of the stream and document limits:
// it stops one byte past them, so a decompression bomb costs the limit and
// no more.
func (d *Document) limited(r io.Reader) ([]byte, error) {
	budget := min(d.lim.MaxStreamBytes, d.lim.MaxDecodedBytes-d.decoded)
	out, err := io.ReadAll(io.LimitReader(r, budget+1))
	d.decoded += int64(len(out))
	if int64(len(out)) > budget {
		if budget < d.lim.MaxStreamBytes {
			return nil, limitErr(ErrDecoded, d.decoded, d.lim.MaxDecodedBytes,
				"the streams read decompress to more than %[2]d bytes (%[1]d and counting), the limit for a file of this size")
		}
		return nil, limitErr(ErrDecoded, int64(len(out)), d.lim.MaxStreamBytes,
			"a stream decompresses to more than %[2]d bytes (%[1]d and counting), the limit for one stream of a file of this size")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return out, err
	}
	if err != nil {
		return nil, damaged(ErrStream, "stream data: %v", err)
	}
	return out, nil
}

// asciiHex is the hexadecimal digits of ASCIIHexDecode data: white space
// dropped, up to the end marker '>', an odd last digit completed with 0.
func asciiHex(data []byte) io.Reader {
	if end := bytes.IndexByte(data, '>'); end >= 0 {
		data = data[:end]
	}
	digits := make([]byte, 0, len(data)+1)
	for _, c := range data {
		if !isWhite(c) {
			digits = append(digits, c)
		}
	}
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	return bytes.NewReader(digits)
}

// ascii85Data is ASCII85Decode data up to its end marker "~>".
func ascii85Data(data []byte) []byte {
	if end := bytes.Index(data, []byte("~>")); end >= 0 {
		return data[:end]
	}
	return data
}

// maxColumns bounds a predictor's row: readers allocate one before they
// read a byte.
const maxColumns = 1 << 20

// unpredict reverses a PNG predictor (the only kind cross-reference and
// object streams use).
func unpredict(data []byte, p Dict) ([]byte, error) {
	pred, _ := AsInt(p["Predictor"])
	if pred <= 1 {
		return data, nil
	}
	if pred < 10 {
		return nil, damaged(ErrStream, "predictor %d is not supported", pred)
	}
	cols, ok := AsInt(p["Columns"])
	if !ok {
		cols = 1
	}
	colors, ok := AsInt(p["Colors"])
	if !ok {
		colors = 1
	}
	bpc, ok := AsInt(p["BitsPerComponent"])
	if !ok {
		bpc = 8
	}
	if cols > maxColumns {
		return nil, limitErr(ErrDecoded, cols, maxColumns, "a stream's predictor claims rows of %d columns, more than %d")
	}
	if cols < 1 || colors < 1 || colors > 32 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) {
		return nil, damaged(ErrStream, "invalid predictor parameters")
	}
	bpp := int(max((colors*bpc+7)/8, 1))
	rowLen := int((cols*colors*bpc + 7) / 8)
	stride := rowLen + 1
	// The row length is the file's claim: no row is allocated before the
	// data is known to hold one.
	if stride > len(data) {
		return []byte{}, nil
	}
	out := make([]byte, 0, len(data)/stride*rowLen)
	prev := make([]byte, rowLen)
	for i := 0; i+stride <= len(data); i += stride {
		typ := data[i]
		row := out[len(out) : len(out)+rowLen]
		copy(row, data[i+1:i+stride])
		for j := range row {
			var left, upLeft byte
			if j >= bpp {
				left = row[j-bpp]
				upLeft = prev[j-bpp]
			}
			up := prev[j]
			switch typ {
			case 0:
			case 1:
				row[j] += left
			case 2:
				row[j] += up
			case 3:
				row[j] += left/2 + up/2 + left&up&1
			case 4:
				row[j] += paeth(left, up, upLeft)
			default:
				return nil, damaged(ErrStream, "unknown PNG filter type %d", typ)
			}
		}
		out = out[:len(out)+rowLen]
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
