package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// VersityOptions configure the versitygw S3 gateway on its posix backend.
type VersityOptions struct {
	Bin string // path to versitygw (see Install)
	// Root holds the buckets; VersioningDir holds old versions, which object
	// lock needs. Both are created when missing.
	Root, VersioningDir string
	Host                string // default 127.0.0.1
	Port                int    // required
	// MetaDir, when set, keeps object metadata (user metadata, retention,
	// legal hold) in this directory instead of extended attributes. It is
	// chosen automatically (<Root>.meta) when Root lacks xattr support.
	MetaDir string
	// AccessKey and SecretKey are the root account's credentials.
	AccessKey, SecretKey string
	Output               io.Writer // server output
}

const versityReadyTimeout = 30 * time.Second

// StartVersityGW runs versitygw and waits until it answers an authenticated
// ListBuckets. ctx bounds only the start; use Stop to end the server.
func StartVersityGW(ctx context.Context, opts VersityOptions) (*Process, error) {
	const op = "servers.StartVersityGW"
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Root == "" || opts.VersioningDir == "" || opts.Port == 0 || opts.AccessKey == "" || opts.SecretKey == "" {
		return nil, fmt.Errorf("%s: Root, VersioningDir, Port, AccessKey and SecretKey are required", op)
	}
	for _, dir := range []string{opts.Root, opts.VersioningDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	addr := net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))
	args := []string{"--port", addr, "--region", "us-east-1", "--quiet"}
	posixArgs := []string{"posix", "--versioning-dir", opts.VersioningDir}
	// Object metadata (retention, legal hold, user metadata) lives in
	// extended attributes; on file systems without them (tmpfs on older
	// kernels, some overlays) keep it in a sidecar directory instead.
	if opts.MetaDir == "" {
		ok, err := xattrSupported(opts.Root)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if !ok {
			opts.MetaDir = filepath.Clean(opts.Root) + ".meta"
		}
	}
	if opts.MetaDir != "" {
		if err := os.MkdirAll(opts.MetaDir, 0o750); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		posixArgs = append(posixArgs, "--sidecar", opts.MetaDir)
	}
	args = append(args, posixArgs...)
	args = append(args, opts.Root)
	// Credentials go through the environment so they never show in ps.
	env := append(os.Environ(), "ROOT_ACCESS_KEY="+opts.AccessKey, "ROOT_SECRET_KEY="+opts.SecretKey)

	p, err := start("versitygw", opts.Bin, args, env, opts.Output)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	client, err := minio.New(addr, &minio.Options{
		Creds:        credentials.NewStaticV4(opts.AccessKey, opts.SecretKey, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Stop(stopCtx)
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	err = p.waitReady(ctx, versityReadyTimeout, func(ctx context.Context) error {
		_, err := client.ListBuckets(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", op, addr, err)
	}
	return p, nil
}

func xattrSupported(dir string) (bool, error) {
	f, err := os.CreateTemp(dir, ".xattr-probe-*")
	if err != nil {
		return false, fmt.Errorf("probing %s for extended attributes: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	defer func() { _ = os.Remove(name) }()
	err = syscall.Setxattr(name, "user.docflow.probe", []byte("1"), 0)
	if errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("probing %s for extended attributes: %w", dir, err)
	}
	return true, nil
}
