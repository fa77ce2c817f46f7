// Package pades signs PDFs as PAdES (ETSI EN 319 142) signatures. The rest of
// the service sees only the Signer interface; the PDF library behind it is an
// implementation detail of this package.
package pades

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// Level is a PAdES baseline level.
type Level string

// The PAdES baseline levels. Each adds to the one before: B-T a trusted
// timestamp, B-LT the validation data, B-LTA archive timestamps.
const (
	LevelBB   Level = "B-B"
	LevelBT   Level = "B-T"
	LevelBLT  Level = "B-LT"
	LevelBLTA Level = "B-LTA"
)

// Levels lists every level in order.
var Levels = []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA}

// ParseLevel reads a level as written in configuration ("B-B", "B-T", …).
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", errs.E("pades.ParseLevel", errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("unknown PAdES level %q: use one of B-B, B-T, B-LT, B-LTA", s)).
		WithDetail("level", s)
}

// Available reports whether signatures of this level can be produced. Every
// baseline level can; B-T and above need Request.TSAURLs, B-LT and above
// Request.Revocation as well.
func (l Level) Available() bool {
	switch l {
	case LevelBB, LevelBT, LevelBLT, LevelBLTA:
		return true
	}
	return false
}

// CheckAvailable returns an Invalid error when the level cannot be produced.
func (l Level) CheckAvailable() error {
	if l.Available() {
		return nil
	}
	return errs.E("pades.Level", errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("unknown PAdES level %q: use one of B-B, B-T, B-LT, B-LTA", l)).
		WithDetail("level", string(l))
}

// timestamped reports whether the level carries a trusted time.
func (l Level) timestamped() bool { return l == LevelBT || l.longTerm() }

// longTerm reports whether the level embeds validation data.
func (l Level) longTerm() bool { return l == LevelBLT || l == LevelBLTA }

// SubFilterCAdES is the PDF SubFilter of every PAdES signature.
const SubFilterCAdES = "ETSI.CAdES.detached"

// Request says who signs and how.
type Request struct {
	Key  crypto.Signer
	Cert *x509.Certificate
	// Chain holds the certificates above Cert, up to the root; they are
	// embedded so a verifier can build the path without fetching anything.
	Chain      []*x509.Certificate
	SignerName string // shown by PDF readers; defaults to the certificate's CN
	Reason     string
	Location   string
	Level      Level

	// TSAURLs are the RFC 3161 timestamp authorities of B-T and above, asked
	// in this order (each retried once) until one grants a timestamp. When
	// none does, signing fails naming every one: a signature never falls
	// back to the signer's clock.
	TSAURLs []string
	// HTTPClient sends the timestamp requests; nil uses a client with a
	// 15-second timeout per request.
	HTTPClient *http.Client
	// Revocation provides the OCSP responses and CRLs that B-LT and B-LTA
	// embed for the signer's and the timestamp authority's certificates.
	Revocation RevocationSource

	// Appearance is what the signature shows on the page (appearance.go);
	// nil makes it invisible.
	Appearance *Appearance
}

// Signature describes a signature that was added.
type Signature struct {
	Level      Level
	SubFilter  string
	SignerName string
	// SignedAt is when the signature was made, by the Signer's clock; the
	// signature dictionary's /M entry records the same moment. Until B-T
	// nothing but the signer vouches for it.
	SignedAt time.Time
	// Timestamped is when the timestamp authority saw the signature (B-T
	// and above); zero at B-B.
	Timestamped time.Time
	// DocumentTimestamped is the time of the document timestamp over the
	// whole file with its validation data (B-LTA); zero below.
	DocumentTimestamped time.Time
	// Size is the length of the signed PDF written to out.
	Size int64
}

// Signer adds one approval signature to a PDF. The input is left untouched:
// the output is the input followed by incremental updates (the texts of
// req.Appearance when it has any, the signature, then at B-LT and B-LTA
// the validation data and the document timestamp), so
// earlier signatures stay valid and later ones (number, organisation seal)
// may follow.
//
// Nothing is written to out unless the whole signature at the requested
// level was made.
//
// Errors are *errs.Error of kind Invalid when the request or the PDF cannot
// be signed (errcode.NotPDF, errcode.MalformedPDF, errcode.InvalidArgument,
// also for a revoked certificate), and of kind Unavailable when no timestamp
// authority, OCSP responder or CRL answered (a retry may succeed); any other
// error comes from writing out or from ctx.
type Signer interface {
	Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, req Request) (Signature, error)
}
