package testkit

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/servers"
)

// S3Env is a running versitygw (posix backend, versioning and object lock
// on) and a Store connected to it as the root account.
type S3Env struct {
	Config objstore.S3Config
	Store  *objstore.S3
	// DataDir is the gateway's posix root: <DataDir>/<bucket>/<key> is the
	// latest version's file, for tests that damage stored bytes on purpose.
	DataDir string
}

// S3Option changes how S3 starts.
type S3Option func(*s3Setup)

type s3Setup struct{ sidecar bool }

// WithSidecarMetadata keeps object metadata in a directory instead of
// extended attributes, as the gateway does on file systems without them.
func WithSidecarMetadata() S3Option { return func(s *s3Setup) { s.sidecar = true } }

// S3 starts versitygw on a free port with its data in temp dirs.
func S3(t testing.TB, opts ...S3Option) *S3Env {
	t.Helper()
	var setup s3Setup
	for _, o := range opts {
		o(&setup)
	}
	bin := tool(t, servers.VersityGW)
	dir := t.TempDir()
	out := serverLog(t, "versitygw")
	access, secret := "test-"+randomHex(t, 6), randomHex(t, 16)

	var (
		proc    *servers.Process
		dataDir string
	)
	port, err := onFreePort(func(attempt, port int) error {
		dataDir = filepath.Join(dir, fmt.Sprintf("data-%d", attempt))
		metaDir := ""
		if setup.sidecar {
			metaDir = filepath.Join(dir, fmt.Sprintf("meta-%d", attempt))
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var err error
		proc, err = servers.StartVersityGW(ctx, servers.VersityOptions{
			Bin:           bin,
			Root:          dataDir,
			VersioningDir: filepath.Join(dir, fmt.Sprintf("versions-%d", attempt)),
			MetaDir:       metaDir,
			Port:          port,
			AccessKey:     access,
			SecretKey:     secret,
			Output:        out,
		})
		return err
	})
	if err != nil {
		fatalf(t, "%v", err)
	}
	stopOnCleanup(t, "versitygw", proc)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	cfg := objstore.S3Config{Endpoint: addr, AccessKey: access, SecretKey: secret, Region: "us-east-1", SpoolDir: t.TempDir()}
	store, err := objstore.NewS3(cfg)
	if err != nil {
		fatalf(t, "%v", err)
	}
	return &S3Env{Config: cfg, Store: store, DataDir: dataDir}
}
