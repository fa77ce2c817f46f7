// Package objstoretest is the conformance suite every objstore.Store
// adapter passes. It checks what the services rely on: bytes come back
// exactly, digests are recorded, missing things are ErrNotFound, versions
// stay readable, and a retained record can be neither deleted nor replaced.
package objstoretest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/objstore"
)

// Run runs the suite against the store newStore returns. The store is used
// by parallel subtests at once, each in buckets of its own.
func Run(t *testing.T, newStore func(t *testing.T) objstore.Store) {
	t.Helper()
	store := newStore(t)
	tests := []struct {
		name string
		run  func(t *testing.T, s objstore.Store)
	}{
		{"PutGetRoundTrip", testRoundTrip},
		{"PutRejectsWrongSize", testWrongSize},
		{"PutRejectsBadOptions", testBadOptions},
		{"Stat", testStat},
		{"Missing", testMissing},
		{"Copy", testCopy},
		{"Delete", testDelete},
		{"Versions", testVersions},
		{"EnsureBucket", testEnsureBucket},
		{"ObjectLock", testObjectLock},
		{"UnretainedInLockBucket", testUnretainedInLockBucket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, store)
		})
	}
}

func testRoundTrip(t *testing.T, s objstore.Store) {
	bucket := newBucket(t, s, objstore.BucketOptions{})
	tests := []struct {
		name        string
		body        []byte
		size        int64 // -1: unknown
		seekable    bool
		contentType string
		meta        map[string]string
		wantType    string
	}{
		{name: "small pdf", body: []byte("%PDF-1.7\nhello\n%%EOF\n"), size: 21, seekable: true, contentType: "application/pdf", meta: map[string]string{"document-id": "d-1", "agency": "000.00.00.G22"}, wantType: "application/pdf"},
		{name: "empty", body: nil, size: 0, seekable: true, wantType: "application/octet-stream"},
		{name: "unknown size stream", body: randomBytes(t, 300<<10), size: -1, contentType: "application/pdf", wantType: "application/pdf"},
		{name: "known size stream", body: randomBytes(t, 64<<10), size: 64 << 10, contentType: "application/pdf", wantType: "application/pdf"},
		{name: "20 MiB unknown size", body: randomBytes(t, 20<<20), size: -1, contentType: "application/pdf", wantType: "application/pdf"},
		{name: "20 MiB seekable", body: randomBytes(t, 20<<20), size: 20 << 20, seekable: true, contentType: "application/pdf", wantType: "application/pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			key := "docs/" + tt.name + ".pdf"
			var r io.Reader = bytes.NewReader(tt.body)
			if !tt.seekable {
				r = onlyReader{r}
			}
			put, err := s.Put(ctx, bucket, key, r, tt.size, objstore.PutOptions{ContentType: tt.contentType, Metadata: tt.meta})
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want := objstore.Info{Bucket: bucket, Key: key, Size: int64(len(tt.body)), SHA256: digest(tt.body), ContentType: tt.wantType, Metadata: orEmpty(tt.meta)}
			assertInfo(t, "Put", put, want)

			assertInfo(t, "Get", assertContent(t, s, bucket, key, "", tt.body), want)
		})
	}
}

func testWrongSize(t *testing.T, s objstore.Store) {
	bucket := newBucket(t, s, objstore.BucketOptions{})
	tests := []struct {
		name     string
		body     string
		size     int64
		seekable bool
	}{
		{"declared larger, stream", "short", 10, false},
		{"declared smaller, stream", "longer than declared", 3, false},
		{"declared larger, seekable", "short", 10, true},
		{"declared smaller, seekable", "longer than declared", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r io.Reader = bytes.NewReader([]byte(tt.body))
			if !tt.seekable {
				r = onlyReader{r}
			}
			key := "wrong/" + tt.name
			_, err := s.Put(t.Context(), bucket, key, r, tt.size, objstore.PutOptions{})
			if !errors.Is(err, objstore.ErrInvalid) {
				t.Fatalf("Put with size %d for %d bytes: got %v, want ErrInvalid", tt.size, len(tt.body), err)
			}
			if _, err := s.Stat(t.Context(), bucket, key, ""); !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("a refused Put left something behind: Stat = %v, want ErrNotFound", err)
			}
		})
	}
}

