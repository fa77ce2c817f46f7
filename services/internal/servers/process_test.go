package servers

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProcessStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		script     string
		wantKilled bool
	}{
		// exec makes the shell itself the long-running server.
		{"stops on SIGTERM", "echo up; exec sleep 60", false},
		{"killed when it ignores SIGTERM", "trap '' TERM; echo up; while :; do sleep 1; done", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			p, err := start("test-server", "/bin/sh", []string{"-c", tt.script}, nil, &out)
			if err != nil {
				t.Fatal(err)
			}
			waitOutput(t, p, "up")
			if p.Err() != nil {
				t.Fatalf("Err before exit = %v", p.Err())
			}

			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			err = p.Stop(ctx)
			if tt.wantKilled != (err != nil) {
				t.Fatalf("Stop = %v, want killed=%v", err, tt.wantKilled)
			}
			select {
			case <-p.Done():
			default:
				t.Fatal("Stop returned before the process exited")
			}
			if p.Err() == nil {
				t.Fatal("Err after exit is nil")
			}
			// Grandchildren die with the group; init reaps them shortly after.
			deadline := time.Now().Add(5 * time.Second)
			for err := syscall.Kill(-p.Pid(), 0); !errors.Is(err, syscall.ESRCH); err = syscall.Kill(-p.Pid(), 0) {
				if time.Now().After(deadline) {
					t.Fatalf("process group still has members after Stop (kill -0: %v)", err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := p.Stop(t.Context()); err != nil {
				t.Fatalf("second Stop: %v", err)
			}
		})
	}
}

func TestProcessStartMissingBinary(t *testing.T) {
	t.Parallel()
	_, err := start("ghost", "/nonexistent/ghost", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "servers.Install") {
		t.Fatalf("start of a missing binary: %v, want a hint to install it", err)
	}
}

// waitReady gives up on a server that exits or stays unready, with an error
// carrying the server's last words, and leaves nothing running.
func TestWaitReadyFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		timeout time.Duration
		check   string // what the readiness check keeps answering
		want    []string
	}{
		{
			"exits early", "echo 'listen tcp 127.0.0.1:1: bind: address already in use' >&2; exit 3", 10 * time.Second, "not yet",
			[]string{"exited before it was ready", "address already in use", "exit status 3"},
		},
		{
			"times out", "echo starting slowly; exec sleep 60", 300 * time.Millisecond, "connection refused",
			[]string{"not ready within", "connection refused", "starting slowly"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := start(tt.name, "/bin/sh", []string{"-c", tt.script}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = p.waitReady(t.Context(), tt.timeout, func(context.Context) error { return errors.New(tt.check) })
			if err == nil {
				t.Fatal("waitReady succeeded for a server that never became ready")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			select {
			case <-p.Done():
			default:
				t.Fatal("a server that never became ready was left running")
			}
		})
	}
}

// A killed parent (kill -9, OOM) must not leave servers behind holding
// ports and files. The test re-runs its own binary as that parent.
func TestChildDiesWithParent(t *testing.T) {
	t.Parallel()
	parent := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperParent$") //nolint:gosec // G702: re-runs this test binary
	parent.Env = append(os.Environ(), "SERVERS_TEST_HELPER_PARENT=1")
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = parent.Process.Kill(); _ = parent.Wait() })

	lines := bufio.NewScanner(stdout)
	childPid := 0
	for lines.Scan() {
		if pid, ok := strings.CutPrefix(lines.Text(), "child "); ok {
			childPid, err = strconv.Atoi(pid)
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if childPid == 0 {
		t.Fatalf("helper parent did not report its child (%v)", lines.Err())
	}
	if err := syscall.Kill(childPid, 0); err != nil {
		t.Fatalf("child %d is not running before the parent dies: %v", childPid, err)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()

	deadline := time.Now().Add(10 * time.Second)
	for {
		// The child is re-parented and reaped by init once it dies.
		err := syscall.Kill(childPid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(childPid, syscall.SIGKILL)
			t.Fatalf("child %d outlived its killed parent", childPid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHelperParent is the parent process of TestChildDiesWithParent; it
// does nothing in a normal run.
func TestHelperParent(t *testing.T) {
	if os.Getenv("SERVERS_TEST_HELPER_PARENT") != "1" {
		return
	}
	p, err := start("orphan", "/bin/sleep", []string{"60"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdout.WriteString("child " + strconv.Itoa(p.Pid()) + "\n"); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
}

func waitOutput(t *testing.T, p *Process, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Tail(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in output %q", want, p.Tail())
		}
		select {
		case <-p.Done():
			t.Fatalf("process exited: %v; output %q", p.Err(), p.Tail())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
