package objstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates an S3-compatible endpoint.
type S3Config struct {
	// Endpoint is host:port without a scheme.
	Endpoint  string `env:"DOCFLOW_S3_ENDPOINT" default:"127.0.0.1:7070"`
	AccessKey string `env:"DOCFLOW_S3_ACCESS_KEY" default:"docflow-dev"`
	SecretKey string `env:"DOCFLOW_S3_SECRET_KEY" default:"docflow-dev-secret"`
	Region    string `env:"DOCFLOW_S3_REGION" default:"us-east-1"`
	UseTLS    bool   `env:"DOCFLOW_S3_USE_TLS" default:"false"`
	// SpoolDir holds bodies of unknown length while Put hashes them (empty:
	// the system temp dir).
	SpoolDir string `env:"DOCFLOW_S3_SPOOL_DIR" default:""`
}

// Validate reports every problem with the configuration at once.
func (c S3Config) Validate() error {
	var problems []error
	if c.Endpoint == "" {
		problems = append(problems, errors.New("DOCFLOW_S3_ENDPOINT is empty: set it to the object store's host:port"))
	} else if strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/") {
		problems = append(problems, fmt.Errorf("DOCFLOW_S3_ENDPOINT %q must be host:port without scheme or path (use DOCFLOW_S3_USE_TLS=true for https)", c.Endpoint))
	}
	if c.AccessKey == "" {
		problems = append(problems, errors.New("DOCFLOW_S3_ACCESS_KEY is empty"))
	}
	if c.SecretKey == "" {
		problems = append(problems, errors.New("DOCFLOW_S3_SECRET_KEY is empty"))
	}
	if c.Region == "" {
		problems = append(problems, errors.New("DOCFLOW_S3_REGION is empty"))
	}
	return errors.Join(problems...)
}

// S3 is the Store on an S3-compatible server that supports versioning and
// object lock (versitygw in development, any object-lock S3 in production).
type S3 struct {
	client    *minio.Client
	transport *http.Transport
	spoolDir  string

	// lockBuckets caches which buckets have object lock: it cannot be turned
	// off once on, so a positive answer never goes stale.
	lockBuckets sync.Map // bucket name → struct{}
}

var _ Store = (*S3)(nil)

// maxSinglePut is the largest body sent in one PUT. Single PUTs keep the
// conditional headers that protect retained objects simple and stream the
// body without part buffers; larger bodies fall back to multipart.
const maxSinglePut = 5 << 30

// NewS3 builds a client; it does not contact the server.
func NewS3(cfg S3Config) (*S3, error) {
	const op = "objstore.NewS3"
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	// The client's own transport, so Close can let go of its connections.
	transport, err := minio.DefaultTransport(cfg.UseTLS)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.UseTLS,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    transport,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: endpoint %q: %w", op, cfg.Endpoint, err)
	}
	return &S3{client: client, transport: transport, spoolDir: cfg.SpoolDir}, nil
}

// Close closes the idle connections to the server. Requests still running
// keep theirs until they end; nothing else needs closing.
func (s *S3) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	const op = "objstore.Put"
	if err := validatePut(key, size, opts); err != nil {
		return Info{}, fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
	}
	body, err := s.hashBody(r, size)
	if err != nil {
		return Info{}, fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
	}
	defer body.close()

	putOpts := minio.PutObjectOptions{
		ContentType:  opts.ContentType,
		UserMetadata: userMetadata(opts.Metadata, body.sum),
	}
	if putOpts.ContentType == "" {
		putOpts.ContentType = "application/octet-stream"
	}
	if opts.Retention != nil {
		putOpts.Mode = minio.RetentionMode(opts.Retention.Mode)
		putOpts.RetainUntilDate = opts.Retention.Until.UTC()
		// S3 demands an integrity header on writes that carry retention.
		putOpts.SendContentMd5 = true
	}
	if body.size <= maxSinglePut {
		putOpts.DisableMultipart = true
	}
	if err := s.guardOverwrite(ctx, bucket, key, &putOpts); err != nil {
		return Info{}, fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
	}

	up, err := s.client.PutObject(ctx, bucket, key, body.reader, body.size, putOpts)
	if err != nil {
		if isPreconditionFailed(err) {
			// Someone wrote the key between our check and our write; what
			// they wrote may be retained, so refuse rather than shadow it.
			return Info{}, fmt.Errorf("%s %s/%s: %w: the key was written concurrently; read it back before retrying", op, bucket, key, ErrLocked)
		}
		return Info{}, s.mapWriteErr(ctx, op, bucket, key, "", err)
	}
	info, err := s.Stat(ctx, bucket, key, up.VersionID)
	if err != nil {
		return Info{}, fmt.Errorf("%s %s/%s: reading back what was stored: %w", op, bucket, key, err)
	}
	if info.SHA256 != body.sum || info.Size != body.size {
		return Info{}, fmt.Errorf("%s %s/%s: store reports %d bytes sha256 %s, sent %d bytes sha256 %s: %w",
			op, bucket, key, info.Size, info.SHA256, body.size, body.sum, ErrChecksum)
	}
	return info, nil
}

