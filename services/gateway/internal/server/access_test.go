package server_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// accessNow is the clock of the need-to-know tests.
var accessNow = time.Date(2026, 3, 10, 9, 0, 0, 0, vntime.Zone)

// readers are the people of the need-to-know tests: the development users,
// and beside them a second clerk, two more officials and a leader whom the
// agency cleared for MẬT.
var readers = []string{"vanthu", "vanthu2", "chuyenvien1", "chuyenvien2", "chuyenvien3", "chuyenvien4", "lanhdao", "lanhdao2", "luutru"}

// mayRead is who may read each document of accessAPI (DOMAIN.md §3):
//   - plain: not secret, registered by vanthu, a task of chuyenvien1 open,
//     chuyenvien3 their substitute now, chuyenvien4 no longer;
//   - secret: MẬT, the same people, chuyenvien1's task already decided;
//   - archived: not secret, archived (record r-archived), no task;
//   - secret-archived: MẬT, archived (record r-secret), no task;
//   - tuyetmat: TUYỆT MẬT, no task.
//
// vanthu registered every one of them.
var mayRead = map[string][]string{
	"plain":           {"vanthu", "vanthu2", "chuyenvien1", "chuyenvien3", "lanhdao", "lanhdao2"},
	"secret":          {"vanthu", "chuyenvien1", "chuyenvien3", "lanhdao2"},
	"archived":        {"vanthu", "vanthu2", "lanhdao", "lanhdao2", "luutru"},
	"secret-archived": {"vanthu", "lanhdao2"},
	"tuyetmat":        {"vanthu"},
}

// accessAPI is the API over a read model holding the documents of mayRead;
// configure may add what a test needs (an object store, NATS).
func accessAPI(t *testing.T, dsn string, configure func(*server.Server)) *api {
	t.Helper()
	users, err := auth.LoadUsers(filepath.Join("..", "..", "..", "..", "deploy", "dev", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	hash := users[0].PasswordBcrypt
	for _, u := range []auth.User{
		{Username: "vanthu2", Role: auth.RoleClerk},
		{Username: "chuyenvien3", Role: auth.RoleOfficial},
		{Username: "chuyenvien4", Role: auth.RoleOfficial},
		{Username: "lanhdao2", Role: auth.RoleLeader, Clearance: "MAT"},
	} {
		u.Agency, u.PasswordBcrypt = agency, hash
		users = append(users, u)
	}
	authn, err := auth.New(users, []byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, dsn, func(s *server.Server) {
		s.Auth, s.Now = authn, func() time.Time { return accessNow }
		if configure != nil {
			configure(s)
		}
	})
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, vntime.Zone)
	clerk := events.Actor{Username: "vanthu", Role: auth.RoleClerk, Agency: agency}
	subs := []events.Substitute{
		{Username: "chuyenvien3", From: accessNow.AddDate(0, 0, -1), Until: accessNow.AddDate(0, 0, 1)},
		{Username: "chuyenvien4", From: accessNow.AddDate(0, 0, -10), Until: accessNow.AddDate(0, 0, -1)},
	}
	for i, doc := range []string{"plain", "secret", "archived", "secret-archived", "tuyetmat"} {
		level := map[string]string{"secret": "MAT", "secret-archived": "MAT", "tuyetmat": "TUYET_MAT"}[doc]
		if level == "" {
			level = "NONE"
		}
		when := at.Add(time.Duration(i) * time.Hour)
		a.apply(t, envelope(t, events.DocumentReceived, agency, doc, when, events.DocumentReceivedData{
			DocumentID: doc, Agency: agency, ArrivalNumber: int64(i + 1), ArrivalYear: 2026, Kind: "KE_HOACH", Subject: "Kế hoạch " + doc,
			Urgency: "THUONG", Confidentiality: level, Original: events.Object{Bucket: "docflow-documents", Key: "originals/" + doc + ".pdf"}, By: clerk,
		}))
		switch doc {
		case "plain", "secret":
			task := "t-" + doc
			a.apply(t, envelope(t, events.TaskAssigned, agency, doc, when.Add(time.Minute), events.TaskAssignedData{
				TaskID: task, DocumentID: doc, WorkflowID: "approval-" + doc, Assignee: "chuyenvien1", Kind: "KE_HOACH",
				AssignedAt: when.Add(time.Minute), Deadline: accessNow.AddDate(0, 0, 5), Substitutes: subs,
			}))
			if doc == "secret" {
				a.apply(t, envelope(t, events.TaskDecided, agency, doc, when.Add(2*time.Minute), events.TaskDecidedData{
					TaskID: task, DocumentID: doc, Decision: "approve", DecidedAt: when.Add(2 * time.Minute),
				}))
			}
		case "archived", "secret-archived":
			a.apply(t, envelope(t, events.DocumentArchived, agency, doc, when.Add(time.Minute), events.DocumentArchivedData{
				DocumentID: doc, RecordID: map[string]string{"archived": "r-archived", "secret-archived": "r-secret"}[doc],
			}))
		}
	}
	return a
}

// Metadata and history are shown only to those who may read the document.
// Anyone else is told it is not found, in the same words as a document that
// does not exist, and the audit trail keeps the refusal.
func TestNeedToKnowDocument(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := accessAPI(t, dsn, nil)
			for doc, allowed := range mayRead {
				for _, user := range readers {
					res, body := a.get(t, user, "/v1/documents/"+doc)
					if slices.Contains(allowed, user) {
						if res.StatusCode != http.StatusOK || decode[httpapi.Document](t, body).ID != doc {
							t.Errorf("%s reading %s: %d %s, want it shown", user, doc, res.StatusCode, body)
						}
						continue
					}
					if e := wireError(t, body); res.StatusCode != http.StatusNotFound || e.Code != errcode.NotFound || e.Message != "no document "+doc {
						t.Errorf("%s reading %s: %d %+v, want 404 as if there were none", user, doc, res.StatusCode, e)
					}
				}
				assertReadsAudited(t, a, doc, "document.read", allowed)
			}
		})
	}
}

