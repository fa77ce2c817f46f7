package events

import (
	"embed"
	"fmt"
)

// The JSON Schemas (draft 2020-12) of every payload and of the envelope,
// published at SchemaBase so consumers outside Go can validate what they
// receive. Embedding them keeps the files and the Go types in one release.
//
//go:embed schemas/*.json
var schemaFiles embed.FS

// EnvelopeSchemaName is the file name of the CloudEvents envelope's schema.
const EnvelopeSchemaName = "envelope.json"

// Schema returns the JSON Schema of t's payload.
func Schema(t Type) ([]byte, error) {
	name := t.SchemaName()
	if t.Entity() == "" {
		return nil, fmt.Errorf("events.Schema: %q is not an event type (want vn.docflow.<entity>.<verb>.v<N>)", t)
	}
	b, err := schemaFiles.ReadFile("schemas/" + name)
	if err != nil {
		return nil, fmt.Errorf("events.Schema: no schema for %s: %w", t, err)
	}
	return b, nil
}

// EnvelopeSchema returns the JSON Schema of the CloudEvents envelope.
func EnvelopeSchema() ([]byte, error) {
	b, err := schemaFiles.ReadFile("schemas/" + EnvelopeSchemaName)
	if err != nil {
		return nil, fmt.Errorf("events.EnvelopeSchema: %w", err)
	}
	return b, nil
}

// EnvelopeSchemaURI is the URL the envelope's schema is published at.
const EnvelopeSchemaURI = SchemaBase + EnvelopeSchemaName

// SchemaURI is the dataschema URI of t: the URL its schema is published at
// and the $id inside the schema.
func SchemaURI(t Type) string { return SchemaBase + t.SchemaName() }
