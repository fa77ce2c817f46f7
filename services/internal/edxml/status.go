package edxml

import "time"

// StatusCode is a status package's code (vn-standards.md §2.4).
type StatusCode string

// The codes docflow emits and accepts. 14, which one SDK sends for
// "agrees", is read as 15 and never written; other codes (the hubs' 00,
// 100, 200, 300 …) are refused both ways.
const (
	StatusArrived       StatusCode = "01" // đã đến: arrived, not yet processed
	StatusRejected      StatusCode = "02" // từ chối tiếp nhận: Description says why
	StatusRegistered    StatusCode = "03" // đã tiếp nhận: in the incoming register
	StatusAssigned      StatusCode = "04" // phân công
	StatusInProgress    StatusCode = "05" // đang xử lý
	StatusCompleted     StatusCode = "06" // hoàn thành
	StatusTakenBack     StatusCode = "13" // lấy lại: sent by the sender
	StatusAgrees        StatusCode = "15" // agrees to the take-back / update / recall
	StatusRefuses       StatusCode = "16" // refuses it
	statusAgreesAliasIn StatusCode = "14"
)

// statusMeaning is the set of codes that may be emitted, with words for
// refusals.
var statusMeaning = map[StatusCode]string{
	StatusArrived:    "arrived",
	StatusRejected:   "rejected",
	StatusRegistered: "registered",
	StatusAssigned:   "assigned",
	StatusInProgress: "in progress",
	StatusCompleted:  "completed",
	StatusTakenBack:  "taken back by the sender",
	StatusAgrees:     "agrees to the recall or update",
	StatusRefuses:    "refuses the recall or update",
}

// Status is a status (acknowledgement) package.
type Status struct {
	// ResponseFor names the document the status is about; its OrganID is
	// the agency that issued that document.
	ResponseFor ResponseFor
	From        Organ // the agency sending the status
	Code        StatusCode
	Description string // required for 02: the reason of the refusal
	Timestamp   time.Time
	Staff       StaffInfo
}