func testBadOptions(t *testing.T, s objstore.Store) {
	bucket := newBucket(t, s, objstore.BucketOptions{ObjectLock: true})
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		opts objstore.PutOptions
	}{
		{"unknown retention mode", objstore.PutOptions{Retention: &objstore.Retention{Mode: "FOREVER", Until: future}}},
		{"retention in the past", objstore.PutOptions{Retention: &objstore.Retention{Mode: objstore.RetentionGovernance, Until: time.Now().Add(-time.Minute)}}},
		{"upper-case metadata key", objstore.PutOptions{Metadata: map[string]string{"Agency": "x"}}},
		{"non-ASCII metadata value", objstore.PutOptions{Metadata: map[string]string{"subject": "Quyết định"}}},
		{"reserved sha256 key", objstore.PutOptions{Metadata: map[string]string{"sha256": "00"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key := "bad/" + tt.name
			_, err := s.Put(t.Context(), bucket, key, bytes.NewReader([]byte("x")), 1, tt.opts)
			if !errors.Is(err, objstore.ErrInvalid) {
				t.Fatalf("Put: got %v, want ErrInvalid", err)
			}
			if _, err := s.Stat(t.Context(), bucket, key, ""); !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("a refused Put left something behind: Stat = %v, want ErrNotFound", err)
			}
		})
	}
}

func testStat(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	bucket := newBucket(t, s, objstore.BucketOptions{Versioning: true})
	body := []byte("%PDF-1.4 stat me")
	put, err := s.Put(ctx, bucket, "a.pdf", bytes.NewReader(body), int64(len(body)), objstore.PutOptions{ContentType: "application/pdf", Metadata: map[string]string{"kind": "quyet-dinh"}})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if put.VersionID == "" {
		t.Fatal("Put on a versioned bucket returned no version id")
	}
	if put.LastModified.IsZero() || time.Since(put.LastModified) > time.Hour || time.Until(put.LastModified) > time.Hour {
		t.Fatalf("LastModified %v is not about now", put.LastModified)
	}
	for _, version := range []string{"", put.VersionID} {
		got, err := s.Stat(ctx, bucket, "a.pdf", version)
		if err != nil {
			t.Fatalf("Stat(version %q): %v", version, err)
		}
		assertInfo(t, "Stat", got, put)
		if !got.LastModified.Equal(put.LastModified) {
			t.Fatalf("Stat LastModified %v, Put said %v", got.LastModified, put.LastModified)
		}
	}
}

func testMissing(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	bucket := newBucket(t, s, objstore.BucketOptions{Versioning: true})
	if _, err := s.Put(ctx, bucket, "present", bytes.NewReader([]byte("x")), 1, objstore.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	// A version id of another object is well formed but names nothing here.
	other, err := s.Put(ctx, bucket, "other", bytes.NewReader([]byte("y")), 1, objstore.PutOptions{})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	tests := []struct {
		name, bucket, key, version string
	}{
		{"missing key", bucket, "absent", ""},
		{"missing bucket", "docflow-no-such-bucket-" + randomHex(t, 4), "absent", ""},
		{"missing version", bucket, "present", other.VersionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			if _, err := s.Stat(ctx, tt.bucket, tt.key, tt.version); !errors.Is(err, objstore.ErrNotFound) {
				t.Errorf("Stat: got %v, want ErrNotFound", err)
			}
			rc, _, err := s.Get(ctx, tt.bucket, tt.key, tt.version)
			if rc != nil {
				closeQuietly(rc)
			}
			if !errors.Is(err, objstore.ErrNotFound) {
				t.Errorf("Get: got %v, want ErrNotFound", err)
			}
			if _, err := s.Copy(ctx, tt.bucket, tt.key, bucket, "copy-of-"+tt.key, objstore.PutOptions{}); tt.version == "" && !errors.Is(err, objstore.ErrNotFound) {
				t.Errorf("Copy: got %v, want ErrNotFound", err)
			}
		})
	}
	t.Run("delete missing version", func(t *testing.T) {
		t.Parallel()
		if err := s.Delete(t.Context(), bucket, "present", other.VersionID); !errors.Is(err, objstore.ErrNotFound) {
			t.Fatalf("Delete: got %v, want ErrNotFound", err)
		}
	})
	t.Run("put into missing bucket", func(t *testing.T) {
		t.Parallel()
		_, err := s.Put(t.Context(), "docflow-no-such-bucket-"+randomHex(t, 4), "k", bytes.NewReader([]byte("x")), 1, objstore.PutOptions{})
		if !errors.Is(err, objstore.ErrNotFound) {
			t.Fatalf("Put: got %v, want ErrNotFound", err)
		}
	})
	t.Run("delete missing key is harmless", func(t *testing.T) {
		t.Parallel()
		if err := s.Delete(t.Context(), bucket, "never-there", ""); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})
}

