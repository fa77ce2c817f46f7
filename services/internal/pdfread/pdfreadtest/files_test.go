package pdfreadtest_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"testing"

	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
)

var update = flag.Bool("update", false, "rewrite the committed corpus under testdata")

// TestCommittedCorpus checks that testdata holds exactly what the
// generator writes, so the end-to-end suite uploads the files the reader
// is tested with. After changing the generator:
//
//	go test ./services/internal/pdfread/pdfreadtest -run TestCommittedCorpus -update
func TestCommittedCorpus(t *testing.T) {
	if *update {
		if err := pdfreadtest.WriteCorpus(pdfreadtest.Dir); err != nil {
			t.Fatal(err)
		}
	}
	want := pdfreadtest.Files()
	dir := os.DirFS(pdfreadtest.Dir)
	err := fs.WalkDir(dir, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, ok := want[path]
		if !ok {
			t.Errorf("%s is not a case of the corpus; remove it or run with -update", path)
			return nil
		}
		delete(want, path)
		got, err := fs.ReadFile(dir, path)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s differs from what the generator writes; run with -update", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		t.Errorf("%s is missing from %s; run with -update", name, pdfreadtest.Dir)
	}
}
