package workflows

import (
	"encoding/json"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// The inputs and outputs of the activities (names.go). They travel as JSON
// in workflow histories: a field is added with omitempty, never renamed.

// PublishEventInput asks the routing service to publish one event. The ID is
// chosen by the workflow, so a retried activity republishes the same event
// and JetStream drops the duplicate.
type PublishEventInput struct {
	ID         string          `json:"id"`
	Type       events.Type     `json:"type"`
	Agency     string          `json:"agency"`
	DocumentID string          `json:"document_id"`
	Time       time.Time       `json:"time"`
	Data       json.RawMessage `json:"data"`
}

// PlanDeadlinesInput asks routing for a step's deadline: WorkingDays from
// From at the document's Urgency, or, when Due is set, Due itself (a date a
// person chose, such as the handling deadline a leader gives an incoming
// document), for which routing only finds when to remind.
type PlanDeadlinesInput struct {
	From        time.Time `json:"from"`
	WorkingDays int       `json:"working_days"`
	Urgency     string    `json:"urgency"`
	Due         time.Time `json:"due,omitzero"`
}

// PlanDeadlinesResult is when to remind the assignees and when the step is
// overdue and escalates.
type PlanDeadlinesResult struct {
	Deadline time.Time `json:"deadline"`
	RemindAt time.Time `json:"remind_at"`
}

// SignDocumentInput asks the signing service to sign a stored PDF.
type SignDocumentInput struct {
	DocumentID string        `json:"document_id"`
	Agency     string        `json:"agency"`
	Source     events.Object `json:"source"`
	Signer     string        `json:"signer"` // username whose personal key signs
	Reason     string        `json:"reason"`
	// SignerTitle is the title of the position the signer approved in
	// ("Chánh Văn phòng"): with it the signature is visible, the signer's
	// handwritten image between the title and the name (DOMAIN.md §6);
	// without it, invisible.
	SignerTitle string `json:"signer_title,omitempty"`
	// SignerAuthority is the authority prefix (KT., TUQ.) when the signer
	// signs for someone else, whose title SignerFor is: "KT. CHÁNH VĂN
	// PHÒNG" above the signer's own title.
	SignerAuthority string `json:"signer_authority,omitempty"`
	SignerFor       string `json:"signer_for,omitempty"`
}

// SignDocumentResult is the signed PDF.
type SignDocumentResult struct {
	Signed     events.Object `json:"signed"`
	SignerCert string        `json:"signer_cert"`
	Level      string        `json:"level"`
	SignedAt   time.Time     `json:"signed_at"`
}

// AssignNumberInput asks intake for the document's outgoing number. Intake
// reads the kind and confidentiality from its register entry, which decide
// the series; a repeated request returns the number given the first time.
type AssignNumberInput struct {
	DocumentID string       `json:"document_id"`
	Agency     string       `json:"agency"`
	By         events.Actor `json:"by"`
	// Units are the abbreviations of the drafting unit (and its parents,
	// outermost first, when the agency's symbols carry them) for kinds
	// whose symbol names the unit (công văn: 12/VPCP-TH); empty in runs
	// recorded before it was given.
	Units []string `json:"units,omitempty"`
}

// AssignNumberResult is the document's number in its outgoing register.
type AssignNumberResult struct {
	Number   int64     `json:"number"`
	Year     int       `json:"year"`
	Register string    `json:"register"`
	Symbol   string    `json:"symbol"` // e.g. 12/QĐ-VPCP
	IssuedAt time.Time `json:"issued_at"`
	// DateLine is the place and date line as the document prints it
	// ("Hà Nội, ngày 07 tháng 12 năm 2026"); empty from runs recorded
	// before it was given.
	DateLine string `json:"date_line,omitempty"`
}

// SealDocumentInput asks signing to seal the personally signed PDF.
type SealDocumentInput struct {
	DocumentID string        `json:"document_id"`
	Agency     string        `json:"agency"`
	Signed     events.Object `json:"signed"` // the PDF with the personal signature
	Signer     string        `json:"signer"` // whose personal signature it must carry
	Number     int64         `json:"number"`
	Symbol     string        `json:"symbol"`
	IssuedAt   time.Time     `json:"issued_at"`
	Attachment bool          `json:"attachment,omitempty"`
	Clerk      string        `json:"clerk"`
	// DateLine is the place and date line to write on the document's date
	// line (AssignNumberResult.DateLine); when empty, the date alone
	// ("ngày … tháng … năm …") of IssuedAt.
	DateLine string `json:"date_line,omitempty"`
}

// SealDocumentResult is the sealed PDF.
type SealDocumentResult struct {
	Sealed   events.Object `json:"sealed"`
	SealCert string        `json:"seal_cert"` // subject of the organisation certificate
	Level    string        `json:"level"`
	SealedAt time.Time     `json:"sealed_at"`
}

// ArchiveDocumentInput asks the archive to keep a signed PDF.
type ArchiveDocumentInput struct {
	DocumentID    string        `json:"document_id"`
	Agency        string        `json:"agency"`
	Kind          string        `json:"kind"`
	Subject       string        `json:"subject"`
	ArrivalNumber int64         `json:"arrival_number"`
	Signed        events.Object `json:"signed"`
	Signer        string        `json:"signer"`
	SignedAt      time.Time     `json:"signed_at"`
	// Confidentiality is the document's mark, kept in the catalog with
	// the record; empty from runs that did not carry it.
	Confidentiality string `json:"confidentiality,omitempty"`
}

// ArchiveDocumentResult is the catalog record created.
type ArchiveDocumentResult struct {
	RecordID    string        `json:"record_id"`
	Object      events.Object `json:"object"`
	RetainUntil time.Time     `json:"retain_until"`
}