func testCopy(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	src := newBucket(t, s, objstore.BucketOptions{})
	dst := newBucket(t, s, objstore.BucketOptions{ObjectLock: true})
	body := randomBytes(t, 100<<10)
	put, err := s.Put(ctx, src, "in/x.pdf", bytes.NewReader(body), int64(len(body)), objstore.PutOptions{ContentType: "application/pdf", Metadata: map[string]string{"document-id": "d-7"}})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	cp, err := s.Copy(ctx, src, "in/x.pdf", dst, "records/x.pdf", objstore.PutOptions{
		Metadata:  map[string]string{"record-id": "r-1"},
		Retention: &objstore.Retention{Mode: objstore.RetentionGovernance, Until: until},
	})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	want := objstore.Info{Bucket: dst, Key: "records/x.pdf", VersionID: cp.VersionID, Size: put.Size, SHA256: put.SHA256, ContentType: "application/pdf",
		Metadata: map[string]string{"document-id": "d-7", "record-id": "r-1"}, RetentionMode: objstore.RetentionGovernance, RetainUntil: until}
	assertInfo(t, "Copy", cp, want)
	if cp.VersionID == "" {
		t.Error("Copy into an object-lock bucket returned no version id")
	}
	assertInfo(t, "Get copy", assertContent(t, s, dst, "records/x.pdf", "", body), want)
	// The source is untouched.
	srcInfo, err := s.Stat(ctx, src, "in/x.pdf", "")
	if err != nil {
		t.Fatalf("Stat source: %v", err)
	}
	assertInfo(t, "source after copy", srcInfo, put)
}

func testDelete(t *testing.T, s objstore.Store) {
	tests := []struct {
		name      string
		bucket    objstore.BucketOptions
		byVersion bool
	}{
		{"unversioned", objstore.BucketOptions{}, false},
		{"versioned latest", objstore.BucketOptions{Versioning: true}, false},
		{"versioned by id", objstore.BucketOptions{Versioning: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			bucket := newBucket(t, s, tt.bucket)
			put, err := s.Put(ctx, bucket, "gone.pdf", bytes.NewReader([]byte("bye")), 3, objstore.PutOptions{})
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			version := ""
			if tt.byVersion {
				version = put.VersionID
			}
			if err := s.Delete(ctx, bucket, "gone.pdf", version); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := s.Stat(ctx, bucket, "gone.pdf", ""); !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("Stat after Delete: got %v, want ErrNotFound", err)
			}
			rc, _, err := s.Get(ctx, bucket, "gone.pdf", "")
			if rc != nil {
				closeQuietly(rc)
			}
			if !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("Get after Delete: got %v, want ErrNotFound", err)
			}
			if tt.bucket.Versioning && !tt.byVersion {
				// A delete marker hides the object; its version stays readable.
				assertContent(t, s, bucket, "gone.pdf", put.VersionID, []byte("bye"))
			}
		})
	}
}

func testVersions(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	bucket := newBucket(t, s, objstore.BucketOptions{Versioning: true})
	v1, err := s.Put(ctx, bucket, "draft.pdf", bytes.NewReader([]byte("version one")), -1, objstore.PutOptions{})
	if err != nil {
		t.Fatalf("Put v1: %v", err)
	}
	v2, err := s.Put(ctx, bucket, "draft.pdf", bytes.NewReader([]byte("version two!")), -1, objstore.PutOptions{})
	if err != nil {
		t.Fatalf("Put v2: %v", err)
	}
	if v1.VersionID == "" || v1.VersionID == v2.VersionID {
		t.Fatalf("version ids %q and %q must be set and differ", v1.VersionID, v2.VersionID)
	}
	assertContent(t, s, bucket, "draft.pdf", "", []byte("version two!"))
	assertContent(t, s, bucket, "draft.pdf", v1.VersionID, []byte("version one"))
	assertContent(t, s, bucket, "draft.pdf", v2.VersionID, []byte("version two!"))

	if err := s.Delete(ctx, bucket, "draft.pdf", v2.VersionID); err != nil {
		t.Fatalf("Delete v2: %v", err)
	}
	assertContent(t, s, bucket, "draft.pdf", "", []byte("version one"))
	if _, err := s.Stat(ctx, bucket, "draft.pdf", v2.VersionID); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Stat of deleted version: got %v, want ErrNotFound", err)
	}
}

