package objstore

import (
	"context"
	"fmt"
	"net/http"

	"github.com/minio/minio-go/v7"
)

// mapErr turns an S3 error into one of the store's errors where one fits,
// naming the object, and spells out a refused login.
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
