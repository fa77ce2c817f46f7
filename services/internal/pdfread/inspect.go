package pdfread

import (
	"errors"
	"fmt"
)

// Summary is what Inspect learned of a document.
type Summary struct {
	// Version is the PDF version: the header's, or the catalog's /Version
	// when that is later (ISO 32000-1, 7.5.2).
	Version string
	// Pages is the number of pages.
	Pages int
}

// Inspect decides whether data is a PDF that can be stored and signed:
// opened strictly (see Options.LastIntactRevision), not encrypted
// (ErrEncrypted), every object readable, a page tree without loops whose
// /Count tells the truth (writers appending a signature find pages by it),
// and page contents that decompress within the limits. Everything is
// bounded by lim (zero fields take their defaults).
func Inspect(data []byte, lim Limits) (Summary, error) {
	d, err := Open(data, Options{Limits: lim})
	if err != nil {
		return Summary{}, err
	}
	if d.Encrypted() {
		return Summary{}, ErrEncrypted
	}
	if err := d.ReadAll(); err != nil {
		return Summary{}, err
	}
	var contents []any
	n, err := d.Final.Pages(func(_ Ref, page Dict) { contents = append(contents, page["Contents"]) })
	if err != nil {
		return Summary{}, err
	}
	root := AsDict(d.Final.Resolve(d.Final.Catalog()["Pages"]))
	if count, ok := AsInt(root["Count"]); !ok || count != int64(n) {
		return Summary{}, damaged(ErrPageTree, "the page tree's /Count says %s pages, but the tree holds %d", describeCount(root["Count"]), n)
	}
	if err := d.decodeContents(contents); err != nil {
		return Summary{}, err
	}
	return Summary{Version: d.version(), Pages: n}, nil
}

// decodeContents decompresses the pages' content streams within the
// limits: a signing library that places a signature by the text of a page
// decompresses them whole, so one that inflates beyond the limits is
// refused here. Damaged data or a filter this reader does not decode is
// left to the PDF viewer, which shows what it can; no reader of ours
// decodes more of it than this one.
// Pages may share a content stream; it is decoded once.
func (d *Document) decodeContents(contents []any) error {
	seen := map[Ref]bool{}
	for _, c := range contents {
		streams := AsArray(d.Final.Resolve(c))
		if streams == nil {
			streams = Array{c}
		}
		for _, s := range streams {
			r, ok := AsRef(s)
			if !ok || seen[r] {
				continue
			}
			seen[r] = true
			stm, ok := d.Final.Resolve(r).(*Stream)
			if !ok {
				continue
			}
			if _, err := d.decode(stm); errors.Is(err, ErrLimit) {
				return fmt.Errorf("page content: %w", err)
			}
		}
	}
	return nil
}

func describeCount(v any) string {
	if n, ok := AsInt(v); ok {
		return fmt.Sprint(n)
	}
	return "nothing"
}

// version is the later of the header's version and the catalog's.
func (d *Document) version() string {
	v := d.Version
	if c := string(AsName(d.Final.Catalog()["Version"])); knownVersion(c) && c > v {
		v = c
	}
	return v
}
