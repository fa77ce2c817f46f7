// Package objstore is the port through which services keep document bytes in
// S3-compatible object storage. Messages and workflow payloads carry the
// bucket, key, version, size and SHA-256 that a Put returns, never the bytes.
package objstore

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors callers inspect with errors.Is.
var (
	// ErrNotFound: the bucket, key or version does not exist (or the latest
	// version is a delete marker).
	ErrNotFound = errors.New("object not found")
	// ErrLocked: object lock (retention or legal hold) refuses to delete or
	// replace the object.
	ErrLocked = errors.New("object is locked")
	// ErrChecksum: the bytes read back do not match the SHA-256 recorded
	// when they were stored.
	ErrChecksum = errors.New("object content does not match its recorded SHA-256")
	// ErrInvalid: the caller asked for something the store cannot do as asked
	// (bad key, bad metadata, size that does not match the body, …).
	ErrInvalid = errors.New("invalid object store request")
)

// Retention modes accepted by [Retention.Mode].
const (
	// RetentionCompliance: nobody, not even the root account, can delete the
	// version or shorten its retention before RetainUntil.
	RetentionCompliance = "COMPLIANCE"
	// RetentionGovernance: like compliance, except for accounts explicitly
	// allowed to bypass governance.
	RetentionGovernance = "GOVERNANCE"
)

// MetadataSHA256 is the user-metadata key under which Put records the hex
// SHA-256 of the body.
const MetadataSHA256 = "sha256"

// Store keeps objects in buckets. Implementations must pass the conformance
// suite in objstore/objstoretest.
type Store interface {
	// Put streams r into bucket/key. size is the body length, or -1 when
	// unknown. It computes the SHA-256 while streaming and records it in the
	// object's metadata. On a versioned bucket each Put creates a new version,
	// whose id is in the returned Info.
	Put(ctx context.Context, bucket, key string, r io.Reader, size int64, opts PutOptions) (Info, error)
	// Get opens a version (latest when versionID is empty). Reading the body
	// to the end fails with ErrChecksum when the bytes differ from the
	// recorded SHA-256. The caller closes the body.
	Get(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, Info, error)
	// Stat describes a version (latest when versionID is empty).
	Stat(ctx context.Context, bucket, key, versionID string) (Info, error)
	// Copy copies the latest version of srcBucket/srcKey server-side. The
	// destination keeps the source's SHA-256 and metadata; opts.Metadata
	// entries are added on top, opts.ContentType replaces the source's when
	// set, and opts.Retention applies to the new version.
	Copy(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts PutOptions) (Info, error)
	// Delete removes a version. With an empty versionID on a versioned bucket
	// it adds a delete marker (earlier versions stay readable by id).
	// Deleting a key that does not exist is not an error; deleting a version
	// id that does not exist is ErrNotFound. A retained version is ErrLocked.
	Delete(ctx context.Context, bucket, key, versionID string) error
	// EnsureBucket creates the bucket when missing; calling it again is
	// harmless. When opts.ObjectLock is set, the bucket must support object
	// lock (new buckets are created with it); an existing bucket without it
	// is an error, because object lock cannot be switched on later.
	EnsureBucket(ctx context.Context, bucket string, opts BucketOptions) error
}

// PutOptions describe the object being written.
type PutOptions struct {
	// ContentType defaults to application/octet-stream.
	ContentType string
	// Metadata is user metadata stored with the object. Keys are lower-case
	// ASCII letters, digits and '-'; values are printable ASCII.
	Metadata map[string]string
	// Retention locks the new version until a time (object-lock buckets only).
	Retention *Retention
}

// Retention is an object-lock retention period.
type Retention struct {
	// Mode is RetentionCompliance or RetentionGovernance.
	Mode string
	// Until is when the version may be deleted again. Stores keep it at
	// second precision.
	Until time.Time
}

// BucketOptions describe how a bucket must be set up.
type BucketOptions struct {
	// ObjectLock makes the bucket write-once capable (it implies versioning).
	ObjectLock bool
	// Versioning keeps every version of every key (without object lock).
	Versioning bool
}

// Info describes one stored version.
type Info struct {
	Bucket    string
	Key       string
	VersionID string // empty on unversioned buckets
	Size      int64
	// SHA256 is the hex lower-case digest recorded at Put; empty for objects
	// written by other tools.
	SHA256       string
	ContentType  string
	LastModified time.Time
	// Metadata is the user metadata (lower-case keys), without the sha256 entry.
	Metadata      map[string]string
	RetentionMode string    // empty when the version is not retained
	RetainUntil   time.Time // zero when the version is not retained
}
