package workflows

// SearchAttribute is a custom search attribute the workflows set, so the
// Temporal UI and `temporal workflow list --query` find a document's
// workflow by document, assignee, status, deadline or agency. A Temporal
// cluster must have them registered: the dev stack and the test kit do it
// when they start the dev server; production registers them once with
// `temporal operator search-attribute create`.
type SearchAttribute struct {
	Name string
	Type string // Keyword, KeywordList, Datetime, …
}

// SearchAttributes lists every custom search attribute.
var SearchAttributes = []SearchAttribute{
	{Name: "DocflowDocumentId", Type: "Keyword"},
	{Name: "DocflowAssignees", Type: "KeywordList"},
	{Name: "DocflowStatus", Type: "Keyword"},
	{Name: "DocflowDeadline", Type: "Datetime"},
	{Name: "DocflowAgency", Type: "Keyword"},
}

// SearchAttributeTypes is SearchAttributes as name → type.
func SearchAttributeTypes() map[string]string {
	m := make(map[string]string, len(SearchAttributes))
	for _, a := range SearchAttributes {
		m[a.Name] = a.Type
	}
	return m
}
