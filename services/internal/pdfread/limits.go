package pdfread

import (
	"errors"
	"fmt"
)

// Limits bound what reading one file may cost. Open replaces every zero
// field with its default for the file's size (see DefaultLimits and the
// package documentation for why each default is where it is).
type Limits struct {
	// MaxObjectNumber is the largest object number the file may claim
	// anywhere: a cross-reference subsection's start and count, a
	// trailer's /Size, a cross-reference stream's /Size and /Index, an
	// object stream's header.
	MaxObjectNumber int64
	// MaxObjects bounds the cross-reference entries read over all
	// revisions: the indirect objects the reader keeps track of.
	MaxObjects int64
	// MaxRevisions bounds the cross-reference sections followed through
	// /Prev.
	MaxRevisions int
	// MaxDepth bounds the nesting of arrays and dictionaries, the depth of
	// the page tree and the length of an object stream's /Extends chain.
	MaxDepth int
	// MaxStreamBytes bounds what one stream decodes to.
	MaxStreamBytes int64
	// MaxDecodedBytes bounds what all streams decode to together.
	MaxDecodedBytes int64
	// Work bounds the bytes scanned: parsing objects, cross-reference
	// sections and object streams, and searching for keywords.
	Work int64
}

// Defaults, as the package documentation explains them.
const (
	// DefaultMaxDepth is the default Limits.MaxDepth.
	DefaultMaxDepth = 64
	// PDFMaxObjectNumber is ISO 32000-1's implementation limit on the
	// number of indirect objects (Annex C): no conforming file needs more.
	PDFMaxObjectNumber = 8_388_607

	minObjectNumber    = 1 << 16
	bytesPerObject     = 8
	defaultRevisions   = 4096
	minStreamBytes     = 2 << 20
	maxStreamBytes     = 128 << 20
	streamBytesPerByte = 16
	minDecodedBytes    = 4 << 20
	maxDecodedBytes    = 256 << 20
	decodedPerByte     = 32
	workFixed          = 4 << 20
	workPerByte        = 8
)

// DefaultLimits are the limits Open applies to a file of size bytes.
func DefaultLimits(size int64) Limits {
	size = max(size, 0)
	objects := clamp(size/bytesPerObject, minObjectNumber, PDFMaxObjectNumber)
	return Limits{
		MaxObjectNumber: objects,
		MaxObjects:      2 * objects,
		MaxRevisions:    defaultRevisions,
		MaxDepth:        DefaultMaxDepth,
		MaxStreamBytes:  clamp(size*streamBytesPerByte, minStreamBytes, maxStreamBytes),
		MaxDecodedBytes: clamp(size*decodedPerByte, minDecodedBytes, maxDecodedBytes),
		Work:            workFixed + workPerByte*size,
	}
}

func clamp(v, lo, hi int64) int64 { return min(max(v, lo), hi) }

// withDefaults fills the zero fields of l for a file of size bytes.
func (l Limits) withDefaults(size int64) Limits {
	d := DefaultLimits(size)
	pick := func(v, def int64) int64 {
		if v > 0 {
			return v
		}
		return def
	}
	l.MaxObjectNumber = pick(l.MaxObjectNumber, d.MaxObjectNumber)
	l.MaxObjects = pick(l.MaxObjects, d.MaxObjects)
	l.MaxRevisions = int(pick(int64(l.MaxRevisions), int64(d.MaxRevisions)))
	l.MaxDepth = int(pick(int64(l.MaxDepth), int64(d.MaxDepth)))
	l.MaxStreamBytes = pick(l.MaxStreamBytes, d.MaxStreamBytes)
	l.MaxDecodedBytes = pick(l.MaxDecodedBytes, d.MaxDecodedBytes)
	l.Work = pick(l.Work, d.Work)
	return l
}

// ErrLimit matches every error of a file that exceeds a limit; the error
// also matches the sentinel of the limit it exceeds.
var ErrLimit = errors.New("the file exceeds the limits of the PDF reader")

// The limits, one sentinel each. Every *LimitError matches ErrLimit and one
// of these.
var (
	ErrObjectNumber = newLimitKind("object_number", "an object number is larger than the file can hold")
	ErrXrefSize     = newLimitKind("xref_size", "a cross-reference section is larger than the bytes present")
	ErrObjects      = newLimitKind("objects", "the file has more indirect objects than its size allows")
	ErrRevisions    = newLimitKind("revisions", "the file has more revisions than the reader follows")
	ErrNesting      = newLimitKind("nesting", "objects are nested too deeply")
	ErrDecoded      = newLimitKind("decoded_bytes", "streams decompress to more bytes than the file's size allows")
	ErrObjectStream = newLimitKind("object_stream", "an object stream claims more than it holds")
	ErrPageTreeSize = newLimitKind("page_tree", "the page tree is deeper than the reader follows")
	ErrWork         = newLimitKind("work", "reading the file takes more work than its size allows")
)

// limitKind is the type of the limit sentinels: it carries the stable name
// callers put into machine-readable details.
type limitKind struct{ name, text string }

func newLimitKind(name, text string) error { return &limitKind{name: name, text: text} }

func (k *limitKind) Error() string { return k.text }

// LimitError is a limit the file exceeds.
type LimitError struct {
	Kind error  // one of the limit sentinels (ErrObjectNumber, …)
	Msg  string // what exceeds it, with the numbers
	Got  int64  // what the file claims or needs
	Max  int64  // the limit
}

// limitErr says what exceeds the limit; the message format takes the
// claim and the limit as its last two arguments.
func limitErr(kind error, got, limit int64, format string, args ...any) *LimitError {
	return &LimitError{Kind: kind, Msg: fmt.Sprintf(format, append(args, got, limit)...), Got: got, Max: limit}
}

func (e *LimitError) Error() string { return e.Kind.Error() + ": " + e.Msg }

// Unwrap makes the error match ErrLimit and its own sentinel.
func (e *LimitError) Unwrap() []error { return []error{ErrLimit, e.Kind} }

// Name is the limit's stable machine-readable name, e.g. "object_number".
func (e *LimitError) Name() string {
	var k *limitKind
	if errors.As(e.Kind, &k) {
		return k.name
	}
	return "unknown"
}

// Damage, one sentinel per part of the file. Their errors say in their own
// words what is wrong; the sentinel says where.
var (
	ErrEmpty     = errors.New("the file is empty")
	ErrNotPDF    = errors.New("the file is not a PDF: missing %PDF header")
	ErrHeader    = errors.New("the PDF header is damaged")
	ErrTruncated = errors.New("the file has no end-of-file marker (%%EOF): it was cut short")
	ErrXref      = errors.New("the cross-reference data is missing or damaged")
	ErrSyntax    = errors.New("PDF syntax error")
	ErrStream    = errors.New("a stream cannot be decoded")
	ErrPageTree  = errors.New("the page tree is missing or damaged")
	ErrEncrypted = errors.New("the PDF is encrypted")
)

// damage is an error of a damaged file: its message is its own, and it
// matches the sentinel of the part that is damaged.
type damage struct {
	kind  error
	msg   string
	cause error
}

func (e *damage) Error() string { return e.msg }

func (e *damage) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

func damaged(kind error, format string, args ...any) error {
	return &damage{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// xrefErr keeps the sentinel of a limit or of syntax damage and marks
// anything else as cross-reference damage.
func xrefErr(err error) error {
	if errors.Is(err, ErrLimit) || errors.Is(err, ErrXref) {
		return err
	}
	return &damage{kind: ErrXref, msg: err.Error(), cause: err}
}