// guardOverwrite keeps a retained object the visible version of its key:
// on object-lock buckets S3 would accept the write as a newer version that
// hides the record, so we refuse it and make the write conditional on the
// key not changing meanwhile.
func (s *S3) guardOverwrite(ctx context.Context, bucket, key string, putOpts *minio.PutObjectOptions) error {
	locked, err := s.hasObjectLock(ctx, bucket)
	if err != nil || !locked {
		return err
	}
	cur, err := s.client.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	switch {
	case isNotFound(err):
		putOpts.SetMatchETagExcept("*")
		return nil
	case err != nil:
		return mapErr("stat", bucket, key, "", err)
	}
	if held(cur) {
		return fmt.Errorf("%w: version %s is retained; a retained record is never replaced", ErrLocked, cur.VersionID)
	}
	putOpts.SetMatchETag(cur.ETag)
	return nil
}

func (s *S3) hasObjectLock(ctx context.Context, bucket string) (bool, error) {
	if _, ok := s.lockBuckets.Load(bucket); ok {
		return true, nil
	}
	status, _, _, _, err := s.client.GetObjectLockConfig(ctx, bucket)
	if err != nil {
		if isLockConfigMissing(err) {
			return false, nil
		}
		return false, mapErr("object lock configuration", bucket, "", "", err)
	}
	if status != "Enabled" {
		return false, nil
	}
	s.lockBuckets.Store(bucket, struct{}{})
	return true, nil
}

// held reports whether a version is under an unexpired retention or a
// legal hold.
func held(oi minio.ObjectInfo) bool {
	if strings.EqualFold(oi.Metadata.Get("X-Amz-Object-Lock-Legal-Hold"), "ON") {
		return true
	}
	mode, until := retentionOf(oi)
	return mode != "" && until.After(time.Now())
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, Info, error) {
	const op = "objstore.Get"
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{VersionID: versionID})
	if err != nil {
		return nil, Info{}, mapErr(op, bucket, key, versionID, err)
	}
	oi, err := obj.Stat()
	if err != nil {
		_ = obj.Close()
		return nil, Info{}, mapErr(op, bucket, key, versionID, err)
	}
	info := toInfo(bucket, key, oi)
	var body io.ReadCloser = obj
	if info.SHA256 != "" {
		body = &verifyingReader{rc: obj, hash: sha256.New(), want: info.SHA256, name: bucket + "/" + key}
	}
	return body, info, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, bucket, key, versionID string) (Info, error) {
	const op = "objstore.Stat"
	oi, err := s.client.StatObject(ctx, bucket, key, minio.StatObjectOptions{VersionID: versionID})
	if err != nil {
		return Info{}, mapErr(op, bucket, key, versionID, err)
	}
	return toInfo(bucket, key, oi), nil
}

