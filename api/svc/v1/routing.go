package svc

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// Routing endpoints: delegations of positions to substitutes.
const (
	// RoutingDelegationsCreate names a substitute for a position; only the
	// position's holder or a leader of the agency may, and nothing held by
	// delegation can be delegated again.
	RoutingDelegationsCreate = "docflow.svc.routing.delegations.create"
	// RoutingDelegationsRevoke ends a delegation before its end.
	RoutingDelegationsRevoke = "docflow.svc.routing.delegations.revoke"
	// RoutingDelegationsList lists delegations.
	RoutingDelegationsList = "docflow.svc.routing.delegations.list"
)

// Delegation is a position delegated to a substitute for a period
// (From inclusive, Until exclusive) and a scope of kinds (empty: every kind).
type Delegation struct {
	ID         string    `json:"id"`
	Position   string    `json:"position"`
	Holder     string    `json:"holder"`
	Substitute string    `json:"substitute"`
	From       time.Time `json:"from"`
	Until      time.Time `json:"until"`
	Kinds      []string  `json:"kinds,omitempty"`
	Authority  string    `json:"authority,omitempty"` // TUQ for a written authorisation
	Reason     string    `json:"reason,omitempty"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedBy  string    `json:"revoked_by,omitempty"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// CreateDelegationRequest asks for a new delegation, by a person.
type CreateDelegationRequest struct {
	Position   string       `json:"position"`
	Substitute string       `json:"substitute"`
	From       time.Time    `json:"from"`
	Until      time.Time    `json:"until"`
	Kinds      []string     `json:"kinds,omitempty"`
	Authority  string       `json:"authority,omitempty"`
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
