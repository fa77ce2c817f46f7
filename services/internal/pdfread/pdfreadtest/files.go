package pdfreadtest

import (
	"os"
	"path/filepath"
	"slices"
)

// Dir is where the corpus is committed, relative to this package.
const Dir = "testdata"

// WriteCorpus writes every case of Hostile and Normal into dir, under
// hostile/ and normal/, replacing what is there.
func WriteCorpus(dir string) error {
	for sub, cases := range map[string][]Case{"hostile": Hostile(), "normal": Normal()} {
		d := filepath.Join(dir, sub)
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
		for _, c := range cases {
			if err := os.WriteFile(filepath.Join(d, c.Name), c.Data, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// Files lists the cases as WriteCorpus lays them out: slash-separated path
// under the directory, and content.
func Files() map[string][]byte {
	out := map[string][]byte{}
	for sub, cases := range map[string][]Case{"hostile": Hostile(), "normal": Normal()} {
		for _, c := range cases {
			out[sub+"/"+c.Name] = slices.Clone(c.Data)
		}
	}
	return out
}