// Copy implements Store.
func (s *S3) Copy(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts PutOptions) (Info, error) {
	const op = "objstore.Copy"
	if err := validatePut(dstKey, 0, opts); err != nil {
		return Info{}, fmt.Errorf("%s %s/%s → %s/%s: %w", op, srcBucket, srcKey, dstBucket, dstKey, err)
	}
	src, err := s.Stat(ctx, srcBucket, srcKey, "")
	if err != nil {
		return Info{}, fmt.Errorf("%s: source: %w", op, err)
	}
	sum := src.SHA256
	if sum == "" {
		// Written by another tool: hash it once so the copy carries a digest.
		sum, err = s.digest(ctx, srcBucket, srcKey, src.VersionID)
		if err != nil {
			return Info{}, fmt.Errorf("%s: hashing source: %w", op, err)
		}
	}
	meta := make(map[string]string, len(src.Metadata)+len(opts.Metadata))
	for k, v := range src.Metadata {
		meta[k] = v
	}
	for k, v := range opts.Metadata {
		meta[k] = v
	}
	dst := minio.CopyDestOptions{
		Bucket:          dstBucket,
		Object:          dstKey,
		UserMetadata:    userMetadata(meta, sum),
		ReplaceMetadata: true,
		ContentType:     src.ContentType,
	}
	if opts.ContentType != "" {
		dst.ContentType = opts.ContentType
	}
	if opts.Retention != nil {
		dst.Mode = minio.RetentionMode(opts.Retention.Mode)
		dst.RetainUntilDate = opts.Retention.Until.UTC()
	}
	if locked, err := s.hasObjectLock(ctx, dstBucket); err != nil {
		return Info{}, fmt.Errorf("%s: %w", op, err)
	} else if locked {
		cur, err := s.client.StatObject(ctx, dstBucket, dstKey, minio.StatObjectOptions{})
		if err == nil && held(cur) {
			return Info{}, fmt.Errorf("%s %s/%s: %w: version %s is retained; a retained record is never replaced", op, dstBucket, dstKey, ErrLocked, cur.VersionID)
		}
		if err != nil && !isNotFound(err) {
			return Info{}, mapErr(op, dstBucket, dstKey, "", err)
		}
	}
	up, err := s.client.CopyObject(ctx, dst, minio.CopySrcOptions{Bucket: srcBucket, Object: srcKey, VersionID: src.VersionID})
	if err != nil {
		return Info{}, s.mapWriteErr(ctx, op, dstBucket, dstKey, "", err)
	}
	info, err := s.Stat(ctx, dstBucket, dstKey, up.VersionID)
	if err != nil {
		return Info{}, fmt.Errorf("%s: reading back the copy: %w", op, err)
	}
	return info, nil
}

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

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, bucket, key, versionID string) error {
	const op = "objstore.Delete"
	if versionID == "" {
		// A delete marker would hide a retained record from every reader
		// that asks for the latest version; refuse it like an overwrite.
		locked, err := s.hasObjectLock(ctx, bucket)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if locked {
			cur, err := s.client.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
			if err == nil && held(cur) {
				return fmt.Errorf("%s %s/%s: %w: version %s is retained until %s", op, bucket, key, ErrLocked, cur.VersionID, retainUntil(cur))
			}
			if err != nil && !isNotFound(err) {
				return mapErr(op, bucket, key, "", err)
			}
		}
	} else {
		// S3 answers success for a version id it does not have; callers
		// deleting a specific version expect to hear that it was not there.
		if _, err := s.client.StatObject(ctx, bucket, key, minio.StatObjectOptions{VersionID: versionID}); err != nil {
			if !isDeleteMarker(err) {
				return mapErr(op, bucket, key, versionID, err)
			}
		}
	}
	err := s.client.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: versionID})
	if err != nil {
		return s.mapWriteErr(ctx, op, bucket, key, versionID, err)
	}
	return nil
}

func retainUntil(oi minio.ObjectInfo) string {
	_, until := retentionOf(oi)
	if until.IsZero() {
		return "its legal hold is released"
	}
	return until.UTC().Format(time.RFC3339)
}

// EnsureBucket implements Store.
func (s *S3) EnsureBucket(ctx context.Context, bucket string, opts BucketOptions) error {
	const op = "objstore.EnsureBucket"
	exists, err := s.client.BucketExists(ctx, bucket)
	if err != nil {
		return mapErr(op, bucket, "", "", err)
	}
	if !exists {
		err := s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{ObjectLocking: opts.ObjectLock})
		if err != nil && !isBucketTaken(err) {
			return mapErr(op, bucket, "", "", err)
		}
	}
	if opts.ObjectLock {
		locked, err := s.hasObjectLock(ctx, bucket)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if !locked {
			return fmt.Errorf("%s %s: %w: the bucket exists without object lock, which cannot be enabled afterwards; use a new bucket name or recreate it with object lock", op, bucket, ErrInvalid)
		}
	}
	if opts.Versioning && !opts.ObjectLock {
		cfg, err := s.client.GetBucketVersioning(ctx, bucket)
		if err != nil {
			return mapErr(op, bucket, "", "", err)
		}
		if !cfg.Enabled() {
			if err := s.client.EnableVersioning(ctx, bucket); err != nil {
				return mapErr(op, bucket, "", "", err)
			}
		}
	}
	return nil
}

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

