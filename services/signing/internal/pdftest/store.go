package pdftest

import (
	"bytes"
	"io"
	"testing"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/objstore"
)

// Upload stores pdf at key in bucket, as intake stores a document, and
// returns the reference a workflow carries.
func Upload(t testing.TB, store objstore.Store, bucket, key string, pdf []byte) events.Object {
	t.Helper()
	info, err := store.Put(t.Context(), bucket, key, bytes.NewReader(pdf), int64(len(pdf)), objstore.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatalf("store %s: %v", key, err)
	}
	return events.Object{Bucket: info.Bucket, Key: info.Key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
}

// Download reads a stored version of key in bucket (the latest when
// versionID is empty) in full.
func Download(t testing.TB, store objstore.Store, bucket, key, versionID string) []byte {
	t.Helper()
	body, _, err := store.Get(t.Context(), bucket, key, versionID)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	defer func() { _ = body.Close() }()
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}
