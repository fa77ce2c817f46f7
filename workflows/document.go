package workflows

import events "github.com/docflow/docflow/api/events/v1"

// Document is the registered document a workflow is about, as intake
// registered it. Each workflow's start input embeds it, so its fields stand
// at the top level of the input's JSON, where recorded histories have them.
type Document struct {
	DocumentID    string        `json:"document_id"`
	Agency        string        `json:"agency"`
	Kind          string        `json:"kind"`
	Subject       string        `json:"subject"`
	Urgency       string        `json:"urgency"`
	ArrivalNumber int64         `json:"arrival_number"`
	Original      events.Object `json:"original"`
	// Confidentiality is the document's mark (NONE, MAT, TOI_MAT,
	// TUYET_MAT); it travels with the document so that no step sends a
	// secret document where it may not go. Empty in runs started before it
	// was carried: such runs treat it as unknown.
	Confidentiality string `json:"confidentiality,omitempty"`
}
