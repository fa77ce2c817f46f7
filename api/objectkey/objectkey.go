// Package objectkey is the layout of docflow's object keys: where a
// document's bytes are kept in the documents bucket and an archived record's
// in the archive bucket. Every service that writes or looks for an object
// names it here, so no service rebuilds another's keys by hand.
//
// Documents bucket:
//
//	staging/<upload>                       an upload as received, until intake keeps or refuses it
//	originals/<document id>.pdf            the checked original of an incoming document
//	revisions/<document id>/<sha256>.pdf   a drafter's revised document, one key per content
//	signed/<document id>.pdf               the document with its approver's personal signature
//	sealed/<document id>.pdf               the issued document, with the organisation's signature
//
// Archive bucket (object-locked):
//
//	records/<agency token>/<year>/<document id>.pdf   a record: the agency as a subject token, the year signed in Vietnam
//
// Every key but the staging one is made from what the object is (its
// document, its content, its agency and year), never drawn at random: a step
// retried after a crash computes the same key and finds what an earlier
// attempt stored instead of leaving a second copy behind. The staging key is
// fresh for every upload, and the document id is derived from it, so every
// attempt to accept one upload works on one document.
//
// The layout is stored data: objects written under it must be found for as
// long as they are kept (years, in the archive), so a key is never changed;
// a new kind of object gets a new area.
package objectkey

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/api/vntime"
)

// Area is the part of a bucket a key is in: its first segment.
type Area string

// The areas of the documents bucket and of the archive bucket.
const (
	AreaStaging   Area = "staging"
	AreaOriginals Area = "originals"
	AreaRevisions Area = "revisions"
	AreaSigned    Area = "signed"
	AreaSealed    Area = "sealed"
	AreaRecords   Area = "records"
)

// Prefix is the key prefix of an area, e.g. "staging/".
func (a Area) Prefix() string { return string(a) + "/" }

const pdf = ".pdf"

// Staging is where the upload named upload (fresh for each upload) is staged.
func Staging(upload string) string { return AreaStaging.Prefix() + upload }

// Original is where a document's checked original is kept.
func Original(documentID string) string { return AreaOriginals.Prefix() + documentID + pdf }

// Revision is where a drafter's revised document with the given SHA-256
// (hex) is kept.
func Revision(documentID, sha256 string) string {
	return AreaRevisions.Prefix() + documentID + "/" + sha256 + pdf
}

// Signed is where a document signed by its approver is kept.
func Signed(documentID string) string { return AreaSigned.Prefix() + documentID + pdf }

// Sealed is where an issued document with the organisation's signature is
// kept.
func Sealed(documentID string) string { return AreaSealed.Prefix() + documentID + pdf }

// Record is where a document's record is kept in the archive bucket, under
// its agency and the year, in Vietnam, it was signed.
func Record(agency string, signedAt time.Time, documentID string) string {
	return fmt.Sprintf("%s%s/%04d/%s%s", AreaRecords.Prefix(), events.AgencyToken(agency), vntime.Year(signedAt), documentID, pdf)
}

// Key is a key taken apart: its area and what it was made from.
type Key struct {
	Area       Area
	Upload     string // staging
	DocumentID string // every area but staging
	SHA256     string // revisions
	Agency     string // records: the agency identifier
	Year       int    // records
}

// Parse takes a key of the layout apart. It refuses a key outside the
// layout, or one whose parts are not what the layout puts there: a staged
// upload must have a name and may not climb out of staging ("..").
func Parse(key string) (Key, error) {
	area, rest, _ := strings.Cut(key, "/")
	k := Key{Area: Area(area)}
	var err error
	switch k.Area {
	case AreaStaging:
		k.Upload = rest
		if rest == "" || strings.Contains(rest, "..") {
			err = fmt.Errorf("a staged upload is %s<name>, and the name has no \"..\"", AreaStaging.Prefix())
		}
	case AreaOriginals, AreaSigned, AreaSealed:
		k.DocumentID, err = pdfName(rest)
	case AreaRevisions:
		var name string
		k.DocumentID, name, _ = strings.Cut(rest, "/")
		if err = ids.CheckDocument(k.DocumentID); err == nil {
			k.SHA256, err = digest(name)
		}
	case AreaRecords:
		err = k.parseRecord(rest)
	default:
		err = fmt.Errorf("%q is not an area of the layout", area)
	}
	if err != nil {
		return Key{}, fmt.Errorf("object key %q: %w", key, err)
	}
	return k, nil
}

func (k *Key) parseRecord(rest string) error {
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return fmt.Errorf("a record key is %s<agency token>/<year>/<document id>%s", AreaRecords.Prefix(), pdf)
	}
	k.Agency = events.AgencyFromToken(parts[0])
	if err := ids.CheckAgency(k.Agency); err != nil || events.AgencyToken(k.Agency) != parts[0] {
		return fmt.Errorf("%q is not an agency token", parts[0])
	}
	year, err := strconv.Atoi(parts[1])
	if err != nil || len(parts[1]) != 4 {
		return fmt.Errorf("%q is not a year", parts[1])
	}
	k.Year = year
	k.DocumentID, err = pdfName(parts[2])
	return err
}

// pdfName is the document id of "<document id>.pdf".
func pdfName(name string) (string, error) {
	id, ok := strings.CutSuffix(name, pdf)
	if !ok {
		return "", fmt.Errorf("%q is not <document id>%s", name, pdf)
	}
	return id, ids.CheckDocument(id)
}

// digest is the SHA-256 of "<sha256>.pdf".
func digest(name string) (string, error) {
	sum, ok := strings.CutSuffix(name, pdf)
	if !ok || len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%q is not <sha256>%s with 64 lower-case hex digits", name, pdf)
	}
	return sum, nil
}
