package tests

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// devProcess is `docflow dev` running as its own process, as on a server.
type devProcess struct {
	cmd *exec.Cmd
	api string
}

// startDev runs the docflow binary on dir and waits for its banner.
func startDev(t *testing.T, bin, dir string) *devProcess {
	t.Helper()
	// When the test ends, the process is stopped as Ctrl-C would, and
	// killed only if it does not stop within a minute.
	cmd := exec.CommandContext(t.Context(), bin, "dev", "-dir", dir, "-headless", "-free-ports")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = time.Minute
	cmd.Env = os.Environ()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Wait()
		}
	})
	found := make(chan string, 1)
	var lines []string
	go func() {
		re := regexp.MustCompile(`Web and API\s+(http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case api, ok := <-found:
		if !ok {
			t.Fatalf("docflow dev ended before it was ready:\n%s", strings.Join(lines, "\n"))
		}
		p.api = api
	case <-time.After(5 * time.Minute):
		t.Fatal("docflow dev did not come up within 5 minutes")
	}
	return p
}

// TestKilledMidChainLosesNothing kills the whole system (SIGKILL: no clean
// shutdown; the servers die with it) between two steps of a chain, starts
// it again on the same data, and finishes the chain. The open task is still
// there, nothing decided before the crash is decided again, and every event
// is on the stream exactly once.
func TestKilledMidChainLosesNothing(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "docflow")
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/docflow")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build docflow: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "var")
	first := startDev(t, bin, dir)
	st := &stack.Stack{GatewayURL: first.api}

	drafter := login(t, st, "chuyenvien2")
	doc := submit(t, drafter, stacktest.TextPDF("Quyet dinh"), draft("QUYET_DINH", "Quyết định về công tác văn thư"))
	approve := func(st *stack.Stack, user string) {
		t.Helper()
		s := login(t, st, user)
		task := awaitTask(t, s, doc.ID, "")
		resp, err := s.client.DecideTaskWithResponse(t.Context(), task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%s approving: %v %s", user, err, resp.Body)
		}
	}
	approve(st, "chuyenvien1")
	// Wait until the next step's task exists, then pull the plug.
	login2 := login(t, st, "chuyenvien2")
	eventually(t, "second step assigned", time.Minute, func() error {
		resp, err := login2.client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{})
		if err != nil || resp.JSON200 == nil || len(resp.JSON200.Items) == 0 {
			return fmt.Errorf("not yet: %w", err)
		}
		return nil
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	second := startDev(t, bin, dir)
	st = &stack.Stack{GatewayURL: second.api}
	for _, user := range []string{"chuyenvien2", "lanhdao", "chuyenvien1", "lanhdao"} {
		approve(st, user)
	}
	signAll(t, login(t, st, "lanhdao"), doc.ID)
	clerk := login(t, st, "vanthu")
	issueAll(t, clerk, doc.ID)
	var final httpapi.Document
	eventually(t, "archived after the crash", 2*time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(t.Context(), doc.ID)
		if err != nil || r.JSON200 == nil || r.JSON200.Status != httpapi.DocumentStatusArchived {
			return fmt.Errorf("not yet: %w", err)
		}
		final = *r.JSON200
		return nil
	})
	counts := map[string]int{}
	for _, h := range final.History {
		counts[h.Type]++
	}
	// Five approvals, the signature and the issue, each once.
	if counts["vn.docflow.task.decided.v1"] != 7 || counts["vn.docflow.task.assigned.v1"] != 8 ||
		counts["vn.docflow.document.signed.v1"] != 1 || counts["vn.docflow.document.numbered.v1"] != 1 ||
		counts["vn.docflow.document.archived.v1"] != 1 || counts["vn.docflow.document.drafted.v1"] != 1 {
		t.Fatalf("history after the crash: %v", counts)
	}
}
