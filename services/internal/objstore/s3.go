package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/docflow/docflow/services/internal/config"
)

// S3Config locates an S3-compatible endpoint.
type S3Config struct {
	// Endpoint is host:port without a scheme.
	Endpoint  string `env:"DOCFLOW_S3_ENDPOINT" default:"127.0.0.1:7070" required:"the object store's host:port"`
	AccessKey string `env:"DOCFLOW_S3_ACCESS_KEY" default:"docflow-dev" required:""`
	SecretKey string `env:"DOCFLOW_S3_SECRET_KEY" default:"docflow-dev-secret" required:""`
	Region    string `env:"DOCFLOW_S3_REGION" default:"us-east-1" required:""`
	UseTLS    bool   `env:"DOCFLOW_S3_USE_TLS" default:"false"`
	// SpoolDir holds bodies of unknown length while Put hashes them (empty:
	// the system temp dir).
	SpoolDir string `env:"DOCFLOW_S3_SPOOL_DIR" default:""`
}

// Validate reports every problem with the configuration at once.
func (c S3Config) Validate() error {
	problems := config.Missing(c)
	if strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/") {
		problems = append(problems, fmt.Errorf("DOCFLOW_S3_ENDPOINT %q must be host:port without scheme or path (use DOCFLOW_S3_USE_TLS=true for https)", c.Endpoint))
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
		body = newVerifyingReader(obj, info.SHA256, bucket+"/"+key)
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
