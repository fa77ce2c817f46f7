// Package verify checks the signatures of a PDF: PAdES (ETSI EN 319 142)
// and plain PKCS#7 detached signatures and document timestamps. It parses
// the PDF and the CMS itself, so that every verdict is its own and every
// reason has a stable code (the Code constants).
//
// What is checked, per signature: that /ByteRange frames exactly /Contents
// and runs from the start of the file to the end of a revision; the digest
// of those bytes against the CMS message-digest and the signature value
// against the signer's key; the ESS signing-certificate attribute; the
// signature timestamp (token signature, imprint, authority trusted for
// timestamping); the path to the configured trust anchors and the signer
// certificate's validity and revocation at the signing time (from the
// timestamp when there is one, else the claimed /M); and what later
// revisions changed (validation data, further signatures, form fill and
// annotations are permitted; anything that rewrites signed content is not).
// For the document: encryption, truncation, bytes appended after the last
// %%EOF, signature fields without a signature and signature dictionaries no
// field refers to.
package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/pdfread"
)

const op = "verify.Verify"

// DefaultMaxSize is the largest file Verify reads when Options.MaxSize is 0.
const DefaultMaxSize = 256 << 20

// clockSkew is how far in the future a claimed time may be before it is
// reported: computer clocks drift.
const clockSkew = 5 * time.Minute

// Options configure a verification.
type Options struct {
	// Roots are the trust anchors (for signers and timestamp authorities).
	// Nil trusts nothing: every path is reported untrusted. The system roots
	// are never used.
	Roots *x509.CertPool
	// Now is the verifier's clock; zero means time.Now().
	Now time.Time
	// MinLevel, when set, is the lowest PAdES level a signature may have
	// (document timestamps are not judged by it).
	MinLevel string
	// RequireRevocation makes a signature without embedded revocation data
	// for its signing time invalid; otherwise that is a warning.
	RequireRevocation bool
	// MaxSize is the largest file accepted; 0 means DefaultMaxSize.
	MaxSize int64
}

// Verify checks every signature of the PDF of size bytes in r. Whatever is
// wrong with the document is in the Report (with Valid false); the error is
// for the verification itself failing: r could not be read, ctx ended, or
// the file is larger than Options.MaxSize (an *errs.Error of kind Invalid,
// errcode.FileTooLarge).
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts Options) (Report, error) {
	if err := ctx.Err(); err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	maxSize := opts.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if size < 0 {
		return Report{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "the file size is negative")
	}
	if size > maxSize {
		return Report{}, errs.E(op, errs.Invalid, errcode.FileTooLarge,
			fmt.Sprintf("the file is %d bytes; signatures are verified on files of up to %d bytes", size, maxSize)).
			WithDetail("size", fmt.Sprint(size))
	}
	data := make([]byte, size)
	if n, err := r.ReadAt(data, 0); int64(n) != size {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return Report{}, fmt.Errorf("%s: read PDF: %w", op, err)
	}

	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	roots := opts.Roots
	if roots == nil {
		roots = x509.NewCertPool()
	}
	v := &verifier{ctx: ctx, opts: opts, now: now, roots: roots, data: data, changes: map[int64]*changeSet{}}
	rep, err := v.run()
	if err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	return rep, nil
}

type verifier struct {
	ctx   context.Context
	opts  Options
	now   time.Time
	roots *x509.CertPool
	data  []byte
	doc   *pdfread.Document
	work  int64 // cross-reference entries compared so far (see maxWork)

	dssCerts []*x509.Certificate
	dssRev   revocationData
	// changes caches the judgement of later revisions by signed revision.
	changes map[int64]*changeSet
}

func errProblem(code string, format string, args ...any) Problem {
	return Problem{Code: code, Severity: SeverityError, Message: fmt.Sprintf(format, args...)}
}

func warnProblem(code string, format string, args ...any) Problem {
	return Problem{Code: code, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)}
}

func hasError(ps []Problem) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == SeverityError })
}

