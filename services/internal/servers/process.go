package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is an external server running as a child process.
type Process struct {
	name string
	cmd  *exec.Cmd
	tail *tailBuffer
	done chan struct{}
	err  error // set before done is closed
}

// start runs bin in its own process group, so a Ctrl-C on the terminal
// reaches only us and we stop the child in order, and with a parent-death
// signal, so the child cannot outlive a parent that was killed.
func start(name, bin string, args, env []string, output io.Writer) (*Process, error) {
	if !exists(bin) {
		return nil, fmt.Errorf("starting %s: %s does not exist (servers.Install builds it)", name, bin)
	}
	if output == nil {
		output = io.Discard
	}
	p := &Process{name: name, tail: newTailBuffer(64 << 10), done: make(chan struct{})}
	// One writer for both streams: exec then copies them through one pipe,
	// so the writes never overlap.
	w := io.MultiWriter(output, p.tail)
	// The child outlives any request context: Stop ends it, in order.
	cmd := exec.Command(bin, args...) //nolint:gosec,noctx // G204: pinned binaries from servers.Install with arguments built here
	cmd.Env = env
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// The output pipes stay open while any grandchild holds them; don't let
	// that hang Wait forever.
	cmd.WaitDelay = 5 * time.Second
	p.cmd = cmd

	// Pdeathsig fires when the thread that forked the child exits, not the
	// process, so fork and wait on one locked thread that lives exactly as
	// long as the child.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%s exited: %w", name, err)
		} else {
			err = fmt.Errorf("%s exited", name)
		}
		p.err = err
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", name, bin, err)
	}
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err says how the process exited; nil while it runs.
func (p *Process) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Pid is the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Tail is the end of the process's output, for error messages.
func (p *Process) Tail() string { return p.tail.String() }

// Stop asks the process group to terminate (SIGTERM) and waits; when ctx
// ends first it kills the group (SIGKILL) and waits for that. Stopping an
// exited process is a no-op.
func (p *Process) Stop(ctx context.Context) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	pgid := -p.cmd.Process.Pid
	if err := syscall.Kill(pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping %s: %w", p.name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
	}
	if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing %s: %w", p.name, err)
	}
	<-p.done
	return fmt.Errorf("%s did not stop in time and was killed: %w", p.name, ctx.Err())
}

// failed builds a startup error that carries the end of the server's output,
// which usually names the real cause.
func (p *Process) failed(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	tail := strings.TrimSpace(p.tail.String())
	if tail == "" {
		return fmt.Errorf("%s (no output)", msg)
	}
	return fmt.Errorf("%s; last output:\n%s", msg, tail)
}

// waitReady polls check until it succeeds, the process exits, or timeout.
func (p *Process) waitReady(ctx context.Context, timeout time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		last = check(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.failed("%s exited before it was ready (%v)", p.name, p.err)
		case <-ctx.Done():
			stopCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
			_ = p.Stop(stopCtx)
			stop()
			return p.failed("%s was not ready within %s (last check: %v)", p.name, timeout, last)
		case <-tick.C:
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(limit int) *tailBuffer { return &tailBuffer{max: limit} }

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.buf)
	// Keep the message readable: the last few dozen lines say enough.
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}
