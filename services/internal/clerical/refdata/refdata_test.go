package refdata_test

import (
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/clerical/refdata"
)

// A file's problems are all reported, each naming the file and the entry,
// so one round of corrections fixes the whole file.
func TestCheckReportsEveryProblem(t *testing.T) {
	t.Parallel()
	var f struct {
		Version string   `json:"version"`
		Names   []string `json:"names"`
	}
	if err := refdata.Decode([]byte(`{"names":["Quye\u0302\u0301t","", "Hà Nội"]}`), "the file", &f); err != nil {
		t.Fatal(err)
	}
	check := refdata.Check{File: "2026.json"}
	if err := check.Err(); err != nil {
		t.Fatalf("Err before any problem = %v, want nil", err)
	}
	check.Version("the file", f.Version)
	var valid []bool
	for _, name := range f.Names {
		valid = append(valid, check.Name("entry "+name, name))
	}
	if valid[0] || valid[1] || !valid[2] {
		t.Errorf("Name said %v for a decomposed, an empty and an NFC name, want false, false, true", valid)
	}
	err := check.Err()
	if err == nil {
		t.Fatal("Err = nil for a file with three problems")
	}
	for _, want := range []string{
		"2026.json: the file has no version",
		"2026.json: entry Quye\u0302\u0301t: the name must be non-empty NFC text",
		"2026.json: entry : the name must be non-empty NFC text",
	} {
		if !strings.Contains(err.Error(), want+"\n") && !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Err = %q, lacks the line %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Hà Nội") {
		t.Errorf("Err = %q blames the valid name", err)
	}
}

func TestDecodeRefusesUnknownFields(t *testing.T) {
	t.Parallel()
	var f struct {
		Version string `json:"version"`
	}
	err := refdata.Decode([]byte(`{"version":"1","edition":"2"}`), "the kinds file", &f)
	if err == nil || !strings.Contains(err.Error(), `the kinds file is not valid JSON of the expected shape: json: unknown field "edition"`) {
		t.Errorf("Decode = %v, want the undeclared field refused", err)
	}
}
