package events

import "time"

// ExchangeArrivedData is the payload of ExchangeArrived: a document package
// another agency sent over the exchange, verified (signature, certificate,
// attachments) and addressed to Agency. Nothing is registered yet: the
// clerk registers it, naming ArrivalID (DocumentReceivedData's
// ExchangeArrival), and the sender then receives 03 and the later receipts.
type ExchangeArrivedData struct {
	// ArrivalID is derived from the package (recipient and edXML document
	// id), so a package delivered twice is one arrival.
	ArrivalID  string `json:"arrival_id"`
	Agency     string `json:"agency"`      // the recipient, a hosted agency
	FromAgency string `json:"from_agency"` // the sender's identifier
	FromName   string `json:"from_name,omitempty"`
	// EdXMLDocumentID is the package's DocumentId, which status receipts
	// answer with.
	EdXMLDocumentID string `json:"edxml_document_id"`
	Number          string `json:"number"`         // CodeNumber, e.g. 7816
	Notation        string `json:"notation"`       // CodeNotation, e.g. VPCP-TTĐT
	PromulgatedOn   string `json:"promulgated_on"` // YYYY-MM-DD, in Vietnam
	Place           string `json:"place,omitempty"`
	// Kind is the docflow kind the edXML type maps back to; empty when
	// neither the code nor the name is one we know (TypeName says it).
	Kind     string `json:"kind,omitempty"`
	TypeName string `json:"type_name"`
	Subject  string `json:"subject"`
	Urgency  string `json:"urgency"`          // THUONG, KHAN, THUONG_KHAN, HOA_TOC
	DueOn    string `json:"due_on,omitempty"` // YYYY-MM-DD
	// Attachments are the package's files, stored in the documents bucket's
	// staging area, from where intake registers them.
	Attachments []Object  `json:"attachments"`
	ReceivedAt  time.Time `json:"received_at"`
}

// ExchangeStatusReceivedData is the payload of ExchangeStatusReceived: a
// verified status package from a recipient agency about a document this
// agency sent it.
type ExchangeStatusReceivedData struct {
	DocumentID  string    `json:"document_id"`
	Recipient   string    `json:"recipient"` // the agency the status comes from
	Code        string    `json:"code"`      // one of the Receipt* codes
	Description string    `json:"description,omitempty"`
	Timestamp   time.Time `json:"timestamp"` // when the recipient issued it
}
