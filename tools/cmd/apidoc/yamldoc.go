package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The documents are read as yaml.Node trees rather than typed structs: nodes
// keep the order the authors wrote, which is the order a reader should see,
// and JSON Schema files parse the same way since JSON is YAML.

// source is one loaded document.
type source struct {
	path string
	root *yaml.Node // the top-level mapping
}

// loader loads documents once and follows $ref between them.
type loader struct {
	files map[string]*source
}

func newLoader() *loader { return &loader{files: map[string]*source{}} }

func (l *loader) load(path string) (*source, error) {
	path = filepath.Clean(path)
	if s, ok := l.files[path]; ok {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse %s: the document is not a mapping", path)
	}
	s := &source{path: path, root: doc.Content[0]}
	l.files[path] = s
	return s, nil
}

// resolve follows ref ("#/a/b", "./file.json" or "./file.json#/a/b") from
// inside src and returns the document and node it points at.
func (l *loader) resolve(src *source, ref string) (*source, *yaml.Node, error) {
	file, pointer, _ := strings.Cut(ref, "#")
	target := src
	if file != "" {
		var err error
		target, err = l.load(filepath.Join(filepath.Dir(src.path), file))
		if err != nil {
			return nil, nil, fmt.Errorf("$ref %s in %s: %w", ref, src.path, err)
		}
	}
	n := target.root
	for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if seg == "" {
			continue
		}
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		n = get(n, seg)
		if n == nil {
			return nil, nil, fmt.Errorf("$ref %s in %s: %q not found", ref, src.path, seg)
		}
	}
	return target, n, nil
}

// deref follows n's $ref, if it has one.
func (l *loader) deref(src *source, n *yaml.Node) (*source, *yaml.Node, error) {
	if ref := text(n, "$ref"); ref != "" {
		return l.resolve(src, ref)
	}
	return src, n, nil
}

// get is the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// at follows keys from n.
func at(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = get(n, k)
	}
	return n
}

// text is the scalar value of key in n, or "".
func text(n *yaml.Node, key string) string {
	v := get(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

type pair struct {
	key   string
	value *yaml.Node
}

// pairs lists the entries of mapping n in document order.
func pairs(n *yaml.Node) []pair {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, pair{n.Content[i].Value, n.Content[i+1]})
	}
	return out
}

// items lists the elements of sequence n.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// strs lists the scalar elements of sequence n.
func strs(n *yaml.Node) []string {
	var out []string
	for _, v := range items(n) {
		out = append(out, v.Value)
	}
	return out
}

// scalar renders a scalar for Markdown code spans, quoting strings that
// would otherwise look like another JSON type.
func scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		b, err := yaml.Marshal(n)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	if n.Tag == "!!str" {
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil || n.Value == "true" || n.Value == "false" || n.Value == "" {
			return strconv.Quote(n.Value)
		}
	}
	return n.Value
}
