// Package datafile reads the YAML files an administrator edits to tell
// routing how the agency works: the routing rules and the org chart. A file
// is decoded strictly, so a misspelt field is refused rather than dropped (a
// typo in a condition would silently widen a rule, one in the chart would
// drop a supervisor), and then checked whole, so every problem in it is
// reported at once.
package datafile

import (
	"bytes"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// Load reads the file at path into a new T and checks it. Errors begin with
// op, and name the file when its content is at fault.
func Load[T any](op, path string, check func(*T) error) (*T, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	v, err := parse(raw, check)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	return v, nil
}

// Parse decodes raw into a new T and checks it. Errors begin with op.
func Parse[T any](op string, raw []byte, check func(*T) error) (*T, error) {
	v, err := parse(raw, check)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return v, nil
}

func parse[T any](raw []byte, check func(*T) error) (*T, error) {
	v := new(T)
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, err
	}
	if err := check(v); err != nil {
		return nil, err
	}
	return v, nil
}
