package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// One installation hosts two agencies. Each routes its documents with its
// own org chart and rules, and a person of one agency is told that the
// other's documents, tasks, records and delegations do not exist (404),
// finds none of them in a list, register, search or notification.
func TestAgenciesAreIsolated(t *testing.T) {
	t.Parallel()
	st, _ := stacktest.Start(t, nil)
	ctx := t.Context()
	clerk, drafter, reviewer, leader := login(t, st, "vanthu"), login(t, st, "chuyenvien2"), login(t, st, "chuyenvien1"), login(t, st, "lanhdao")
	qnClerk, qnOfficial, qnLeader, qnOfficer := login(t, st, "qn.vanthu"), login(t, st, "qn.chuyenvien"), login(t, st, "qn.lanhdao"), login(t, st, "qn.luutru")
	others := []*session{qnClerk, qnOfficial, qnLeader, qnOfficer}

	// G22: an incoming document, presented to its leader, and an outgoing
	// one taken to the archive.
	incoming := submit(t, clerk, stacktest.TextPDF("Cong van den cua Bo"), metadata("CONG_VAN", "Công văn đến của Bộ Tài chính"))
	leaderTask := awaitTask(t, leader, incoming.ID, "lanhdao")
	out := submit(t, drafter, stacktest.TextPDF("Ke hoach cong tac"), draft("KE_HOACH", "Kế hoạch công tác của Văn phòng"))
	review := awaitTask(t, reviewer, out.ID, "chuyenvien1")
	if r, err := reviewer.client.DecideTaskWithResponse(ctx, review.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove}); err != nil || r.JSON200 == nil {
		t.Fatalf("approve: %v %v", err, r)
	}
	signAll(t, leader, out.ID)
	issueAll(t, clerk, out.ID)
	var archived httpapi.Document
	eventually(t, "the outgoing document archived", 2*time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(ctx, out.ID)
		if err != nil || r.JSON200 == nil {
			return fmt.Errorf("reading it: %w (%v)", err, r)
		}
		if r.JSON200.Status != httpapi.DocumentStatusArchived {
			return fmt.Errorf("status %s", r.JSON200.Status)
		}
		archived = *r.JSON200
		return nil
	})
	now := time.Now()
	deleg, err := leader.client.CreateDelegationWithResponse(ctx, httpapi.DelegationRequest{
		Position: "chanh-van-phong", Substitute: "chuyenvien2", From: now.Add(-time.Minute), Until: now.Add(48 * time.Hour), Reason: "Công tác",
	})
	if err != nil || deleg.JSON201 == nil {
		t.Fatalf("delegation: %v %v", err, deleg)
	}

	// H49 routes with its own chart: its clerk's document goes to its leader.
	qnIncoming := submit(t, qnClerk, stacktest.TextPDF("Cong van den tinh"), metadata("CONG_VAN", "Công văn đến của tỉnh"))
	awaitTask(t, qnLeader, qnIncoming.ID, "qn.lanhdao")
	if r, err := qnLeader.client.GetOrgChartWithResponse(ctx); err != nil || r.JSON200 == nil || r.JSON200.Agency != "000.00.00.H49" {
		t.Fatalf("H49's leader reading the org chart: %v %v", err, r)
	}

	notFound := func(what string, status int, body []byte) {
		t.Helper()
		wantError(t, what, status, body, http.StatusNotFound, httpapi.ErrorCodeNotFound)
	}
	for _, s := range others {
		// Documents: metadata, content, signatures, and what a clerk does to one.
		for _, id := range []string{incoming.ID, out.ID} {
			r, err := s.client.GetDocumentWithResponse(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			notFound(s.user+" reading G22's "+id, r.StatusCode(), r.Body)
			c, err := s.client.GetDocumentContentWithResponse(ctx, id, &httpapi.GetDocumentContentParams{})
			if err != nil {
				t.Fatal(err)
			}
			notFound(s.user+" downloading G22's "+id, c.StatusCode(), c.Body)
			sg, err := s.client.GetDocumentSignaturesWithResponse(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			notFound(s.user+" verifying G22's "+id, sg.StatusCode(), sg.Body)
		}
		l, err := s.client.ListDocumentsWithResponse(ctx, &httpapi.ListDocumentsParams{})
		if err != nil || l.JSON200 == nil {
			t.Fatalf("%s listing: %v %v", s.user, err, l)
		}
		for _, d := range l.JSON200.Items {
			if d.ID == incoming.ID || d.ID == out.ID {
				t.Errorf("%s lists G22's %s", s.user, d.ID)
			}
		}
		// Tasks (a clerk or records officer may decide none: 403 whatever
		// the task).
		if s == qnOfficial || s == qnLeader {
			d, err := s.client.DecideTaskWithResponse(ctx, leaderTask.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
			if err != nil {
				t.Fatal(err)
			}
			notFound(s.user+" deciding G22's task", d.StatusCode(), d.Body)
		}
		// Records (read by records officers and leaders only).
		if s == qnOfficer || s == qnLeader {
			rec, err := s.client.GetArchiveRecordWithResponse(ctx, archived.RecordID)
			if err != nil {
				t.Fatal(err)
			}
			notFound(s.user+" reading G22's record", rec.StatusCode(), rec.Body)
			rc, err := s.client.GetArchiveRecordContentWithResponse(ctx, archived.RecordID)
			if err != nil {
				t.Fatal(err)
			}
			notFound(s.user+" downloading G22's record", rc.StatusCode(), rc.Body)
		}
		// Delegations.
		rv, err := s.client.RevokeDelegationWithResponse(ctx, deleg.JSON201.ID)
		if err != nil {
			t.Fatal(err)
		}
		notFound(s.user+" revoking G22's delegation", rv.StatusCode(), rv.Body)
		// Notifications.
		n, err := s.client.ListNotificationsWithResponse(ctx, &httpapi.ListNotificationsParams{})
		if err != nil || n.JSON200 == nil {
			t.Fatalf("%s notifications: %v %v", s.user, err, n)
		}
		for _, item := range n.JSON200.Items {
			if item.DocumentID == incoming.ID || item.DocumentID == out.ID {
				t.Errorf("%s is notified of G22's %s", s.user, item.DocumentID)
			}
		}
	}

	// The clerk's desk: G22's document is not H49's to issue or dispatch.
	is, err := qnClerk.client.IssueDocumentWithResponse(ctx, out.ID, httpapi.IssueRequest{})
	if err != nil {
		t.Fatal(err)
	}
	notFound("H49's clerk issuing G22's document", is.StatusCode(), is.Body)
	ds, err := qnClerk.client.DispatchDocumentWithResponse(ctx, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	notFound("H49's clerk dispatching G22's document", ds.StatusCode(), ds.Body)
	// Registers: H49's hold H49's documents only.
	year := time.Now().In(vntime.Zone).Year()
	in := string(register(t, qnClerk, "incoming", year, "csv"))
	if strings.Contains(in, "Bộ Tài chính") || !strings.Contains(in, "Công văn đến của tỉnh") {
		t.Errorf("H49's incoming register:\n%s", in)
	}
	if o := string(register(t, qnClerk, "outgoing", year, "csv")); strings.Contains(o, "Kế hoạch công tác của Văn phòng") {
		t.Errorf("H49's outgoing register holds G22's document:\n%s", o)
	}
	// Archive search and the inbox.
	sr, err := qnOfficer.client.SearchArchiveWithResponse(ctx, &httpapi.SearchArchiveParams{Q: "Kế hoạch công tác"})
	if err != nil || sr.JSON200 == nil {
		t.Fatalf("H49's search: %v %v", err, sr)
	}
	if len(sr.JSON200.Items) != 0 {
		t.Errorf("H49's records officer finds %d of G22's records", len(sr.JSON200.Items))
	}
	ib, err := qnLeader.client.ListInboxWithResponse(ctx, &httpapi.ListInboxParams{})
	if err != nil || ib.JSON200 == nil {
		t.Fatalf("H49's inbox: %v %v", err, ib)
	}
	if slices.ContainsFunc(ib.JSON200.Items, func(x httpapi.Task) bool { return x.DocumentID == incoming.ID }) {
		t.Error("H49's leader has G22's task in the inbox")
	}
}
