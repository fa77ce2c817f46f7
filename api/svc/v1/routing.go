package svc

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// Routing endpoints: delegations of positions to substitutes.
var (
	// RoutingDelegationsCreate names a substitute for a position; only the
	// position's holder or a leader of the agency may, and nothing held by
	// delegation can be delegated again.
	RoutingDelegationsCreate = Endpoint[CreateDelegationRequest, Delegation]{Subject: "docflow.svc.routing.delegations.create"}
	// RoutingDelegationsRevoke ends a delegation before its end.
	RoutingDelegationsRevoke = Endpoint[RevokeDelegationRequest, Delegation]{Subject: "docflow.svc.routing.delegations.revoke"}
	// RoutingDelegationsList lists delegations.
	RoutingDelegationsList = Endpoint[ListDelegationsRequest, DelegationList]{Subject: "docflow.svc.routing.delegations.list"}
)

// Delegation is a position delegated to a substitute for a period
// (From inclusive, Until exclusive) and a scope of kinds (empty: every kind).
type Delegation struct {
	ID         string    `json:"id"`
	Agency     string    `json:"agency"` // the agency whose position it is
	Position   string    `json:"position"`
	Holder     string    `json:"holder"`
	Substitute string    `json:"substitute"`
	From       time.Time `json:"from"`
	Until      time.Time `json:"until"`
	Kinds      []string  `json:"kinds,omitempty"`
	Authority  string    `json:"authority,omitempty"` // TUQ for a written authorisation
	// Reference is the authorising document of a TUQ authorisation (giấy
	// ủy quyền: its number and date), printed with every signature made
	// under it.
	Reference string    `json:"reference,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	RevokedBy string    `json:"revoked_by,omitempty"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// CreateDelegationRequest asks for a new delegation, by a person.
type CreateDelegationRequest struct {
	Position   string       `json:"position"`
	Substitute string       `json:"substitute"`
	From       time.Time    `json:"from"`
	Until      time.Time    `json:"until"`
	Kinds      []string     `json:"kinds,omitempty"`
	Authority  string       `json:"authority,omitempty"`
	Reference  string       `json:"reference,omitempty"` // required with TUQ
	Reason     string       `json:"reason,omitempty"`
	By         events.Actor `json:"by"`
}

// RevokeDelegationRequest ends a delegation, by a person.
type RevokeDelegationRequest struct {
	ID string       `json:"id"`
	By events.Actor `json:"by"`
}

// ListDelegationsRequest filters delegations; Active keeps those in force
// at that time.
type ListDelegationsRequest struct {
	Position   string       `json:"position,omitempty"`
	Substitute string       `json:"substitute,omitempty"`
	Active     time.Time    `json:"active,omitzero"`
	By         events.Actor `json:"by"`
}

// DelegationList is the answer to RoutingDelegationsList.
type DelegationList struct {
	Items []Delegation `json:"items"`
}

// Routing endpoints: what routing plans with, for people to see, and the
// assignee record of a person for a task handed to them.
var (
	// RoutingRules answers the rules in force.
	RoutingRules = Endpoint[RulesRequest, RuleSet]{Subject: "docflow.svc.routing.rules"}
	// RoutingOrgChart answers the agency's org chart with the substitutes in
	// force.
	RoutingOrgChart = Endpoint[OrgChartRequest, OrgChart]{Subject: "docflow.svc.routing.orgchart"}
	// RoutingAssignee resolves a person to the assignee record a workflow
	// needs: their position, supervisor and substitutes.
	RoutingAssignee = Endpoint[AssigneeRequest, Assignee]{Subject: "docflow.svc.routing.assignee"}
)

// RulesRequest asks for the routing rules.
type RulesRequest struct {
	By events.Actor `json:"by"`
}

// RuleSet is the rules file in force.
type RuleSet struct {
	Version string `json:"version"`
	Rules   []Rule `json:"rules"`
	// Issuing is the văn thư position whose holder has a task to issue each
	// signed outgoing document, and its deadline in working days (0: the
	// same day); absent when the rules name none.
	Issuing *RuleIssuing `json:"issuing,omitempty"`
}

// RuleIssuing is the rules' issuing position (RuleSet.Issuing).
type RuleIssuing struct {
	Position     string `json:"position"`
	DeadlineDays int    `json:"deadline_days"`
}

// Rule is one routing rule: which documents it matches and its plan.
type Rule struct {
	ID   string   `json:"id"`
	When RuleWhen `json:"when"`
	// Direction is the documents the rule plans: "incoming" (their
	// handling) or "outgoing" (their review and signing).
	Direction string     `json:"direction,omitempty"`
	Steps     []RuleStep `json:"steps"`
	// Signing is who signs an outgoing document once its steps agreed;
	// absent on a rule for incoming documents.
	Signing *RuleSigning `json:"signing,omitempty"`
}

// RuleSigning is a rule's signing step: the position that signs, how it
// signs (Authority "", "TM.", "TL." or "Q.") and for whom under TM. or TL.
type RuleSigning struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Position     string `json:"position"`
	Authority    string `json:"authority,omitempty"`
	For          string `json:"for,omitempty"`
	DeadlineDays int    `json:"deadline_days"`
}

