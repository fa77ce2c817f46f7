// Package svc declares the request/reply endpoints services offer each other
// over NATS (nats.go/micro), under docflow.svc.<service>.<verb>: each one an
// Endpoint value that ties its subject to its request and reply messages.
// Requests and replies are JSON. A failed request is answered with the micro
// error headers (Nats-Service-Error-Code = HTTP status) and an errcode.Error
// JSON body.
package svc

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// Service names.
const (
	IntakeService  = "intake"
	ArchiveService = "archive"
	SigningService = "signing"
	RoutingService = "routing"
	GatewayService = "gateway"
)

// Intake and archive endpoints.
var (
	// IntakeAccept validates a staged upload, stores it as the original,
	// registers it with an arrival number and emits document.received.
	IntakeAccept = Endpoint[AcceptRequest, AcceptReply]{Subject: "docflow.svc.intake.accept"}
	// ArchiveSearch searches the archive catalog.
	ArchiveSearch = Endpoint[SearchRequest, SearchReply]{Subject: "docflow.svc.archive.search"}
	// ArchiveGet returns one catalog record.
	ArchiveGet = Endpoint[GetRequest, Record]{Subject: "docflow.svc.archive.get"}
)

// Version of the endpoint contracts, reported by the micro services.
const Version = "1.0.0"

// DocumentMetadata is what the submitter says about a document.
type DocumentMetadata struct {
	Kind            string `json:"kind"`            // QUYET_DINH, CONG_VAN, … (DOMAIN.md §1)
	Subject         string `json:"subject"`         // trích yếu, at most 500 characters
	Urgency         string `json:"urgency"`         // THUONG, KHAN, THUONG_KHAN, HOA_TOC
	Confidentiality string `json:"confidentiality"` // NONE, MAT, TOI_MAT, TUYET_MAT

	// What the incoming document says of itself, for the incoming register
	// (DOMAIN.md §10); each is optional on upload.
	Issuer      string `json:"issuer,omitempty"`      // issuing agency's name (Tác giả), at most 200 characters
	IssuerID    string `json:"issuer_id,omitempty"`   // issuing agency's identifier, either form of DOMAIN.md §7
	Symbol      string `json:"symbol,omitempty"`      // number and symbol as printed, e.g. "12/QĐ-UBND"
	IssuedOn    string `json:"issued_on,omitempty"`   // the document's date, YYYY-MM-DD
	Description string `json:"description,omitempty"` // note (Ghi chú), at most 500 characters

	// Direction is the flow the document enters (DOMAIN.md §4–§5):
	// "incoming", registered by a clerk with an arrival number, or
	// "outgoing", a draft created by an official. Empty means incoming for
	// a clerk and outgoing for anyone else.
	Direction string `json:"direction,omitempty"`
	// Recipients (nơi nhận) of an outgoing draft: units of the agency and
	// other agencies, at least one; Unit is the drafting unit, when the
	// drafter names it (routing otherwise takes the drafter's own unit).
	Recipients []events.Recipient `json:"recipients,omitempty"`
	Unit       string             `json:"unit,omitempty"`
	// ExchangeArrival is the arrival id of the exchange.arrived event an
	// incoming document is registered from, so that its sender receives
	// the status receipts; empty for a document that came otherwise.
	ExchangeArrival string `json:"exchange_arrival,omitempty"`
}

// AcceptRequest asks intake to take a staged upload.
type AcceptRequest struct {
	Staged   events.Object    `json:"staged"` // where the gateway put the raw upload
	Metadata DocumentMetadata `json:"metadata"`
	By       events.Actor     `json:"by"`
}

// AcceptReply is intake's answer: the registered document.
type AcceptReply struct {
	DocumentID    string        `json:"document_id"`
	ArrivalNumber int64         `json:"arrival_number"`
	ArrivalYear   int           `json:"arrival_year"`
	Status        string        `json:"status"` // "registered"
	Original      events.Object `json:"original"`
	ReceivedAt    time.Time     `json:"received_at"`
}

// SearchRequest asks the archive catalog for records. Query matching ignores
// case and Vietnamese diacritics ("quyet dinh" finds "Quyết định").
type SearchRequest struct {
	Agency    string `json:"agency"`
	Query     string `json:"query"`
	PageSize  int    `json:"page_size"`
	PageToken string `json:"page_token"`
}

// SearchReply is a page of records.
type SearchReply struct {
	Items         []Record `json:"items"`
	NextPageToken string   `json:"next_page_token"`
}

// GetRequest asks for one record.
type GetRequest struct {
	Agency   string `json:"agency"`
	RecordID string `json:"record_id"`
}

// Record is an archive catalog entry.
type Record struct {
	ID            string        `json:"id"`
	DocumentID    string        `json:"document_id"`
	Agency        string        `json:"agency"`
	Kind          string        `json:"kind"`
	Subject       string        `json:"subject"`
	ArrivalNumber int64         `json:"arrival_number"`
	Object        events.Object `json:"object"`
	RetainUntil   time.Time     `json:"retain_until"`
	RetentionMode string        `json:"retention_mode"`
	Signer        string        `json:"signer"`
	SignedAt      time.Time     `json:"signed_at"`
	ArchivedAt    time.Time     `json:"archived_at"`
	// Confidentiality is the document's mark (NONE, MAT, TOI_MAT,
	// TUYET_MAT); empty for records archived before the catalog kept it.
	Confidentiality string `json:"confidentiality,omitempty"`
}

// IntakeRevise checks a drafter's revised document and stores it as a new
// revision of an existing document. Like IntakeAccept it removes the staged
// upload whatever the outcome.
var IntakeRevise = Endpoint[ReviseRequest, ReviseReply]{Subject: "docflow.svc.intake.revise"}

// ReviseRequest asks intake to keep a revised document.
type ReviseRequest struct {
	DocumentID string        `json:"document_id"`
	Staged     events.Object `json:"staged"`
	By         events.Actor  `json:"by"`
}

// ReviseReply is where the checked revision is stored.
type ReviseReply struct {
	DocumentID string        `json:"document_id"`
	Revision   events.Object `json:"revision"`
}
