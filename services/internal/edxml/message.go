package edxml

import "time"

// Organ is an agency as the header names it (From, To): the QCVN 102
// "Organ" fields. OrganID is the agency identifier (mã định danh).
type Organ struct {
	OrganID              string
	OrganizationInCharge string // the governing body (cơ quan chủ quản)
	OrganName            string
	OrganAdd             string // postal address
	Email                string
	Telephone            string
	Fax                  string
	Website              string
}

// Code is the document's number and symbol (số, ký hiệu) as written on it:
// Number "7816", Notation "VPCP-TTĐT".
type Code struct {
	Number   string
	Notation string
}

// Promulgation is where and when the document was issued. Date is a civil
// date read and written as yyyy/MM/dd in Vietnam time.
type Promulgation struct {
	Place string
	Date  time.Time
}

// DocumentType is the kind of the document. Type is a numeric code whose
// meaning differs between hubs (see the package doc), so TypeName, the
// kind's name in words, is always required.
type DocumentType struct {
	Type       string
	TypeDetail string // optional
	TypeName   string
}

// SignerInfo is the competent signer printed on the document. Competence is
// the authority prefix (KT., TM., TL., TUQ., Q.) or empty for direct signing.
type SignerInfo struct {
	Competence string
	Position   string
	FullName   string
}

// Priority is the urgency (OtherInfo/Priority).
type Priority int

// The urgencies of QCVN 102: normal, khẩn, thượng khẩn, hỏa tốc, hỏa tốc
// hẹn giờ.
const (
	PriorityNormal Priority = iota
	PriorityUrgent
	PriorityVeryUrgent
	PriorityExpress
	PriorityExpressTimed
)

// OtherInfo holds the secondary header fields.
type OtherInfo struct {
	Priority             Priority
	SphereOfPromulgation string // phạm vi ban hành
	TyperNotation        string // ký hiệu người đánh máy
	PromulgationAmount   int    // number of copies issued
	PageAmount           int
	Appendixes           []string
}

// ResponseFor names a document this message answers (or a status reports
// on). DocumentID is opaque: some hubs put a UUID there.
type ResponseFor struct {
	OrganID          string
	Code             string // "<số>/<ký hiệu>"
	PromulgationDate time.Time
	DocumentID       string
}

// SteeringType says whether the document is a directive.
type SteeringType int

// The values emitted. On input 3 is read as SteeringReport: one SDK counts
// 1 none, 2 directive, 3 report, and 3 has only that meaning.
const (
	SteeringNone      SteeringType = 0
	SteeringDirective SteeringType = 1
	SteeringReport    SteeringType = 2
)

// TraceHeader is one hop the package went through.
type TraceHeader struct {
	OrganID   string
	Timestamp time.Time
}

// BusinessDocType says what the package does to a document
// (BussinessDocType).
type BusinessDocType int

// The business types of QCVN 102.
const (
	BusinessNew     BusinessDocType = 0
	BusinessRecall  BusinessDocType = 1 // thu hồi
	BusinessUpdate  BusinessDocType = 2 // cập nhật
	BusinessReplace BusinessDocType = 3 // thay thế
)

// StaffInfo is the person who handles the package at the sending agency.
type StaffInfo struct {
	Department string
	Staff      string
	Mobile     string
	Email      string
}

// ReceiverChange is one change of the recipient list in an update.
type ReceiverChange struct {
	Added   bool // ReceiverType 1; false is 0, the recipient was removed
	OrganID string
}

// BusinessDocumentInfo says what an update changes.
type BusinessDocumentInfo struct {
	DocumentInfo     bool // the document's information changed
	DocumentReceiver bool // its recipient list changed
	Receivers        []ReceiverChange
}

// Replacement names a document replaced and the agencies it went to.
type Replacement struct {
	DocumentID string
	OrganIDs   []string
}

// Business is the business element, written with the standard's double s
// on the wire.
type Business struct {
	DocType      BusinessDocType
	Reason       string                // BussinessDocReason
	DocumentInfo *BusinessDocumentInfo // nil when absent
	DocumentID   string
	Staff        StaffInfo
	// Paper says a paper copy is also sent. One hub writes a page count
	// there, so any positive number reads as true.
	Paper        bool
	Replacements []Replacement
}

// Attachment is one file of the package, usually a signed PDF. Its bytes
// travel in the container; the signature covers their SHA-256 digest.
type Attachment struct {
	ContentID   string // unique in the package; letters, digits and ._@-
	ContentType string // e.g. application/pdf
	Description string
	Name        string // AttachmentName, the file name
	Data        []byte
}

// Message is a document package: the edXML header and the attachments.
type Message struct {
	From         Organ
	To           []Organ // main recipients; at least one
	Code         Code
	Promulgation Promulgation
	DocumentType DocumentType
	Subject      string // trích yếu
	Content      string // summary
	Signer       SignerInfo
	DueDate      time.Time // zero when absent; yyyy/MM/dd on the wire
	ToPlaces     []string  // the "Nơi nhận" lines, as text
	Other        OtherInfo
	ResponseFor  []ResponseFor
	SteeringType SteeringType
	// DocumentID is the canonical id of the document (see DocumentID);
	// Build derives it from From, Code and Promulgation when empty.
	DocumentID  string
	Trace       []TraceHeader
	Business    Business
	Attachments []Attachment
}
