package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// render runs the generator on the repository's real contracts into a
// temporary directory and returns the files it wrote.
func render(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := filepath.Rel(root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"-root", root, "-out", out}, &stdout); err != nil {
		t.Fatalf("apidoc: %v", err)
	}
	files := map[string]string{}
	for _, name := range []string{"README.md", "http.md", "events.md"} {
		b, err := os.ReadFile(filepath.Join(root, out, name))
		if err != nil {
			t.Fatalf("apidoc wrote no %s: %v", name, err)
		}
		files[name] = string(b)
	}
	return files
}

// The check in CI compares regenerated docs with the committed ones, so two
// runs over the same contracts must write the same bytes.
func TestOutputIsDeterministic(t *testing.T) {
	t.Parallel()
	first, second := render(t), render(t)
	for name := range first {
		if first[name] != second[name] {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

var (
	linkRE   = regexp.MustCompile(`\]\(#([a-z0-9-]+)\)`)
	anchorRE = regexp.MustCompile(`<a id="([a-z0-9-]+)"></a>`)
)

func TestInternalLinksResolve(t *testing.T) {
	t.Parallel()
	for name, content := range render(t) {
		anchors := map[string]bool{}
		for _, m := range anchorRE.FindAllStringSubmatch(content, -1) {
			if anchors[m[1]] {
				t.Errorf("%s: anchor %q is defined twice", name, m[1])
			}
			anchors[m[1]] = true
		}
		for _, m := range linkRE.FindAllStringSubmatch(content, -1) {
			if !anchors[m[1]] {
				t.Errorf("%s: link to #%s has no target", name, m[1])
			}
		}
	}
}

func TestReferenceNamesEveryOperationAndEvent(t *testing.T) {
	t.Parallel()
	files := render(t)
	tests := []struct {
		file string
		want []string
	}{
		{"http.md", []string{
			"### login", "`POST /v1/auth/login`", "### createDocument", "part `file`", "### getDocument",
			"### getDocumentContent", "### listInbox", "`page_size`", "### decideTask", "### searchArchive",
			"### getArchiveRecord", "### getArchiveRecordContent", "### healthz", "### readyz",
			"`not_assignee`", "| 409 |", "| 413 |", "| 415 |", "| 422 |",
		}},
		{"events.md", []string{
			"### vn.docflow.document.received.v1", "`docflow.evt.{agency}.document.received`",
			"### vn.docflow.document.archived.v1", "`retain_until`", "### docflow.svc.intake.accept",
			"`DOCFLOW_EVENTS`", "`Nats-Msg-Id`", "`000_00_00_G22`",
		}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if !strings.Contains(files[tt.file], w) {
				t.Errorf("%s does not contain %s", tt.file, w)
			}
		}
	}
}

func TestProsePlaceholdersAreEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"docflow.evt.<agency>", "docflow.evt.&lt;agency&gt;"},
		{"send `Bearer <token>` then <b>", "send `Bearer <token>` then &lt;b&gt;"},
		{"a | b", `a \| b`},
		{"two\n  lines", "two lines"},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMissingContractIsReported(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	err := run(t.Context(), []string{"-root", t.TempDir()}, &stdout)
	if err == nil || !strings.Contains(err.Error(), "openapi.yaml") {
		t.Errorf("run without contracts: err = %v, want one naming openapi.yaml", err)
	}
}
