package objstore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// validatePut checks a Put before any byte is sent, reporting every problem
// at once as ErrInvalid.
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

// toInfo is what the store says of an object, from what S3 says of it: the
// recorded digest apart from the caller's metadata, "null" versions as none.
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
