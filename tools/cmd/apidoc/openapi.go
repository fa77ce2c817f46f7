package main

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type operation struct {
	method, path string
	node         *yaml.Node
	params       []*yaml.Node // path-level then operation-level
}

// openAPIDoc renders an OpenAPI 3.0 document: overview, operations grouped by
// tag in the order of the tags list, then every schema.
func openAPIDoc(l *loader, src *source, relPath string) (string, error) {
	s := &schemas{l: l, link: func(_ *source, ref string) (string, error) {
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			return "", fmt.Errorf("%s: unexpected $ref %s", src.path, ref)
		}
		return fmt.Sprintf("[%s](#schema-%s)", name, slug(name)), nil
	}}
	var d doc
	d.header(src, relPath, fmt.Sprintf("The source of truth is [`%s`](../../%s) (OpenAPI %s); Go clients and servers are generated from it into package `httpapi`.",
		relPath, relPath, text(src.root, "openapi")))

	d.section("Servers")
	for _, srv := range items(get(src.root, "servers")) {
		d.line("- `%s`: %s", text(srv, "url"), text(srv, "description"))
	}
	d.line("")

	d.section("Authentication")
	for _, p := range pairs(at(src.root, "components", "securitySchemes")) {
		d.line("- `%s`: %s %s (%s). %s", p.key, text(p.value, "type"), text(p.value, "scheme"), text(p.value, "bearerFormat"),
			strings.TrimSpace(text(p.value, "description")))
	}
	d.line("")

	var ops []operation
	for _, p := range pairs(get(src.root, "paths")) {
		pathParams := items(get(p.value, "parameters"))
		for _, m := range pairs(p.value) {
			if !slices.Contains(httpMethods, m.key) {
				continue
			}
			params := append(slices.Clone(pathParams), items(get(m.value, "parameters"))...)
			ops = append(ops, operation{method: strings.ToUpper(m.key), path: p.key, node: m.value, params: params})
		}
	}
	globalSecurity := get(src.root, "security")
	needsToken := func(op operation) string {
		sec := get(op.node, "security")
		if sec == nil {
			sec = globalSecurity
		}
		var names []string
		for _, req := range items(sec) {
			for _, p := range pairs(req) {
				names = append(names, code(p.key))
			}
		}
		if len(names) == 0 {
			return "none"
		}
		return strings.Join(names, ", ")
	}

	d.section("Operations")
	d.tableHead("operation", "request", "summary", "authentication")
	for _, op := range ops {
		id := text(op.node, "operationId")
		d.line("| [%s](#op-%s) | `%s %s` | %s | %s |", id, slug(id), op.method, op.path, cell(text(op.node, "summary")), needsToken(op))
	}
	d.line("")

	for _, tag := range items(get(src.root, "tags")) {
		name := text(tag, "name")
		d.section(name)
		d.para(text(tag, "description"))
		for _, op := range ops {
			if !slices.Contains(strs(get(op.node, "tags")), name) {
				continue
			}
			if err := writeOperation(&d, s, l, src, op, needsToken(op)); err != nil {
				return "", err
			}
		}
	}

	if err := s.schemaSection(&d, src, "Schemas"); err != nil {
		return "", err
	}
	return d.String(), nil
}

func writeOperation(d *doc, s *schemas, l *loader, src *source, op operation, auth string) error {
	id := text(op.node, "operationId")
	d.anchor("op-" + slug(id))
	d.line("### %s", id)
	d.line("")
	d.line("`%s %s`: %s", op.method, op.path, text(op.node, "summary"))
	d.line("")
	d.para(text(op.node, "description"))
	d.para("Authentication: " + auth + ".")

	if len(op.params) > 0 {
		d.line("**Parameters**")
		d.line("")
		d.tableHead("name", "in", "type", "required", "description")
		for _, raw := range op.params {
			psrc, p, err := l.deref(src, raw)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			t, err := s.typeOf(psrc, get(p, "schema"))
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			req := "no"
			if text(p, "required") == "true" {
				req = "yes"
			}
			desc := strings.TrimSpace(text(p, "description") + " " + constraints(get(p, "schema")))
			d.line("| `%s` | %s | %s | %s | %s |", text(p, "name"), text(p, "in"), cell(t), req, cell(desc))
		}
		d.line("")
	}

	if body := get(op.node, "requestBody"); body != nil {
		bsrc, body, err := l.deref(src, body)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		d.line("**Request body**")
		d.line("")
		for _, media := range pairs(get(body, "content")) {
			t, err := s.typeOf(bsrc, get(media.value, "schema"))
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			d.line("- `%s`: %s", media.key, t)
			if err := writeParts(d, s, l, bsrc, media.value); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
		}
		d.line("")
	}

	d.line("**Responses**")
	d.line("")
	d.tableHead("status", "meaning", "body")
	for _, r := range pairs(get(op.node, "responses")) {
		rsrc, resp, err := l.deref(src, r.value)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		var bodies []string
		for _, media := range pairs(get(resp, "content")) {
			t, err := s.typeOf(rsrc, get(media.value, "schema"))
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			if t == "string (binary)" {
				t = "bytes"
			}
			bodies = append(bodies, fmt.Sprintf("%s (`%s`)", t, media.key))
		}
		for _, h := range pairs(get(resp, "headers")) {
			bodies = append(bodies, fmt.Sprintf("header `%s`: %s", h.key, text(h.value, "description")))
		}
		d.line("| %s | %s | %s |", r.key, cell(text(resp, "description")), cell(strings.Join(bodies, "; ")))
	}
	d.line("")
	return nil
}

// writeParts lists the parts of a multipart body with their media types.
func writeParts(d *doc, s *schemas, l *loader, src *source, media *yaml.Node) error {
	encoding := get(media, "encoding")
	if encoding == nil {
		return nil
	}
	ssrc, schema, err := l.deref(src, get(media, "schema"))
	if err != nil {
		return err
	}
	for _, p := range pairs(get(schema, "properties")) {
		t, err := s.typeOf(ssrc, p.value)
		if err != nil {
			return err
		}
		if t == "string (binary)" {
			t = "bytes"
		}
		line := fmt.Sprintf("  - part `%s`: %s", p.key, t)
		if ct := text(get(encoding, p.key), "contentType"); ct != "" {
			line += ", sent as " + code(ct)
		}
		if desc := text(p.value, "description"); desc != "" {
			line += ". " + strings.TrimSpace(desc)
		}
		d.line("%s", line)
	}
	return nil
}
