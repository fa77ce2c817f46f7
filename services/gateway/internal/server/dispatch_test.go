package server_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	"github.com/docflow/docflow/services/gateway/internal/exchange"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
)

// dispatchedSubject is where the gateway publishes document.dispatched.
var dispatchedSubject = events.EventSubject(agency, events.DocumentDispatched)

// orgChart answers routing's org chart the way deploy/dev/orgchart.yaml
// has it, with units added while a test runs.
type orgChart struct {
	mu    sync.Mutex
	chart svc.OrgChart
}

func (o *orgChart) get(context.Context, svc.OrgChartRequest) (svc.OrgChart, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.chart, nil
}

func (o *orgChart) add(unit string, holders ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.chart.Units = append(o.chart.Units, svc.OrgUnit{ID: unit, Name: unit})
	for _, h := range holders {
		o.chart.Positions = append(o.chart.Positions, svc.OrgPosition{ID: unit + "-" + h, Unit: unit, Holder: h})
	}
}

// dispatchEnv is the API with a real NATS server (routing's org chart
// answered by orgChart, the events stream), the outbox, and issued
// documents:
//   - cv: not secret, to the units tong-hop and hanh-chinh and to H49;
//   - mat: MẬT, to tong-hop and to H49;
//   - mat-out: MẬT, to H49 and G09 only;
//   - lost: not secret, to the unit phap-che, not in the org chart yet;
//   - unissued: a draft not issued yet; incoming: an incoming document.
//
// chuyenvien2 drafted them all; vanthumat is a clerk cleared for MẬT.
type dispatchEnv struct {
	*api
	nats   *testkit.NATSEnv
	outbox *exchange.Outbox
	chart  *orgChart
}

