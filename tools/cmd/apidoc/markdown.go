package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// doc accumulates one Markdown file.
type doc struct {
	strings.Builder
}

func (d *doc) line(format string, args ...any) {
	// Writing to a strings.Builder cannot fail.
	_, _ = fmt.Fprintf(d, format, args...)
	d.WriteByte('\n')
}

// para writes a block of Markdown text followed by a blank line.
func (d *doc) para(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	d.WriteString(escapeHTML(s))
	d.WriteString("\n\n")
}

// anchor writes an explicit HTML anchor, so links do not depend on how a
// renderer derives ids from headings.
func (d *doc) anchor(id string) { d.line(`<a id="%s"></a>`, id) }

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// cell makes text safe for one table cell.
func cell(s string) string {
	s = escapeHTML(strings.Join(strings.Fields(s), " "))
	return strings.ReplaceAll(s, "|", `\|`)
}

// escapeHTML escapes angle brackets outside code spans, so a placeholder
// like <agency> in prose is shown rather than taken for an HTML tag.
func escapeHTML(s string) string {
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 {
		parts[i] = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(parts[i])
	}
	return strings.Join(parts, "`")
}

func code(s string) string {
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// schemas renders JSON Schema (and the OpenAPI / AsyncAPI dialects of it)
// into type names and field tables. link turns a $ref into a Markdown link.
type schemas struct {
	l    *loader
	link func(src *source, ref string) (string, error)
}

// typeOf is a short description of the type of schema n: a link for a
// reference, "array of …", "map of …", or the JSON type with its format.
func (s *schemas) typeOf(src *source, n *yaml.Node) (string, error) {
	if ref := text(n, "$ref"); ref != "" {
		return s.link(src, ref)
	}
	if all := items(get(n, "allOf")); len(all) > 0 {
		var parts []string
		for _, a := range all {
			t, err := s.typeOf(src, a)
			if err != nil {
				return "", err
			}
			parts = append(parts, t)
		}
		return strings.Join(parts, " and "), nil
	}
	switch t := text(n, "type"); t {
	case "array":
		inner, err := s.typeOf(src, get(n, "items"))
		if err != nil {
			return "", err
		}
		return "array of " + inner, nil
	case "object":
		if ap := get(n, "additionalProperties"); ap != nil && ap.Kind == yaml.MappingNode {
			inner, err := s.typeOf(src, ap)
			if err != nil {
				return "", err
			}
			return "map of string to " + inner, nil
		}
		return "object", nil
	case "":
		return "any", nil
	default:
		if f := text(n, "format"); f != "" {
			return t + " (" + f + ")", nil
		}
		return t, nil
	}
}

// constraints lists what a valid value must satisfy, in words.
func constraints(n *yaml.Node) string {
	var out []string
	if e := items(get(n, "enum")); len(e) > 0 {
		var vs []string
		for _, v := range e {
			vs = append(vs, code(scalar(v)))
		}
		out = append(out, "One of "+strings.Join(vs, ", ")+".")
	}
	if c := get(n, "const"); c != nil {
		out = append(out, "Always "+code(scalar(c))+".")
	}
	if p := text(n, "pattern"); p != "" {
		out = append(out, "Matches "+code(p)+".")
	}
	lo, hi := text(n, "minLength"), text(n, "maxLength")
	switch {
	case lo != "" && hi != "":
		out = append(out, fmt.Sprintf("%s to %s characters.", lo, hi))
	case lo == "1":
		out = append(out, "Not empty.")
	case lo != "":
		out = append(out, fmt.Sprintf("At least %s characters.", lo))
	case hi != "":
		out = append(out, fmt.Sprintf("At most %s characters.", hi))
	}
	lo, hi = text(n, "minimum"), text(n, "maximum")
	switch {
	case lo != "" && hi != "":
		out = append(out, fmt.Sprintf("From %s to %s.", lo, hi))
	case lo != "":
		out = append(out, fmt.Sprintf("At least %s.", lo))
	case hi != "":
		out = append(out, fmt.Sprintf("At most %s.", hi))
	}
	if d := get(n, "default"); d != nil {
		out = append(out, "Default "+code(scalar(d))+".")
	}
	return strings.Join(out, " ")
}

// describe is the description of schema n followed by its constraints. A
// reference without a description of its own borrows the first sentence of
// the target's; the target's constraints are in its own section.
func (s *schemas) describe(src *source, n *yaml.Node) (string, error) {
	desc := text(n, "description")
	if text(n, "$ref") == "" {
		return strings.TrimSpace(desc + " " + constraints(n)), nil
	}
	if desc != "" {
		return desc, nil
	}
	_, target, err := s.l.deref(src, n)
	if err != nil {
		return "", err
	}
	return firstSentence(text(target, "description")), nil
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// fields writes the property table of object schema n.
func (s *schemas) fields(d *doc, src *source, n *yaml.Node) error {
	props := pairs(get(n, "properties"))
	if len(props) == 0 {
		return nil
	}
	required := strs(get(n, "required"))
	d.line("| field | type | required | description |")
	d.line("|---|---|---|---|")
	for _, p := range props {
		t, err := s.typeOf(src, p.value)
		if err != nil {
			return err
		}
		desc, err := s.describe(src, p.value)
		if err != nil {
			return err
		}
		req := "no"
		if slices.Contains(required, p.key) {
			req = "yes"
		}
		d.line("| %s | %s | %s | %s |", code(p.key), cell(t), req, cell(desc))
	}
	d.line("")
	return nil
}

// schemaBody writes what a named schema is: its description and either its
// fields, its allowed values or the type it stands for.
func (s *schemas) schemaBody(d *doc, src *source, n *yaml.Node) error {
	d.para(text(n, "description"))
	if get(n, "properties") != nil {
		return s.fields(d, src, n)
	}
	t, err := s.typeOf(src, n)
	if err != nil {
		return err
	}
	line := "Type: " + t + "."
	if c := constraints(n); c != "" {
		line += " " + c
	}
	d.para(line)
	return nil
}