// assertReadsAudited checks that doc's audit trail has action once per
// reader of the test: allowed for those who may read it, refused for need
// of knowing for the others.
func assertReadsAudited(t *testing.T, a *api, doc, action string, allowed []string) {
	t.Helper()
	entries, err := a.audit.ForTarget(t.Context(), doc)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{}
	for _, e := range entries {
		if e.Action != action {
			continue
		}
		switch {
		case e.Outcome == audit.Allowed && slices.Contains(allowed, e.Actor):
		case e.Outcome == audit.Refused && !slices.Contains(allowed, e.Actor) && strings.HasSuffix(e.Detail, "not_found need_to_know"):
		default:
			t.Errorf("audit of %s: %+v", doc, e)
		}
		outcomes[e.Actor] = e.Outcome
	}
	if len(outcomes) != len(readers) {
		t.Errorf("audit of %s: %s by %v, want one by each of %v", doc, action, outcomes, readers)
	}
}

// A list shows each person the documents they may read and no other, and a
// page holds as many of those as asked for.
func TestNeedToKnowList(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := accessAPI(t, dsn, nil)
			for _, user := range readers {
				var want []string
				for doc, allowed := range mayRead {
					if slices.Contains(allowed, user) {
						want = append(want, doc)
					}
				}
				res, body := a.get(t, user, "/v1/documents?page_size=100")
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s listing: %d %s", user, res.StatusCode, body)
				}
				var got []string
				for _, d := range decode[httpapi.DocumentList](t, body).Items {
					got = append(got, d.ID)
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s lists %v, want %v", user, got, want)
				}
			}

			// chuyenvien1 reads two of the five, one per page.
			var pages [][]string
			for token, more := "", true; more; {
				_, body := a.get(t, "chuyenvien1", "/v1/documents?page_size=1&page_token="+token)
				page := decode[httpapi.DocumentList](t, body)
				var ids []string
				for _, d := range page.Items {
					ids = append(ids, d.ID)
				}
				pages = append(pages, ids)
				token, more = page.NextPageToken, page.NextPageToken != "" && len(pages) < 5
			}
			if len(pages) != 2 || len(pages[0]) != 1 || len(pages[1]) != 1 {
				t.Errorf("chuyenvien1's pages of one: %v, want secret then plain", pages)
			}
		})
	}
}