func newDispatchEnv(t *testing.T, dsn string) *dispatchEnv {
	t.Helper()
	env := testkit.NATS(t)
	if err := natsx.EnsureStreams(t.Context(), env.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	chart := &orgChart{chart: svc.OrgChart{Agency: agency}}
	chart.add("tong-hop", "chuyenvien2", "chuyenvien1")
	chart.add("hanh-chinh", "lanhdao", "vanthu", "luutru", "lanhdao")
	routing, err := natsx.Serve(env.Conn, "routing", "the org chart of the test", zaptest.NewLogger(t), natsx.Handle(svc.RoutingOrgChart, chart.get))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = routing.Stop() })
	outbox, err := exchange.Open(t.Context(), testkit.DB(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.LoadUsers(filepath.Join("..", "..", "..", "..", "deploy", "dev", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A clerk handles secret documents only once the agency cleared them.
	users = append(users, auth.User{Username: "vanthumat", Role: auth.RoleClerk, Agency: agency, Clearance: "MAT", PasswordBcrypt: users[0].PasswordBcrypt})
	authn, err := auth.New(users, []byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, dsn, func(s *server.Server) {
		s.Auth, s.NATS, s.Exchange, s.Events = authn, env.Conn, outbox, natsx.NewPublisher(env.JS, "gateway")
	})

	at := time.Date(2026, 3, 9, 8, 0, 0, 0, vntime.Zone)
	drafter := events.Actor{Username: "chuyenvien2", Role: "official", Agency: agency}
	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}
	for i, doc := range []struct {
		id, level  string
		recipients []events.Recipient
		issued     bool
	}{
		{"cv", "NONE", []events.Recipient{{Unit: "tong-hop"}, {Unit: "hanh-chinh"}, {Agency: "000.00.00.H49"}}, true},
		{"mat", "MAT", []events.Recipient{{Unit: "tong-hop"}, {Agency: "000.00.00.H49"}}, true},
		{"mat-out", "MAT", []events.Recipient{{Agency: "000.00.00.H49"}, {Agency: "000.00.00.G09"}}, true},
		{"lost", "NONE", []events.Recipient{{Unit: "phap-che"}}, true},
		{"unissued", "NONE", []events.Recipient{{Agency: "000.00.00.H49"}}, false},
	} {
		when := at.Add(time.Duration(i) * time.Minute)
		a.apply(t, envelope(t, events.DocumentDrafted, agency, doc.id, when, events.DocumentDraftedData{
			DocumentID: doc.id, Agency: agency, Kind: "CONG_VAN", Subject: "Về việc " + doc.id, Urgency: "KHAN", Confidentiality: doc.level,
			Original: events.Object{Bucket: "docflow-documents", Key: "originals/" + doc.id + ".pdf"}, DraftedAt: when, By: drafter,
			Unit: "tong-hop", Recipients: doc.recipients,
		}))
		if doc.issued {
			a.apply(t, envelope(t, events.DocumentNumbered, agency, doc.id, when.Add(time.Hour), events.DocumentNumberedData{
				DocumentID: doc.id, WorkflowID: "approval-" + doc.id, Number: int64(i + 1), Symbol: "01/VPCP-TH", Register: "outgoing", Year: 2026,
				Kind: "CONG_VAN", Subject: "Về việc " + doc.id, Signer: "lanhdao", By: clerk, IssuedAt: when.Add(time.Hour),
				Sealed: events.Object{Bucket: "docflow-documents", Key: "sealed/" + doc.id + ".pdf", SHA256: strings.Repeat("cd", 32), Size: 7},
			}))
		}
	}
	a.apply(t, envelope(t, events.DocumentReceived, agency, "incoming", at, events.DocumentReceivedData{
		DocumentID: "incoming", Agency: agency, ArrivalNumber: 1, ArrivalYear: 2026, Kind: "CONG_VAN", Subject: "Công văn đến",
		Urgency: "THUONG", Confidentiality: "NONE", Original: events.Object{Bucket: "docflow-documents", Key: "originals/incoming.pdf"}, By: clerk,
	}))
	return &dispatchEnv{api: a, nats: env, outbox: outbox, chart: chart}
}

// dispatch asks for doc's dispatch as username, wanting status.
func (e *dispatchEnv) dispatch(t *testing.T, username, doc string, status int) []byte {
	t.Helper()
	res, body := e.do(t, username, http.MethodPost, "/v1/documents/"+doc+"/dispatch", nil)
	if res.StatusCode != status {
		t.Fatalf("%s dispatching %s: %d %s, want %d", username, doc, res.StatusCode, body, status)
	}
	return body
}

// outcomes are a dispatch's results as "unit-or-agency status [error code]".
func outcomes(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	for _, r := range decode[httpapi.DispatchResult](t, body).Recipients {
		s := r.Unit + string(r.Agency) + " " + string(r.Status)
		if r.Error != nil {
			s += " " + string(r.Error.Code)
		}
		out = append(out, s)
	}
	return out
}

// dispatchEvents are the document.dispatched events published so far.
func (e *dispatchEnv) dispatchEvents(t *testing.T) []events.DocumentDispatchedData {
	t.Helper()
	var out []events.DocumentDispatchedData
	for _, env := range testkit.Published(t, e.nats.JS, dispatchedSubject) {
		ev, err := events.Decode(env)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := ev.Payload.(*events.DocumentDispatchedData)
		if !ok {
			t.Fatalf("a document.dispatched carries a %T", ev.Payload)
		}
		out = append(out, *d)
	}
	return out
}

// An issued document goes to its units at once and to another agency
// through the outbox; the units' people find it in their inbox and may read
// it; dispatching again sends nothing twice.
func TestDispatchDocument(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newDispatchEnv(t, dsn)
			if res, body := e.get(t, "chuyenvien1", "/v1/documents/cv"); res.StatusCode != http.StatusNotFound {
				t.Fatalf("chuyenvien1 reading cv before its dispatch: %d %s, want 404", res.StatusCode, body)
			}

			body := e.dispatch(t, "vanthu", "cv", http.StatusOK)
			want := []string{"tong-hop delivered", "hanh-chinh delivered", "000.00.00.H49 queued"}
			if got := outcomes(t, body); !slices.Equal(got, want) {
				t.Errorf("dispatch of cv: %v, want %v", got, want)
			}

			// The units' people, each once, have a read item with no deadline.
			for _, who := range []string{"chuyenvien1", "chuyenvien2", "lanhdao", "luutru"} {
				res, body := e.get(t, who, "/v1/inbox")
				if res.StatusCode != http.StatusOK {
					t.Fatalf("inbox of %s: %d %s", who, res.StatusCode, body)
				}
				items := decode[httpapi.TaskList](t, body).Items
				if len(items) != 1 || items[0].DocumentID != "cv" || items[0].TaskKind != httpapi.TaskKindRead ||
					items[0].Deadline != nil || items[0].Overdue || bytes.Contains(body, []byte(`"deadline"`)) {
					t.Errorf("inbox of %s: %s, want one read item of cv without a deadline", who, body)
				}
				if res, body := e.get(t, who, "/v1/documents/cv"); res.StatusCode != http.StatusOK {
					t.Errorf("%s reading cv delivered to their unit: %d %s", who, res.StatusCode, body)
				}
			}
			_, body = e.get(t, "chuyenvien1", "/v1/inbox")
			task := decode[httpapi.TaskList](t, body).Items[0]
			res, body := e.post(t, "chuyenvien1", "/v1/tasks/"+task.ID+"/decision", map[string]any{"decision": "approve"})
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(wireError(t, body).Message, "nothing to decide") {
				t.Errorf("deciding a read item: %d %s, want 400 nothing to decide", res.StatusCode, body)
			}
			res, body = e.post(t, "lanhdao", "/v1/tasks/"+task.ID+"/reassignment", map[string]any{"to": "chuyenvien2"})
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(wireError(t, body).Message, "nothing to decide") {
				t.Errorf("reassigning a read item: %d %s, want 400 nothing to decide", res.StatusCode, body)
			}

			queued, err := e.outbox.Queued(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(queued) != 1 || queued[0].DocumentID != "cv" || queued[0].To != "000.00.00.H49" || queued[0].Sealed.Key != "sealed/cv.pdf" ||
				queued[0].Status != exchange.StatusQueued {
				t.Fatalf("outbox %+v, want cv's sealed PDF queued for H49", queued)
			}
			sent := e.dispatchEvents(t)
			if len(sent) != 1 || len(sent[0].Recipients) != 3 || sent[0].By.Username != "vanthu" ||
				!slices.Equal(sent[0].Recipients[0].Readers, []string{"chuyenvien2", "chuyenvien1"}) ||
				!slices.Equal(sent[0].Recipients[1].Readers, []string{"lanhdao", "vanthu", "luutru"}) {
				t.Fatalf("events %+v, want one dispatch naming each unit's people once", sent)
			}
			// The exchange sends the queued agency what the register holds.
			if i := sent[0].Issued; i == nil || i.Symbol != "01/VPCP-TH" || i.Number != 1 || i.Kind != "CONG_VAN" || i.Subject != "Về việc cv" ||
				i.Urgency != "KHAN" || i.Signer != "lanhdao" || i.Sealed.Key != "sealed/cv.pdf" || i.IssuedAt.IsZero() {
				t.Errorf("the dispatch carries %+v, want cv as issued", sent[0].Issued)
			}

			// Again: reported as they are, nothing sent twice.
			body = e.dispatch(t, "vanthu", "cv", http.StatusOK)
			if got := outcomes(t, body); !slices.Equal(got, want) {
				t.Errorf("second dispatch of cv: %v, want %v", got, want)
			}
			if n := len(e.dispatchEvents(t)); n != 1 {
				t.Errorf("%d dispatch events after the second call, want 1", n)
			}
			if queued, _ := e.outbox.Queued(t.Context(), 10); len(queued) != 1 {
				t.Errorf("outbox %+v after the second call, want one row", queued)
			}

			_, body = e.get(t, "vanthu", "/v1/documents/cv")
			doc := decode[httpapi.Document](t, body)
			var statuses []string
			for _, r := range doc.Recipients {
				statuses = append(statuses, string(r.Status))
			}
			if !slices.Equal(statuses, []string{"delivered", "delivered", "queued"}) {
				t.Errorf("recipients of cv %v", statuses)
			}
			if h := doc.History[len(doc.History)-1]; !strings.Contains(h.Summary, "Đã gửi văn bản đến tong-hop, hanh-chinh") ||
				!strings.Contains(h.Summary, "000.00.00.H49") {
				t.Errorf("last history line %+v, want the dispatch", h)
			}
			entries, err := e.audit.ForTarget(t.Context(), "cv")
			if err != nil {
				t.Fatal(err)
			}
			var details []string
			for _, en := range entries {
				if en.Action == "document.dispatch" && en.Outcome == audit.Allowed && en.Actor == "vanthu" {
					details = append(details, en.Detail)
				}
			}
			slices.Sort(details)
			if !slices.Equal(details, []string{"delivered=tong-hop,hanh-chinh queued=000.00.00.H49", "nothing left to send"}) {
				t.Errorf("audit of the dispatches %v", details)
			}
		})
	}
}

