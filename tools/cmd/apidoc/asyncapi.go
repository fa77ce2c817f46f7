package main

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// asyncAPIDoc renders an AsyncAPI 3.0 document: overview, the event channels
// with their payload fields read from the JSON Schemas they reference, the
// envelope, the service endpoints and their message schemas.
func asyncAPIDoc(l *loader, src *source, relPath string) (string, error) {
	relDir := path.Dir(relPath)
	s := &schemas{l: l}
	s.link = func(from *source, ref string) (string, error) {
		file, pointer, _ := strings.Cut(ref, "#")
		switch {
		case file == "" && strings.HasPrefix(pointer, "/components/schemas/"):
			name := strings.TrimPrefix(pointer, "/components/schemas/")
			return fmt.Sprintf("[%s](#schema-%s)", name, slug(name)), nil
		case file == "" && strings.HasPrefix(pointer, "/$defs/"):
			name := strings.TrimPrefix(pointer, "/$defs/")
			return fmt.Sprintf("[%s](#type-%s)", name, slug(name)), nil
		case file != "" && pointer == "":
			base := filepath.Base(file)
			return fmt.Sprintf("[%s](#file-%s)", base, slug(base)), nil
		}
		return "", fmt.Errorf("%s: unexpected $ref %s", from.path, ref)
	}

	var d doc
	d.header(src, relPath, fmt.Sprintf("The source of truth is [`%s`](../../%s) (AsyncAPI %s) with the JSON Schemas in [`%s/schemas`](../../%s/schemas).",
		relPath, relPath, text(src.root, "asyncapi"), relDir, relDir))

	d.section("Servers")
	for _, p := range pairs(get(src.root, "servers")) {
		d.line("- `%s`: %s://%s. %s", p.key, text(p.value, "protocol"), text(p.value, "host"), strings.TrimSpace(text(p.value, "description")))
	}
	d.line("")

	type event struct {
		channel, address string
		msg              *yaml.Node
		publisher        string
	}
	var evts []event
	type endpoint struct {
		address, summary string
		requests         []string
		replies          []string
	}
	var endpoints []endpoint
	for _, op := range pairs(get(src.root, "operations")) {
		chRef := text(get(op.value, "channel"), "$ref")
		_, ch, err := l.resolve(src, chRef)
		if err != nil {
			return "", fmt.Errorf("operation %s: %w", op.key, err)
		}
		address := text(ch, "address")
		switch text(op.value, "action") {
		case "send":
			for _, m := range items(get(op.value, "messages")) {
				msrc, msg, err := l.resolve(src, text(m, "$ref"))
				if err != nil {
					return "", fmt.Errorf("operation %s: %w", op.key, err)
				}
				if _, msg, err = l.deref(msrc, msg); err != nil {
					return "", fmt.Errorf("operation %s: %w", op.key, err)
				}
				evts = append(evts, event{channel: path.Base(chRef), address: address, msg: msg, publisher: text(op.value, "summary")})
			}
		case "receive":
			ep := endpoint{address: address, summary: text(op.value, "summary")}
			var err error
			if ep.requests, err = messageLinks(l, src, items(get(op.value, "messages"))); err != nil {
				return "", fmt.Errorf("operation %s: %w", op.key, err)
			}
			if ep.replies, err = messageLinks(l, src, items(at(op.value, "reply", "messages"))); err != nil {
				return "", fmt.Errorf("operation %s: %w", op.key, err)
			}
			endpoints = append(endpoints, ep)
		}
	}

	d.section("Events")
	d.tableHead("subject", "type", "summary")
	for _, e := range evts {
		name := text(e.msg, "name")
		d.line("| `%s` | [%s](#evt-%s) | %s |", e.address, name, slug(name), cell(text(e.msg, "summary")))
	}
	d.line("")
	for _, p := range pairs(at(src.root, "components", "parameters")) {
		d.para(fmt.Sprintf("`{%s}`: %s", p.key, strings.TrimSpace(text(p.value, "description"))))
	}

	for _, e := range evts {
		name := text(e.msg, "name")
		d.anchor("evt-" + slug(name))
		d.line("### %s", name)
		d.line("")
		d.para(text(e.msg, "description"))
		d.line("- Subject: `%s`; every agency: `%s`", e.address, strings.Replace(e.address, "{agency}", "*", 1))
		d.line("- Published: %s", e.publisher)
		d.line("- Content type: `%s`", text(e.msg, "contentType"))
		all := items(at(e.msg, "payload", "allOf"))
		if len(all) != 2 {
			return "", fmt.Errorf("message %s: payload is not allOf [envelope, {type, dataschema, data}]", name)
		}
		props := get(all[1], "properties")
		d.line("- `dataschema`: `%s`", text(get(props, "dataschema"), "const"))
		dataRef := text(get(props, "data"), "$ref")
		dsrc, data, err := l.resolve(src, dataRef)
		if err != nil {
			return "", fmt.Errorf("message %s: %w", name, err)
		}
		d.line("- Schema file: [`%s`](../../%s)", path.Base(dataRef), path.Join(relDir, dataRef))
		d.line("")
		d.line("**`data` fields**")
		d.line("")
		if err := s.fields(&d, dsrc, data); err != nil {
			return "", fmt.Errorf("message %s: %w", name, err)
		}
	}

	// Types defined inside the payload schemas ($defs) are shared by name
	// across files; each is listed once, where it first appears.
	d.section("Payload types")
	seen := map[string]bool{}
	for _, e := range evts {
		all := items(at(e.msg, "payload", "allOf"))
		dsrc, data, err := l.resolve(src, text(at(all[1], "properties", "data"), "$ref"))
		if err != nil {
			return "", err
		}
		for _, def := range pairs(get(data, "$defs")) {
			if seen[def.key] {
				continue
			}
			seen[def.key] = true
			d.anchor("type-" + slug(def.key))
			d.line("### %s", def.key)
			d.line("")
			if err := s.schemaBody(&d, dsrc, def.value); err != nil {
				return "", fmt.Errorf("type %s: %w", def.key, err)
			}
		}
	}

	d.section("Envelope")
	if len(evts) > 0 {
		envRef := text(items(at(evts[0].msg, "payload", "allOf"))[0], "$ref")
		esrc, env, err := l.resolve(src, envRef)
		if err != nil {
			return "", err
		}
		base := path.Base(envRef)
		d.anchor("file-" + slug(base))
		d.para(fmt.Sprintf("Schema file: [`%s`](../../%s).", base, path.Join(relDir, envRef)))
		if err := s.schemaBody(&d, esrc, env); err != nil {
			return "", fmt.Errorf("envelope: %w", err)
		}
		hsrc, headers, err := l.deref(src, get(evts[0].msg, "headers"))
		if err != nil {
			return "", err
		}
		d.line("**NATS headers**")
		d.line("")
		if err := s.fields(&d, hsrc, headers); err != nil {
			return "", fmt.Errorf("event headers: %w", err)
		}
	}

	d.section("Service endpoints")
	for _, ep := range endpoints {
		d.anchor("svc-" + slug(ep.address))
		d.line("### %s", ep.address)
		d.line("")
		d.para(ep.summary)
		d.line("- Request: %s", strings.Join(ep.requests, " or "))
		d.line("- Reply: %s", strings.Join(ep.replies, " or "))
		d.line("")
	}

	d.section("Messages")
	for _, p := range pairs(at(src.root, "components", "messages")) {
		if get(get(p.value, "payload"), "allOf") != nil {
			continue // events, described above
		}
		d.anchor("msg-" + slug(p.key))
		d.line("### %s", text(p.value, "name"))
		d.line("")
		d.para(strings.TrimSpace(text(p.value, "title") + ". " + text(p.value, "summary")))
		t, err := s.typeOf(src, get(p.value, "payload"))
		if err != nil {
			return "", fmt.Errorf("message %s: %w", p.key, err)
		}
		d.para("Body: " + t + ".")
		if h := get(p.value, "headers"); h != nil {
			d.line("**NATS headers**")
			d.line("")
			if err := s.fields(&d, src, h); err != nil {
				return "", fmt.Errorf("message %s: %w", p.key, err)
			}
		}
	}

	if err := s.schemaSection(&d, src, "Message schemas"); err != nil {
		return "", err
	}
	return d.String(), nil
}

// messageLinks links the messages an operation names (channel message refs)
// to their entries in the Messages section.
func messageLinks(l *loader, src *source, refs []*yaml.Node) ([]string, error) {
	var out []string
	for _, r := range refs {
		msrc, msg, err := l.resolve(src, text(r, "$ref"))
		if err != nil {
			return nil, err
		}
		ref := text(msg, "$ref")
		if ref == "" {
			return nil, fmt.Errorf("%s: channel message %s is not a reference to components/messages", msrc.path, text(r, "$ref"))
		}
		_, m, err := l.resolve(msrc, ref)
		if err != nil {
			return nil, err
		}
		key := path.Base(ref)
		out = append(out, fmt.Sprintf("[%s](#msg-%s)", text(m, "name"), slug(key)))
	}
	return out, nil
}