func testEnsureBucket(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	tests := []struct {
		name   string
		first  objstore.BucketOptions
		second objstore.BucketOptions
		fails  bool
	}{
		{"plain twice", objstore.BucketOptions{}, objstore.BucketOptions{}, false},
		{"object lock twice", objstore.BucketOptions{ObjectLock: true}, objstore.BucketOptions{ObjectLock: true}, false},
		{"lock bucket used plainly", objstore.BucketOptions{ObjectLock: true}, objstore.BucketOptions{}, false},
		{"versioning added later", objstore.BucketOptions{}, objstore.BucketOptions{Versioning: true}, false},
		{"object lock asked of a plain bucket", objstore.BucketOptions{}, objstore.BucketOptions{ObjectLock: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bucket := newBucket(t, s, tt.first)
			err := s.EnsureBucket(ctx, bucket, tt.second)
			if tt.fails {
				if !errors.Is(err, objstore.ErrInvalid) {
					t.Fatalf("EnsureBucket(%+v) on a bucket made with %+v: got %v, want ErrInvalid", tt.second, tt.first, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("EnsureBucket again: %v", err)
			}
			if _, err := s.Put(ctx, bucket, "k", bytes.NewReader([]byte("v")), 1, objstore.PutOptions{}); err != nil {
				t.Fatalf("Put into ensured bucket: %v", err)
			}
		})
	}
}

func testObjectLock(t *testing.T, s objstore.Store) {
	modes := []string{objstore.RetentionCompliance, objstore.RetentionGovernance}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			bucket := newBucket(t, s, objstore.BucketOptions{ObjectLock: true})
			original := []byte("%PDF-1.7 signed original")
			until := time.Now().Add(time.Hour)
			put, err := s.Put(ctx, bucket, "records/r1.pdf", bytes.NewReader(original), int64(len(original)), objstore.PutOptions{
				ContentType: "application/pdf",
				Retention:   &objstore.Retention{Mode: mode, Until: until},
			})
			if err != nil {
				t.Fatalf("Put with retention: %v", err)
			}
			if put.RetentionMode != mode {
				t.Errorf("RetentionMode = %q, want %q", put.RetentionMode, mode)
			}
			if d := put.RetainUntil.Sub(until); d < -time.Second || d > time.Second {
				t.Errorf("RetainUntil = %v, want %v (to the second)", put.RetainUntil, until)
			}

			attempts := []struct {
				name string
				do   func() error
			}{
				{"delete the version", func() error { return s.Delete(ctx, bucket, "records/r1.pdf", put.VersionID) }},
				{"delete the key", func() error { return s.Delete(ctx, bucket, "records/r1.pdf", "") }},
				{"overwrite", func() error {
					_, err := s.Put(ctx, bucket, "records/r1.pdf", bytes.NewReader([]byte("forged")), 6, objstore.PutOptions{})
					return err
				}},
				{"overwrite with retention", func() error {
					_, err := s.Put(ctx, bucket, "records/r1.pdf", onlyReader{bytes.NewReader([]byte("forged"))}, -1, objstore.PutOptions{
						Retention: &objstore.Retention{Mode: mode, Until: until.Add(time.Hour)},
					})
					return err
				}},
				{"copy over", func() error {
					other, err := s.Put(ctx, bucket, "scratch/forged.pdf", bytes.NewReader([]byte("forged")), 6, objstore.PutOptions{})
					if err != nil {
						return fmt.Errorf("setting up: %w", err)
					}
					_, err = s.Copy(ctx, other.Bucket, other.Key, bucket, "records/r1.pdf", objstore.PutOptions{})
					return err
				}},
			}
			for _, a := range attempts {
				if err := a.do(); !errors.Is(err, objstore.ErrLocked) {
					t.Errorf("%s: got %v, want ErrLocked", a.name, err)
				}
			}
			assertContent(t, s, bucket, "records/r1.pdf", "", original)
			assertContent(t, s, bucket, "records/r1.pdf", put.VersionID, original)
			got, err := s.Stat(ctx, bucket, "records/r1.pdf", "")
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if got.VersionID != put.VersionID {
				t.Errorf("latest version is %q, want the retained %q", got.VersionID, put.VersionID)
			}
		})
	}
}