func validatePut(key string, size int64, opts PutOptions) error {
	var problems []error
	if key == "" {
		problems = append(problems, errors.New("object key is empty"))
	}
	if size < -1 {
		problems = append(problems, fmt.Errorf("size %d is negative (use -1 for unknown)", size))
	}
	for k, v := range opts.Metadata {
		if !validMetaKey(k) {
			problems = append(problems, fmt.Errorf("metadata key %q must use only lower-case letters, digits and '-'", k))
		}
		if k == MetadataSHA256 {
			problems = append(problems, fmt.Errorf("metadata key %q is reserved: the store computes it", k))
		}
		if !printableASCII(v) {
			problems = append(problems, fmt.Errorf("metadata value for %q must be printable ASCII (encode other text, e.g. URL-escape it)", k))
		}
	}
	if r := opts.Retention; r != nil {
		if r.Mode != RetentionCompliance && r.Mode != RetentionGovernance {
			problems = append(problems, fmt.Errorf("retention mode %q must be %s or %s", r.Mode, RetentionCompliance, RetentionGovernance))
		}
		if !r.Until.After(time.Now()) {
			problems = append(problems, fmt.Errorf("retention until %s is not in the future", r.Until.UTC().Format(time.RFC3339)))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(problems...))
}

func validMetaKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func userMetadata(meta map[string]string, sum string) map[string]string {
	out := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	out[MetadataSHA256] = sum
	return out
}

func toInfo(bucket, key string, oi minio.ObjectInfo) Info {
	info := Info{
		Bucket:       bucket,
		Key:          key,
		VersionID:    oi.VersionID,
		Size:         oi.Size,
		ContentType:  oi.ContentType,
		LastModified: oi.LastModified.UTC(),
		Metadata:     map[string]string{},
	}
	if info.VersionID == "null" {
		info.VersionID = ""
	}
	for k, v := range oi.UserMetadata {
		k = strings.ToLower(k)
		if k == MetadataSHA256 {
			info.SHA256 = strings.ToLower(v)
			continue
		}
		info.Metadata[k] = v
	}
	info.RetentionMode, info.RetainUntil = retentionOf(oi)
	return info
}

func retentionOf(oi minio.ObjectInfo) (string, time.Time) {
	mode := strings.ToUpper(oi.Metadata.Get("X-Amz-Object-Lock-Mode"))
	raw := oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date")
	if mode == "" || raw == "" {
		return "", time.Time{}
	}
	until, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		// An unreadable date still means the version is retained; treat it
		// as far in the future rather than as unlocked.
		return mode, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	return mode, until.UTC()
}

// verifyingReader fails the final read when the bytes differ from the
// digest recorded at Put, so corruption cannot pass as a clean EOF.
type verifyingReader struct {
	rc   io.ReadCloser
	hash hash.Hash
	want string
	name string
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

func mapErr(op, bucket, key, versionID string, err error) error {
	where := bucket
	if key != "" {
		where += "/" + key
	}
	if versionID != "" {
		where += "@" + versionID
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchBucket":
		return fmt.Errorf("%s %s: %w: bucket %q does not exist", op, where, ErrNotFound, bucket)
	case isNotFound(err), isDeleteMarker(err):
		return fmt.Errorf("%s %s: %w", op, where, ErrNotFound)
	case resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch" || resp.Code == "AccessDenied":
		return fmt.Errorf("%s %s: object store refused the request (%s): check DOCFLOW_S3_ACCESS_KEY and DOCFLOW_S3_SECRET_KEY, and that the account may use bucket %q", op, where, resp.Code, bucket)
	case resp.Code != "":
		return fmt.Errorf("%s %s: %s: %s", op, where, resp.Code, resp.Message)
	default:
		return fmt.Errorf("%s %s: %w", op, where, err)
	}
}

// mapWriteErr is mapErr for deletes and writes. S3 reports object lock
// refusing a change as 403 AccessDenied, the same answer as a missing
// permission, so a 403 counts as ErrLocked only on an object-lock bucket.
func (s *S3) mapWriteErr(ctx context.Context, op, bucket, key, versionID string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "ObjectLocked" || resp.Code == "AccessDenied" {
		if locked, lerr := s.hasObjectLock(ctx, bucket); lerr == nil && locked {
			where := bucket + "/" + key
			if versionID != "" {
				where += "@" + versionID
			}
			return fmt.Errorf("%s %s: %w: %s", op, where, ErrLocked, resp.Message)
		}
	}
	return mapErr(op, bucket, key, versionID, err)
}

func isNotFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NoSuchVersion", "NoSuchBucket", "NotFound":
		return true
	}
	return resp.StatusCode == http.StatusNotFound
}

// isDeleteMarker: S3 answers 405 when the version asked for is a delete marker.
func isDeleteMarker(err error) bool {
	return minio.ToErrorResponse(err).StatusCode == http.StatusMethodNotAllowed
}

func isPreconditionFailed(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed ||
		resp.Code == "ConditionalRequestConflict"
}

func isLockConfigMissing(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "ObjectLockConfigurationNotFoundError" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket"
}

func isBucketTaken(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "BucketAlreadyOwnedByYou" || resp.Code == "BucketAlreadyExists"
}
