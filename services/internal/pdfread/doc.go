// Package pdfread reads the structure of PDF files that anyone can upload:
// the header, the cross-reference tables and streams (with their /Prev
// chains and hybrid files), the trailers, object streams, the encryption
// dictionary's presence, the page tree, and the streams the structure
// needs decoded (FlateDecode with PNG predictors). Intake judges uploads
// with it (Inspect) and the signing service verifies signatures and checks
// what it is about to sign with it (Open).
//
// A PDF is a list of claims about itself: "there are 2,147,483,647
// objects", "this stream is 9 GB long", "the previous section is at byte
// 12". A reader that sizes its tables by such claims can be made to
// allocate gigabytes by a file of a few hundred bytes. This reader checks
// every claim against a limit before it allocates anything for it, and
// allocates for what the file holds, never for what it says it holds:
// tables are maps filled entry by entry, stream data is a slice of the
// file, decompression stops one byte past its budget.
//
// # Limits
//
// Limits are scaled to the size of the file, with a floor for small files
// and a ceiling for large ones, so that what a file can cost is a small
// multiple of what it weighs. DefaultLimits gives them; the reasons:
//
//   - MaxObjectNumber: size/8, at least 65,536, at most 8,388,607. The
//     ceiling is ISO 32000-1's own limit on indirect objects (Annex C). A
//     real file spends more than eight bytes per object (a table entry is
//     twenty, an object's header alone is six), and the floor keeps the
//     sparse numbering of small files. It bounds /Size, subsection starts
//     and counts, /Index and object stream headers, and so the tables a
//     signing library sizes by them (github.com/digitorus/pdf grows its
//     table to the largest object number a file claims).
//   - MaxObjects: twice MaxObjectNumber: the entries over all revisions,
//     where an object rewritten by an update appears once per revision.
//   - MaxRevisions: 4,096 sections on the /Prev chain. Each signature
//     adds one or two revisions; no workflow makes thousands. A loop on
//     the chain is ErrXref.
//   - MaxDepth: 64 levels of arrays and dictionaries, of the page tree,
//     and of an object stream's /Extends chain. Real files nest a few
//     levels; the bound keeps the recursive parser's stack small.
//   - MaxStreamBytes: 16 times the file size, at least 2 MiB, at most
//     128 MiB, for one stream; MaxDecodedBytes: 32 times the file size, at
//     least 4 MiB, at most 256 MiB, for all streams together. The streams
//     the structure needs (cross-reference and object streams, a DSS)
//     decompress to a fraction of the file; a Flate stream can inflate a
//     thousandfold and a chain of filters without end, which is the
//     decompression bomb these stop.
//   - Work: 4 MiB plus 8 bytes per byte of the file, scanned: parsing
//     objects, sections and object stream headers, and searching for
//     keywords. A real file is parsed about once; a crafted one could make
//     every object run to the end of the file and be read again for each.
//
// Stream /Length is never used to size anything: stream data is a slice of
// the file. A /Length beyond the bytes present, or one that is an indirect
// reference to its own stream, is treated as wrong, and the end of the
// data is found by the endstream keyword, charged to the work budget.
//
// With these defaults, opening and inspecting a file allocates, garbage
// included, at most 24 MiB plus 32 bytes per byte of the file: the tests
// measure it on a corpus of hostile files (see pdfreadtest), and
// FuzzInspect on what a fuzzer makes of them.
//
// # Errors
//
// Every error matches one sentinel of the package. A limit is a
// *LimitError that matches ErrLimit and the limit's own sentinel
// (ErrObjectNumber, ErrXrefSize, ErrObjects, ErrRevisions, ErrNesting,
// ErrDecoded, ErrObjectStream, ErrPageTreeSize, ErrWork); its Name is a
// stable machine-readable name. Damage matches the sentinel of the part
// that is damaged (ErrNotPDF, ErrHeader, ErrTruncated, ErrXref, ErrSyntax,
// ErrStream, ErrPageTree), and an encrypted file given to Inspect is
// ErrEncrypted. The messages say what is wrong where, in words a person
// can pass on to whoever made the file.
package pdfread
