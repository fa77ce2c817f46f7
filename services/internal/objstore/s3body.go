package objstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/minio/minio-go/v7"
)

// body is a request body whose size and SHA-256 are known before upload.
type body struct {
	reader io.Reader
	size   int64
	sum    string
	close  func()
}

// hashBody learns the digest before the upload starts, because S3 takes user
// metadata in the request headers. A seekable body is read twice; anything
// else is spooled to disk, so memory use does not grow with the file.
func (s *S3) hashBody(r io.Reader, size int64) (body, error) {
	type readAtSeeker interface {
		io.ReaderAt
		io.Seeker
	}
	if ra, ok := r.(readAtSeeker); ok && size >= 0 {
		// The upload reads through ReaderAt from here, never buffering.
		start, err := ra.Seek(0, io.SeekCurrent)
		if err == nil {
			sum, n, err := hashCount(io.NewSectionReader(ra, start, size+1), size)
			if err != nil {
				return body{}, err
			}
			return body{reader: io.NewSectionReader(ra, start, n), size: n, sum: sum, close: func() {}}, nil
		}
	}

	f, err := os.CreateTemp(s.spoolDir, "docflow-upload-*")
	if err != nil {
		return body{}, fmt.Errorf("creating spool file for the upload: %w", err)
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	sum, n, err := hashCount(io.TeeReader(r, f), size)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return body{}, err
	}
	return body{reader: f, size: n, sum: sum, close: cleanup}, nil
}

// hashCount reads r to the end (or size+1 bytes) and checks the declared size.
func hashCount(r io.Reader, size int64) (string, int64, error) {
	h := sha256.New()
	src := r
	if size >= 0 {
		src = io.LimitReader(r, size+1)
	}
	n, err := io.Copy(h, src)
	if err != nil {
		return "", 0, fmt.Errorf("reading the body: %w", err)
	}
	if size >= 0 && n != size {
		if n > size {
			return "", 0, fmt.Errorf("%w: body is longer than the declared %d bytes", ErrInvalid, size)
		}
		return "", 0, fmt.Errorf("%w: body has %d bytes, declared %d", ErrInvalid, n, size)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// verifyingReader fails the final read when the bytes differ from the
// digest recorded at Put, so corruption cannot pass as a clean EOF.
type verifyingReader struct {
	rc   io.ReadCloser
	hash hash.Hash
	want string
	name string
}

func newVerifyingReader(rc io.ReadCloser, sum, name string) *verifyingReader {
	return &verifyingReader{rc: rc, hash: sha256.New(), want: sum, name: name}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.hash.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(v.hash.Sum(nil)); got != v.want {
			return n, fmt.Errorf("objstore.Get %s: %w: read sha256 %s, recorded %s", v.name, ErrChecksum, got, v.want)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }

// digest reads a stored object to hash it, for an object written without
// its digest.
func (s *S3) digest(ctx context.Context, bucket, key, versionID string) (string, error) {
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{VersionID: versionID})
	if err != nil {
		return "", mapErr("read", bucket, key, versionID, err)
	}
	defer func() { _ = obj.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, obj); err != nil {
		return "", mapErr("read", bucket, key, versionID, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
