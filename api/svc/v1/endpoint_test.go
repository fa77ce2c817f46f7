package svc_test

import (
	"regexp"
	"testing"

	svc "github.com/docflow/docflow/api/svc/v1"
)

// endpoint is what the test reads of an Endpoint, whatever its messages.
type endpoint interface {
	Service() string
	Name() string
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	// NATS micro refuses other endpoint names.
	microName := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	tests := []struct {
		subject  string
		endpoint endpoint
		service  string
		name     string
	}{
		{svc.IntakeAccept.Subject, svc.IntakeAccept, svc.IntakeService, "accept"},
		{svc.IntakeRevise.Subject, svc.IntakeRevise, svc.IntakeService, "revise"},
		{svc.ArchiveSearch.Subject, svc.ArchiveSearch, svc.ArchiveService, "search"},
		{svc.ArchiveGet.Subject, svc.ArchiveGet, svc.ArchiveService, "get"},
		{svc.SigningVerify.Subject, svc.SigningVerify, svc.SigningService, "verify"},
		{svc.RoutingDelegationsCreate.Subject, svc.RoutingDelegationsCreate, svc.RoutingService, "delegations-create"},
		{svc.RoutingDelegationsRevoke.Subject, svc.RoutingDelegationsRevoke, svc.RoutingService, "delegations-revoke"},
		{svc.RoutingDelegationsList.Subject, svc.RoutingDelegationsList, svc.RoutingService, "delegations-list"},
		{svc.RoutingRules.Subject, svc.RoutingRules, svc.RoutingService, "rules"},
		{svc.RoutingOrgChart.Subject, svc.RoutingOrgChart, svc.RoutingService, "orgchart"},
		{svc.RoutingAssignee.Subject, svc.RoutingAssignee, svc.RoutingService, "assignee"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		if seen[tt.subject] {
			t.Errorf("%s is declared twice", tt.subject)
		}
		seen[tt.subject] = true
		if got := tt.endpoint.Service(); got != tt.service {
			t.Errorf("%s: service %q, want %q", tt.subject, got, tt.service)
		}
		if got := tt.endpoint.Name(); got != tt.name || !microName.MatchString(got) {
			t.Errorf("%s: name %q, want %q", tt.subject, got, tt.name)
		}
		if want := "docflow.svc." + tt.service + "."; len(tt.subject) <= len(want) || tt.subject[:len(want)] != want {
			t.Errorf("%s is not under %s", tt.subject, want)
		}
	}
}
