// Package servers starts the real servers docflow runs against in
// development and tests: an embedded NATS server, and the pinned Temporal
// dev server and versitygw S3 gateway as child processes built from source.
package servers

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Tool is an external server built from source with `go install`.
type Tool struct {
	Name    string // binary name in the bin dir
	Package string // main package import path
	Version string // exact module version, never "latest"
}

// The pinned external servers.
var (
	Temporal  = Tool{Name: "temporal", Package: "github.com/temporalio/cli/cmd/temporal", Version: "v1.5.1"}
	VersityGW = Tool{Name: "versitygw", Package: "github.com/versity/versitygw/cmd/versitygw", Version: "v1.8.0"}
	Tools     = []Tool{Temporal, VersityGW}
)

// RepoRoot is the directory holding go.work, found by walking up from the
// working directory; DOCFLOW_REPO_ROOT overrides it.
func RepoRoot() (string, error) {
	if dir := os.Getenv("DOCFLOW_REPO_ROOT"); dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("servers.RepoRoot: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("servers.RepoRoot: no go.work in %s or any parent: run from inside the docflow repository or set DOCFLOW_REPO_ROOT", wd)
		}
		dir = parent
	}
}

// BinDir is where the external servers are installed: DOCFLOW_BIN_DIR, else
// <repo root>/bin.
func BinDir() (string, error) {
	if dir := os.Getenv("DOCFLOW_BIN_DIR"); dir != "" {
		return filepath.Abs(dir)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("servers.BinDir: %w (or set DOCFLOW_BIN_DIR)", err)
	}
	return filepath.Join(root, "bin"), nil
}

// Install returns the path of tool's binary in binDir, building it first
// unless the binary there was built at tool.Version. Concurrent callers (for
// example parallel test binaries) wait for one build instead of racing.
func Install(ctx context.Context, binDir string, tool Tool, progress io.Writer) (string, error) {
	op := "servers.Install " + tool.Name
	if progress == nil {
		progress = io.Discard
	}
	if err := os.MkdirAll(binDir, 0o750); err != nil {
		return "", fmt.Errorf("%s: creating %s: %w", op, binDir, err)
	}
	bin := filepath.Join(binDir, tool.Name)
	stamp := filepath.Join(binDir, "."+tool.Name+".version")
	if installed(bin, stamp, tool) {
		return bin, nil
	}

	unlock, err := lockFile(ctx, filepath.Join(binDir, ".install.lock"))
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer unlock()
	// Another process may have finished the build while we waited.
	if installed(bin, stamp, tool) {
		return bin, nil
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("%s: the go command is needed to build %s@%s: %w", op, tool.Package, tool.Version, err)
	}
	_, _ = fmt.Fprintf(progress, "building %s %s into %s (the first build takes a few minutes; later runs reuse it)\n", tool.Name, tool.Version, binDir)
	cmd := exec.CommandContext(ctx, goBin, "install", tool.Package+"@"+tool.Version) //nolint:gosec // G204: the package and version come from the pinned Tool values
	// Outside any module, so the workspace's go.work cannot steer the build.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOBIN="+binDir, "GOTOOLCHAIN=auto", "GOWORK=off")
	cmd.Stdout = progress
	cmd.Stderr = progress
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: go install %s@%s failed: %w; fix the cause shown above and retry, or build it by hand with: GOBIN=%s GOTOOLCHAIN=auto go install %s@%s",
			op, tool.Package, tool.Version, err, binDir, tool.Package, tool.Version)
	}
	if err := os.WriteFile(stamp, []byte(tool.Version+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("%s: recording the installed version in %s: %w", op, stamp, err)
	}
	return bin, nil
}

// installed reports whether bin is tool at its pinned version: the stamp
// says so, or the binary's own build info does (a binary built by hand with
// the same go install command), in which case the stamp is written.
func installed(bin, stamp string, tool Tool) bool {
	st, err := os.Stat(bin)
	if err != nil || st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return false
	}
	if got, err := os.ReadFile(filepath.Clean(stamp)); err == nil && strings.TrimSpace(string(got)) == tool.Version {
		return true
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil || info.Path != tool.Package || info.Main.Version != tool.Version {
		return false
	}
	return os.WriteFile(stamp, []byte(tool.Version+"\n"), 0o600) == nil
}

// lockFile takes an exclusive flock, giving up when ctx ends. The lock dies
// with the process, so a crashed build never leaves it stuck.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(filepath.Clean(path), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file %s: %w", path, err)
	}
	locked := make(chan error, 1)
	go func() { locked <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-locked:
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		return func() {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			_ = f.Close()
		}, nil
	case <-ctx.Done():
		// Closing the file does not interrupt a blocked flock; the goroutine
		// returns once the holder releases it, and then we let go at once.
		go func() {
			if err := <-locked; err == nil {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			}
			_ = f.Close()
		}()
		return nil, fmt.Errorf("waiting for another build holding %s: %w", path, ctx.Err())
	}
}

// FreePort returns a TCP port on 127.0.0.1 that is free now, for a server
// to bind. It is drawn at random below the kernel's ephemeral range: ports in
// that range are also handed to outgoing connections, which under load took
// a chosen port before the server could bind it. A port is never handed out
// twice by one process: a stack asks for ten at once, and two of its servers
// given the same free port would race for it. Another process calling
// FreePort can still pick the same port, but only by a 1-in-thousands chance.
func FreePort() (int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	lo, hi, ok := quietRange()
	if ok {
		var lc net.ListenConfig
		for range 100 {
			port := lo + rand.IntN(hi-lo) //nolint:gosec // a port number, not a secret
			if handedOut.ports[port] {
				continue
			}
			l, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				continue
			}
			_ = l.Close()
			handedOut.ports[port] = true
			return port, nil
		}
	}
	for range 100 {
		port, err := kernelPort()
		if err != nil {
			return 0, err
		}
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port, nil
		}
	}
	return 0, errors.New("servers.FreePort: no free port found that this process has not already handed out")
}

// handedOut holds every port FreePort has returned in this process.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// quietRange is [20000, start of the ephemeral range), when the kernel says
// where that range starts and it leaves room below it.
func quietRange() (lo, hi int, ok bool) {
	const floor = 20000
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, false
	}
	fields := strings.Fields(string(raw))
	if len(fields) != 2 {
		return 0, 0, false
	}
	start, err := strconv.Atoi(fields[0])
	if err != nil || start-floor < 1000 {
		return 0, 0, false
	}
	return floor, start, true
}

// kernelPort asks the kernel for a free port in its ephemeral range.
func kernelPort() (int, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("servers.FreePort: %w", err)
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("servers.FreePort: unexpected address %v", l.Addr())
	}
	return addr.Port, nil
}

// exists reports whether path exists; used to give friendlier errors than exec's.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
