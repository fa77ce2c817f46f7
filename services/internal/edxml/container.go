package edxml

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"regexp"
	"strings"
)

// rootContentID names the edXML part of the container.
const rootContentID = "edXMLEnvelope"

// contentIDPattern keeps content ids usable as they are in a cid: URI and
// a MIME header.
var contentIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$`)

// part is one attachment part read from a container.
type part struct {
	id   string
	data []byte
}

// writeContainer lays the signed XML and the attachments out as
// multipart/related (see the package doc). The boundary is derived from
// the XML, so the same package gives the same bytes.
func writeContainer(xmlBytes []byte, atts []Attachment) ([]byte, error) {
	sum := sha256.Sum256(xmlBytes)
	boundary := "edxml-" + hex.EncodeToString(sum[:16])
	if bytes.Contains(xmlBytes, []byte("--"+boundary)) {
		// The XML would have to contain its own digest; refuse rather than
		// write an ambiguous container.
		return nil, refuse(ErrInvalid, "the edXML text contains the container's boundary")
	}
	var b bytes.Buffer
	line := func(s string) { b.WriteString(s); b.WriteString("\r\n") }
	line("MIME-Version: 1.0")
	line(`Content-Type: multipart/related; boundary="` + boundary + `"; type="text/xml"; start="<` + rootContentID + `>"`)
	line("")
	line("--" + boundary)
	line("Content-Type: text/xml; charset=UTF-8")
	line("Content-ID: <" + rootContentID + ">")
	line("Content-Transfer-Encoding: 8bit")
	line("")
	b.Write(xmlBytes)
	line("")
	for _, a := range atts {
		line("--" + boundary)
		line("Content-Type: " + a.ContentType)
		line("Content-ID: <" + a.ContentID + ">")
		line("Content-Transfer-Encoding: base64")
		line("")
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			line(enc[:76])
			enc = enc[76:]
		}
		line(enc)
	}
	line("--" + boundary + "--")
	return b.Bytes(), nil
}

// readContainer splits a multipart/related package into its XML part and
// its attachment parts, within the limits.
func readContainer(raw []byte, l Limits) ([]byte, []part, error) {
	if len(raw) > l.MaxPackageBytes {
		return nil, nil, refuse(ErrMalformed, "the package is %s, more than the %s accepted", size(len(raw)), size(l.MaxPackageBytes))
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	hdr, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return nil, nil, refuseWith(ErrMalformed, err, "the package does not start with MIME headers (a multipart/related edXML package is expected)")
	}
	mediaType, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || mediaType != "multipart/related" || params["boundary"] == "" {
		return nil, nil, refuseWith(ErrMalformed, err, "the package is not multipart/related with a boundary (its Content-Type is %q)", clip(hdr.Get("Content-Type"), 80))
	}
	start := strings.Trim(strings.TrimSpace(params["start"]), "<>")
	mr := multipart.NewReader(br, params["boundary"])
	var root []byte
	var parts []part
	seen := map[string]bool{}
	for i := 0; ; i++ {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, refuseWith(ErrMalformed, err, "the package's MIME structure is broken")
		}
		if i > l.MaxAttachments {
			return nil, nil, refuse(ErrMalformed, "the package has more than %d attachments", l.MaxAttachments)
		}
		id := strings.Trim(strings.TrimSpace(p.Header.Get("Content-ID")), "<>")
		isRoot := (start != "" && id == start) || (start == "" && i == 0)
		limit := l.MaxAttachmentBytes
		if isRoot {
			limit = l.MaxXMLBytes
		}
		data, err := readPart(p, limit)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case isRoot && root != nil:
			return nil, nil, refuse(ErrMalformed, "the package has two edXML parts")
		case isRoot:
			root = data
		case id == "":
			return nil, nil, refuse(ErrMalformed, "attachment part %d has no Content-ID", i)
		case seen[id]:
			return nil, nil, refuse(ErrMalformed, "two attachments share the Content-ID %q", clip(id, 80))
		default:
			seen[id] = true
			parts = append(parts, part{id: id, data: data})
		}
	}
	if root == nil {
		return nil, nil, refuse(ErrMalformed, "the package has no edXML part")
	}
	return root, parts, nil
}

// readPart decodes one part's body, refusing it past limit bytes.
func readPart(p *multipart.Part, limit int) ([]byte, error) {
	var r io.Reader = p
	id := clip(strings.Trim(p.Header.Get("Content-ID"), "<> "), 80)
	switch cte := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))); cte {
	case "", "7bit", "8bit", "binary":
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &lineSkipper{r: p})
	case "quoted-printable":
		r = quotedprintable.NewReader(p)
	default:
		return nil, refuse(ErrMalformed, "part %q uses the transfer encoding %q, which is not supported", id, clip(cte, 30))
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, refuseWith(ErrMalformed, err, "part %q cannot be read: %s", id, clip(err.Error(), 80))
	}
	if len(data) > limit {
		return nil, refuse(ErrMalformed, "part %q is larger than the %s accepted", id, size(limit))
	}
	return data, nil
}

// lineSkipper drops CR, LF, spaces and tabs from base64 text, which MIME
// wraps in lines.
type lineSkipper struct{ r io.Reader }

func (s *lineSkipper) Read(b []byte) (int, error) {
	for {
		n, err := s.r.Read(b)
		j := 0
		for _, c := range b[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				b[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