// Only a clerk dispatches, only an outgoing document, only once issued.
func TestDispatchRefused(t *testing.T) {
	t.Parallel()
	e := newDispatchEnv(t, testkit.SQLite(t))
	for _, tt := range []struct {
		user, doc string
		status    int
		code      errcode.Code
		says      string
	}{
		{"chuyenvien1", "cv", http.StatusForbidden, errcode.Forbidden, ""},
		{"lanhdao", "cv", http.StatusForbidden, errcode.Forbidden, ""},
		{"vanthu", "incoming", http.StatusConflict, errcode.Conflict, "an incoming document is not dispatched by the agency that received it"},
		{"vanthu", "unissued", http.StatusConflict, errcode.Conflict, "not issued yet"},
		{"vanthu", "nowhere", http.StatusNotFound, errcode.NotFound, "no document nowhere"},
	} {
		body := e.dispatch(t, tt.user, tt.doc, tt.status)
		if w := wireError(t, body); w.Code != tt.code || !strings.Contains(w.Message, tt.says) {
			t.Errorf("%s dispatching %s: %+v, want %s saying %q", tt.user, tt.doc, w, tt.code, tt.says)
		}
	}
	if sent := e.dispatchEvents(t); len(sent) != 0 {
		t.Errorf("refused dispatches published %+v", sent)
	}
	entries, err := e.audit.ForTarget(t.Context(), "unissued")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "document.dispatch" || entries[0].Outcome != audit.Refused {
		t.Errorf("audit of the refused dispatch %+v", entries)
	}
}