func testUnretainedInLockBucket(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	bucket := newBucket(t, s, objstore.BucketOptions{ObjectLock: true})
	v1, err := s.Put(ctx, bucket, "work/draft.pdf", bytes.NewReader([]byte("one")), 3, objstore.PutOptions{})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if v1.RetentionMode != "" || !v1.RetainUntil.IsZero() {
		t.Fatalf("object put without retention reports retention %q until %v", v1.RetentionMode, v1.RetainUntil)
	}
	v2, err := s.Put(ctx, bucket, "work/draft.pdf", bytes.NewReader([]byte("two")), 3, objstore.PutOptions{})
	if err != nil {
		t.Fatalf("overwriting an unretained object: %v", err)
	}
	assertContent(t, s, bucket, "work/draft.pdf", "", []byte("two"))
	if err := s.Delete(ctx, bucket, "work/draft.pdf", v2.VersionID); err != nil {
		t.Fatalf("deleting an unretained version: %v", err)
	}
	assertContent(t, s, bucket, "work/draft.pdf", "", []byte("one"))
}

// newBucket makes a bucket of the test's own.
func newBucket(t *testing.T, s objstore.Store, opts objstore.BucketOptions) string {
	t.Helper()
	name := "conformance-" + randomHex(t, 6)
	if err := s.EnsureBucket(t.Context(), name, opts); err != nil {
		t.Fatalf("EnsureBucket(%s, %+v): %v", name, opts, err)
	}
	return name
}

// assertContent checks that Get reads want from the object, with want's
// digest, and returns what Get said of the object.
func assertContent(t *testing.T, s objstore.Store, bucket, key, version string, want []byte) objstore.Info {
	t.Helper()
	rc, info, err := s.Get(t.Context(), bucket, key, version)
	if err != nil {
		t.Fatalf("Get %s/%s@%s: %v", bucket, key, version, err)
	}
	defer closeQuietly(rc)
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s/%s@%s: %v", bucket, key, version, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s/%s@%s holds %q, want %q", bucket, key, version, clip(got), clip(want))
	}
	if info.SHA256 != digest(want) {
		t.Fatalf("%s/%s@%s reports sha256 %s, want %s", bucket, key, version, info.SHA256, digest(want))
	}
	return info
}

// assertInfo compares the fields a caller relies on. LastModified is
// checked where the test knows what to expect; VersionID only when want has one.
func assertInfo(t *testing.T, what string, got, want objstore.Info) {
	t.Helper()
	if got.Bucket != want.Bucket || got.Key != want.Key {
		t.Errorf("%s: object %s/%s, want %s/%s", what, got.Bucket, got.Key, want.Bucket, want.Key)
	}
	if want.VersionID != "" && got.VersionID != want.VersionID {
		t.Errorf("%s: version %q, want %q", what, got.VersionID, want.VersionID)
	}
	if got.Size != want.Size {
		t.Errorf("%s: size %d, want %d", what, got.Size, want.Size)
	}
	if got.SHA256 != want.SHA256 {
		t.Errorf("%s: sha256 %q, want %q", what, got.SHA256, want.SHA256)
	}
	if got.ContentType != want.ContentType {
		t.Errorf("%s: content type %q, want %q", what, got.ContentType, want.ContentType)
	}
	if !maps.Equal(orEmpty(got.Metadata), orEmpty(want.Metadata)) {
		t.Errorf("%s: metadata %v, want %v", what, got.Metadata, want.Metadata)
	}
	if got.RetentionMode != want.RetentionMode {
		t.Errorf("%s: retention mode %q, want %q", what, got.RetentionMode, want.RetentionMode)
	}
	if d := got.RetainUntil.Sub(want.RetainUntil); d < -time.Second || d > time.Second {
		t.Errorf("%s: retain until %v, want %v", what, got.RetainUntil, want.RetainUntil)
	}
}

// onlyReader hides Seek and ReadAt, like a network body.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// closeQuietly closes a body the test has finished reading; a failed close
// of a read stream changes nothing the test checks.
func closeQuietly(c io.Closer) { _ = c.Close() }

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func randomHex(t *testing.T, n int) string {
	return hex.EncodeToString(randomBytes(t, n))
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