func (v *verifier) run() (Report, error) {
	rep := Report{
		Size:       int64(len(v.data)),
		VerifiedAt: v.now,
		Signatures: []Signature{},
		Problems:   []Problem{},
	}
	doc, p := openDocument(v.data)
	if doc == nil {
		rep.Problems = append(rep.Problems, p)
		return rep, nil
	}
	v.doc = doc
	rep.Revisions = len(doc.Sections)
	if doc.Encrypted() {
		rep.Problems = append(rep.Problems, errProblem(CodeEncrypted,
			"the PDF is encrypted: its signatures cannot be verified; ask the sender for the document without a password or encryption"))
		return rep, nil
	}
	if p, bad := tailProblem(doc.Tail); bad {
		rep.Problems = append(rep.Problems, p)
	}
	v.loadDSS()

	referenced := map[int64]bool{}
	for _, f := range collectFields(doc.Final) {
		if err := v.ctx.Err(); err != nil {
			return Report{}, err
		}
		if f.value == nil {
			rep.Problems = append(rep.Problems, warnProblem(CodeFieldEmpty, "the signature field %q is not signed", f.name))
			continue
		}
		rep.SignatureFields++
		ref, isRef := pdfread.AsRef(f.value)
		if isRef {
			referenced[ref.Num] = true
		}
		sd := pdfread.AsDict(doc.Final.Resolve(f.value))
		if sd == nil || sd["ByteRange"] == nil || sd["Contents"] == nil {
			rep.Problems = append(rep.Problems, errProblem(CodeSignatureMissing,
				"the signature field %q refers to no signature: its signature dictionary is missing or damaged", f.name))
			continue
		}
		rep.Signatures = append(rep.Signatures, v.signature(f.name, ref, isRef, sd))
	}
	rep.Verified = len(rep.Signatures)
	sort.SliceStable(rep.Signatures, func(i, j int) bool {
		return rep.Signatures[i].Coverage.RevisionEnd < rep.Signatures[j].Coverage.RevisionEnd
	})
	rep.Problems = append(rep.Problems, v.orphans(referenced)...)
	v.archiveLevels(rep.Signatures)
	if doc.Exhausted() {
		rep.Problems = append(rep.Problems, errProblem(CodeTooComplex,
			"the document has more or larger objects than the verifier reads (%v); it was not fully checked", errTooComplex))
	}

	if len(rep.Signatures) == 0 && !hasError(rep.Problems) {
		rep.Problems = append(rep.Problems, errProblem(CodeNotSigned, "the document has no signature"))
	}
	rep.Valid = len(rep.Signatures) > 0 && !hasError(rep.Problems)
	for _, s := range rep.Signatures {
		rep.Valid = rep.Valid && s.Valid
	}
	return rep, nil
}

// tailProblem judges what follows the last complete revision.
func tailProblem(tail []byte) (Problem, bool) {
	rest := bytes.TrimLeft(tail, "\x00\t\n\f\r ")
	if len(rest) == 0 {
		return Problem{}, false
	}
	for _, kw := range []string{" obj", "xref", "trailer", "startxref", "endobj"} {
		if bytes.Contains(rest, []byte(kw)) {
			return errProblem(CodeTruncated,
				"the file ends in the middle of an update (%d bytes after the last complete revision): it was cut short, e.g. by an interrupted download or copy", len(rest)), true
		}
	}
	return errProblem(CodeAppendedData,
		"%d bytes were appended after the end of the document (%%%%EOF) that are not a valid update: the file was altered after it was saved", len(rest)), true
}

// loadDSS reads the document security store of the final revision.
func (v *verifier) loadDSS() {
	f := v.doc.Final
	cat := pdfread.AsDict(f.Resolve(f.Trailer["Root"]))
	dss := pdfread.AsDict(f.Resolve(cat["DSS"]))
	streams := func(key pdfread.Name) [][]byte {
		var out [][]byte
		for _, o := range pdfread.AsArray(f.Resolve(dss[key])) {
			if s, ok := f.Resolve(o).(*pdfread.Stream); ok {
				if data, err := v.doc.Decode(s); err == nil {
					out = append(out, data)
				}
			}
		}
		return out
	}
	for _, der := range streams("Certs") {
		if c, err := x509.ParseCertificate(der); err == nil {
			v.dssCerts = append(v.dssCerts, c)
		}
	}
	for _, der := range streams("OCSPs") {
		v.dssRev.ocsps = append(v.dssRev.ocsps, sourced{der: der, source: "dss_ocsp"})
	}
	for _, der := range streams("CRLs") {
		v.dssRev.crls = append(v.dssRev.crls, sourced{der: der, source: "dss_crl"})
	}
}

// archiveLevels raises B-LT signatures to B-LTA when a valid document
// timestamp covers a revision that holds the validation data.
func (v *verifier) archiveLevels(sigs []Signature) {
	for i := range sigs {
		if sigs[i].Level != LevelBLT {
			continue
		}
		for _, ts := range sigs {
			if ts.Kind != KindDocumentTimestamp || !ts.Valid || ts.Coverage.RevisionEnd <= sigs[i].Coverage.RevisionEnd {
				continue
			}
			at := v.doc.ViewAt(ts.Coverage.RevisionEnd)
			if pdfread.AsDict(at.Resolve(at.Trailer["Root"]))["DSS"] != nil {
				sigs[i].Level = LevelBLTA
				break
			}
		}
	}
}

// orphans finds signature dictionaries in the file that no signature field
// refers to: a signature whose field was emptied or removed.
func (v *verifier) orphans(referenced map[int64]bool) []Problem {
	var out []Problem
	seen := map[int64]bool{}
	report := func(num int64, o any) {
		d := pdfread.AsDict(o)
		if d == nil || d["ByteRange"] == nil || d["Contents"] == nil || referenced[num] || seen[num] {
			return
		}
		if t := pdfread.AsName(d["Type"]); t != "Sig" && t != "DocTimeStamp" && d["Filter"] == nil {
			return
		}
		seen[num] = true
		out = append(out, errProblem(CodeSignatureOrphaned,
			"object %d is a signature that no signature field refers to: a signature was removed from the document", num))
	}
	for _, sec := range v.doc.Sections {
		for num, e := range sec.Entries {
			if e.Kind != pdfread.InFile {
				continue
			}
			o, err := v.doc.ObjectAt(e.Off, num)
			if err == nil {
				report(num, o)
			}
		}
	}
	for num, e := range v.doc.Final.Xref {
		if e.Kind == pdfread.InStream {
			o, _ := v.doc.Final.Object(num)
			report(num, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Message < out[j].Message })
	return out
}