// RuleWhen is a rule's condition; an empty list matches anything.
type RuleWhen struct {
	Kind          []string            `json:"kind,omitempty"`
	Urgency       []string            `json:"urgency,omitempty"`
	Agency        []string            `json:"agency,omitempty"`
	IssuerID      []string            `json:"issuer_id,omitempty"`
	RecipientUnit []string            `json:"recipient_unit,omitempty"`
	Metadata      map[string][]string `json:"metadata,omitempty"`
}

// RuleStep is one step of a rule's plan.
type RuleStep struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Mode         string       `json:"mode"`
	Required     int          `json:"required,omitempty"`
	To           []RuleTarget `json:"to"`
	DeadlineDays int          `json:"deadline_days"`
}

// RuleTarget addresses a position or a unit.
type RuleTarget struct {
	Position string `json:"position,omitempty"`
	Unit     string `json:"unit,omitempty"`
}

// OrgChartRequest asks for the org chart, with the delegations in force at
// At (now when zero).
type OrgChartRequest struct {
	At time.Time    `json:"at,omitzero"`
	By events.Actor `json:"by"`
}

// OrgChart is an agency's organisation.
type OrgChart struct {
	Agency    string        `json:"agency"`
	Units     []OrgUnit     `json:"units"`
	Positions []OrgPosition `json:"positions"`
}

// OrgUnit is a unit of the agency.
type OrgUnit struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
	Head   string `json:"head"`
	// Abbreviation is the unit's part of the symbol of documents it drafts.
	Abbreviation string `json:"abbreviation,omitempty"`
}

// OrgPosition is a position, its holder and the delegations of it in force.
type OrgPosition struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Unit        string       `json:"unit"`
	Holder      string       `json:"holder"`
	Supervisor  string       `json:"supervisor,omitempty"`
	Substitutes []Delegation `json:"substitutes"`
}

// AssigneeRequest asks for the assignee record of Username for a document
// of Kind, at this moment.
type AssigneeRequest struct {
	Username string       `json:"username"`
	Kind     string       `json:"kind"`
	By       events.Actor `json:"by"`
}

// Assignee is a person as a workflow addresses them: the position they act
// in, whom their overdue tasks escalate to, and who may act for them. The
// workflows hold their tasks' assignees in this shape (workflows.Assignee),
// so routing's answer is what a workflow takes.
type Assignee struct {
	Position string `json:"position"`
	// Title is the position's title, printed above a signature made in it.
	Title       string       `json:"title,omitempty"`
	Username    string       `json:"username"`
	Supervisor  string       `json:"supervisor,omitempty"` // username the task escalates to when overdue
	Substitutes []Substitute `json:"substitutes,omitempty"`
}

// Substitute is a delegation in force for an assignee, in the shape task
// events carry it.
type Substitute = events.Substitute