// The content of a document is served to those who may read it; anyone
// else gets 404, and both are in the audit trail.
func TestNeedToKnowContent(t *testing.T) {
	t.Parallel()
	const bucket = "docflow-documents"
	s3 := testkit.S3(t)
	if err := s3.Store.EnsureBucket(t.Context(), bucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	a := accessAPI(t, testkit.SQLite(t), func(s *server.Server) { s.Objects, s.DocumentsBucket = s3.Store, bucket })
	for doc := range mayRead {
		pdf := testkit.TextPDF("Ke hoach " + doc)
		if _, err := s3.Store.Put(t.Context(), bucket, "originals/"+doc+".pdf", bytes.NewReader(pdf), int64(len(pdf)),
			objstore.PutOptions{ContentType: "application/pdf"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, doc := range []string{"plain", "secret"} {
		for _, user := range readers {
			res, body := a.get(t, user, "/v1/documents/"+doc+"/content")
			if slices.Contains(mayRead[doc], user) {
				if res.StatusCode != http.StatusOK || !bytes.Equal(body, testkit.TextPDF("Ke hoach "+doc)) {
					t.Errorf("%s downloading %s: %d, want its PDF", user, doc, res.StatusCode)
				}
				continue
			}
			if e := wireError(t, body); res.StatusCode != http.StatusNotFound || e.Message != "no document "+doc {
				t.Errorf("%s downloading %s: %d %+v, want 404 as if there were none", user, doc, res.StatusCode, e)
			}
		}
		assertReadsAudited(t, a, doc, "document.download", mayRead[doc])
	}
}

// The archive shows a records officer or a leader only the records of the
// documents they may read: in a search, the others are left out; asked for
// by id, they are not found.
func TestNeedToKnowArchive(t *testing.T) {
	t.Parallel()
	env := testkit.NATS(t)
	records := []svc.Record{
		{ID: "r-archived", DocumentID: "archived", Agency: agency, Subject: "Kế hoạch archived"},
		{ID: "r-secret", DocumentID: "secret-archived", Agency: agency, Subject: "Kế hoạch secret-archived"},
	}
	archive, err := natsx.Serve(env.Conn, "archive", "the archive catalog of the test", zaptest.NewLogger(t),
		natsx.Handle(svc.ArchiveSearch, func(context.Context, svc.SearchRequest) (svc.SearchReply, error) {
			return svc.SearchReply{Items: records}, nil
		}),
		natsx.Handle(svc.ArchiveGet, func(_ context.Context, req svc.GetRequest) (svc.Record, error) {
			for _, r := range records {
				if r.ID == req.RecordID {
					return r, nil
				}
			}
			return svc.Record{}, errs.E("archive.Get", errs.NotFound, errcode.NotFound, "no record "+req.RecordID)
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = archive.Stop() })
	a := accessAPI(t, testkit.SQLite(t), func(s *server.Server) { s.NATS = env.Conn })

	for user, want := range map[string][]string{
		"luutru":   {"r-archived"},
		"lanhdao":  {"r-archived"},
		"lanhdao2": {"r-archived", "r-secret"},
	} {
		res, body := a.get(t, user, "/v1/archive/records?q=ke+hoach")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s searching: %d %s", user, res.StatusCode, body)
		}
		var got []string
		for _, r := range decode[httpapi.RecordList](t, body).Items {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s finds %v, want %v", user, got, want)
		}
		for _, r := range records {
			res, body := a.get(t, user, "/v1/archive/records/"+r.ID)
			if slices.Contains(want, r.ID) != (res.StatusCode == http.StatusOK) {
				t.Errorf("%s reading record %s: %d %s", user, r.ID, res.StatusCode, body)
			}
			if res.StatusCode != http.StatusOK && wireError(t, body).Message != "no record "+r.ID {
				t.Errorf("%s reading record %s: %s, want it not found as if there were none", user, r.ID, body)
			}
		}
	}
	entries, err := a.audit.ForTarget(t.Context(), "r-secret")
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range entries {
		if e.Outcome == audit.Refused && strings.HasSuffix(e.Detail, "need_to_know") {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("audit of r-secret: %+v, want luutru's and lanhdao's reads refused", entries)
	}
}
