package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// hostileCorpus is the hostile-PDF corpus pdfreadtest writes, committed
// for this suite (which cannot import the services' internal packages).
const hostileCorpus = "../services/internal/pdfread/pdfreadtest/testdata/hostile"

// uploadDeadline bounds each upload of the corpus: every answer is due
// within seconds, whatever the file claims.
const uploadDeadline = 20 * time.Second

// maxMemoryGrowth bounds how far the peak resident memory of each of the
// stack's processes may rise above where it stood while the clerk uploads
// the whole corpus. Measured with -race: 59–63 MiB for the test process
// (which runs every service), 10–12 MiB for Temporal, 4–5 MiB for
// versitygw.
// Before the shared reader, a single file of the corpus made intake try to
// allocate tens of gigabytes.
const maxMemoryGrowth = 256 << 20

// TestHostilePDFUploads has a clerk upload every hostile PDF of the corpus
// through the gateway: each is refused with a 4xx and a JSON error that
// says what is wrong (malformed_pdf), or accepted (201) when its lie costs
// nothing; each answer comes within uploadDeadline; and no process of the
// stack grows its peak resident memory by more than maxMemoryGrowth.
func TestHostilePDFUploads(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(hostileCorpus, "*.pdf"))
	if err != nil || len(files) < 20 {
		t.Fatalf("hostile corpus under %s: %d files, %v", hostileCorpus, len(files), err)
	}
	st, _ := stacktest.Start(t, nil)
	clerk := login(t, st, "vanthu")

	before := measureMemory(t)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		ctx, cancel := context.WithTimeout(t.Context(), uploadDeadline)
		start := time.Now()
		status, body := uploadWithin(ctx, t, st.GatewayURL, clerk.token, data, metadata("KE_HOACH", "Tệp thử "+name))
		cancel()
		t.Logf("%s (%d bytes): %d in %v: %s", name, len(data), status, time.Since(start).Round(time.Millisecond), body)
		if status == http.StatusCreated {
			continue
		}
		var e httpapi.Error
		if err := json.Unmarshal(body, &e); err != nil || status < 400 || status > 499 ||
			e.Code != httpapi.ErrorCodeMalformedPDF || !strings.HasPrefix(e.Message, "malformed PDF: ") {
			t.Errorf("%s: answer %d %s, want 201 or a 4xx malformed_pdf error that says what is wrong", name, status, body)
		}
	}
	after := measureMemory(t)

	for pid, b := range before {
		a, ok := after[pid]
		if !ok {
			continue
		}
		growth := a.peak - b.resident
		t.Logf("process %d (%s): resident %d MiB before, peak %d MiB during the corpus (peak reset: %v): growth %d MiB, bound %d MiB",
			pid, b.name, b.resident>>20, a.peak>>20, b.reset, max(growth, 0)>>20, maxMemoryGrowth>>20)
		if growth > maxMemoryGrowth {
			t.Errorf("process %d (%s) grew by %d MiB, more than %d MiB", pid, b.name, growth>>20, maxMemoryGrowth>>20)
		}
	}
}

// memory is what /proc says of one process's resident memory.
type memory struct {
	name     string
	resident int64 // VmRSS, bytes
	peak     int64 // VmHWM, bytes: the peak since start or since the reset
	reset    bool  // the peak was reset to the resident memory when measured
}

// measureMemory reads the test process, which runs every service, and the
// server processes it started (Temporal, versitygw), and resets each one's
// peak so that the next measure shows the peak reached in between. A
// server whose /proc entry cannot be read is left out; the test process is
// not.
func measureMemory(t *testing.T) map[int]memory {
	t.Helper()
	self := os.Getpid()
	out := map[int]memory{}
	for _, pid := range append([]int{self}, children(self)...) {
		m, err := readMemory(pid)
		if err != nil {
			if pid == self {
				t.Fatalf("memory of the test process: %v", err)
			}
			continue
		}
		// Writing 5 to clear_refs sets the peak to the current resident
		// memory (Linux 4.0 and later).
		m.reset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
		if !m.reset {
			m.resident = m.peak // without a reset only growth of the peak shows
		}
		out[pid] = m
	}
	return out
}

func readMemory(pid int) (memory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for line := range strings.Lines(string(raw)) {
		key, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		kib, _ := strconv.ParseInt(strings.TrimSuffix(value, " kB"), 10, 64)
		switch key {
		case "Name":
			m.name = value
		case "VmRSS":
			m.resident = kib << 10
		case "VmHWM":
			m.peak = kib << 10
		}
	}
	if m.peak == 0 {
		return memory{}, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
	}
	return m, nil
}

// children are the processes whose parent is pid.
func children(pid int) []int {
	dirs, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid …": comm may hold spaces, so fields are
		// counted after its closing parenthesis.
		_, rest, ok := strings.Cut(string(stat), ") ")
		fields := strings.Fields(rest)
		if ok && len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}