// A secret document is delivered inside the agency but never sent
// electronically to another agency: that recipient is refused, in the audit
// trail; with no unit to deliver to, the dispatch is refused as a whole.
func TestDispatchSecretDocument(t *testing.T) {
	t.Parallel()
	e := newDispatchEnv(t, testkit.SQLite(t))

	body := e.dispatch(t, "vanthumat", "mat", http.StatusOK)
	if got, want := outcomes(t, body), []string{"tong-hop delivered", "000.00.00.H49 refused confidential_document"}; !slices.Equal(got, want) {
		t.Errorf("dispatch of mat: %v, want %v", got, want)
	}
	if res, body := e.get(t, "chuyenvien1", "/v1/documents/mat"); res.StatusCode != http.StatusOK {
		t.Errorf("chuyenvien1 reading the MẬT document delivered to their unit: %d %s", res.StatusCode, body)
	}
	if queued, _ := e.outbox.Queued(t.Context(), 10); len(queued) != 0 {
		t.Errorf("outbox %+v, want nothing queued for a secret document", queued)
	}
	entries, err := e.audit.ForTarget(t.Context(), "mat")
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	for _, en := range entries {
		if en.Action == "document.dispatch" && en.Outcome == audit.Refused {
			refusals++
			if !strings.Contains(en.Detail, "agency=000.00.00.H49") || !strings.Contains(en.Detail, string(errcode.Confidential)) {
				t.Errorf("refusal in the audit trail: %+v, want the agency and %s", en, errcode.Confidential)
			}
		}
	}
	if refusals != 1 {
		t.Errorf("audit of mat %+v, want one refusal", entries)
	}
	// Again: the refusal stands, the delivery is not repeated.
	if got := outcomes(t, e.dispatch(t, "vanthumat", "mat", http.StatusOK)); got[1] != "000.00.00.H49 refused confidential_document" {
		t.Errorf("second dispatch of mat: %v", got)
	}

	for range 2 {
		body = e.dispatch(t, "vanthumat", "mat-out", http.StatusUnprocessableEntity)
		if w := wireError(t, body); w.Code != errcode.Confidential || !strings.Contains(w.Message, "MẬT") {
			t.Errorf("dispatch of mat-out to agencies only: %+v, want %s", w, errcode.Confidential)
		}
	}
	_, body = e.get(t, "vanthumat", "/v1/documents/mat-out")
	for _, r := range decode[httpapi.Document](t, body).Recipients {
		if r.Status != httpapi.RecipientStatusRefused {
			t.Errorf("recipient %+v of mat-out, want refused", r)
		}
	}
	sent := e.dispatchEvents(t)
	if len(sent) != 2 || sent[1].DocumentID != "mat-out" || sent[1].Recipients[0].Reason != string(errcode.Confidential) {
		t.Errorf("events %+v, want mat's dispatch and mat-out's refusals once", sent)
	}
}

// A unit no one can be found in fails, and is tried again by the next
// dispatch.
func TestDispatchRetriesAFailedUnit(t *testing.T) {
	t.Parallel()
	e := newDispatchEnv(t, testkit.SQLite(t))
	if got := outcomes(t, e.dispatch(t, "vanthu", "lost", http.StatusOK)); !slices.Equal(got, []string{"phap-che failed not_found"}) {
		t.Fatalf("dispatch to a unit not in the org chart: %v", got)
	}
	e.chart.add("phap-che")
	if got := outcomes(t, e.dispatch(t, "vanthu", "lost", http.StatusOK)); !slices.Equal(got, []string{"phap-che failed not_found"}) {
		t.Fatalf("dispatch to a unit no one holds a position in: %v", got)
	}
	e.chart.add("phap-che", "chuyenvien1")
	if got := outcomes(t, e.dispatch(t, "vanthu", "lost", http.StatusOK)); !slices.Equal(got, []string{"phap-che delivered"}) {
		t.Fatalf("dispatch once the unit has people: %v", got)
	}
	if got := len(e.dispatchEvents(t)); got != 3 {
		t.Errorf("%d dispatch events, want one per attempt", got)
	}
	tasks, _, err := e.read.Inbox(t.Context(), readmodel.InboxQuery{Agency: agency, Assignee: "chuyenvien1", Now: time.Now()})
	if err != nil || len(tasks) != 1 || tasks[0].DocumentID != "lost" {
		t.Errorf("inbox of chuyenvien1 %+v %v, want lost's read item", tasks, err)
	}
}
