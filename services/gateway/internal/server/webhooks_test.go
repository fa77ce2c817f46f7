package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/gateway/internal/webhook"
	"github.com/docflow/docflow/services/internal/testkit"
)

// otherAgency's clerk, vanthu-h49, manages the webhooks of that agency.
const otherAgency = "000.00.00.H49"

// webhookAPI is the API with a webhook store, the development users and a
// clerk of another agency.
func webhookAPI(t *testing.T, dsn string) *api {
	t.Helper()
	users, err := auth.LoadUsers(filepath.Join("..", "..", "..", "..", "deploy", "dev", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	users = append(users, auth.User{Username: "vanthu-h49", Role: auth.RoleClerk, Agency: otherAgency, PasswordBcrypt: users[0].PasswordBcrypt})
	authn, err := auth.New(users, []byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return newAPI(t, dsn, func(s *server.Server) {
		hooks, err := webhook.Open(t.Context(), testkit.DB(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		s.Auth, s.Webhooks = authn, hooks
	})
}

// auditOf is the trail's entries about target for action.
func auditOf(t *testing.T, a *api, target, action string) []audit.Entry {
	t.Helper()
	all, err := a.audit.ForTarget(t.Context(), target)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// Only a clerk manages webhooks; everyone else is refused, and the refused
// changes are in the audit trail.
func TestWebhooksNeedAClerk(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, testkit.SQLite(t))
	for _, user := range []string{"chuyenvien1", "lanhdao", "luutru"} {
		for _, call := range []struct{ method, path string }{
			{http.MethodGet, "/v1/webhooks"},
			{http.MethodPost, "/v1/webhooks"},
			{http.MethodDelete, "/v1/webhooks/w1"},
			{http.MethodGet, "/v1/webhooks/deliveries"},
			{http.MethodPost, "/v1/webhooks/deliveries/d1/replay"},
		} {
			var res response
			var body []byte
			if call.method == http.MethodPost && call.path == "/v1/webhooks" {
				res, body = a.post(t, user, call.path, httpapi.WebhookRequest{URL: "https://a.example.vn/hook"})
			} else {
				res, body = a.do(t, user, call.method, call.path, nil)
			}
			if res.StatusCode != http.StatusForbidden || wireError(t, body).Code != errcode.Forbidden {
				t.Errorf("%s %s as %s: %d %s, want 403 forbidden", call.method, call.path, user, res.StatusCode, body)
			}
		}
	}
	for target, action := range map[string]string{"webhook": "webhook.create", "w1": "webhook.delete", "d1": "webhook.replay"} {
		entries := auditOf(t, a, target, action)
		if len(entries) != 3 {
			t.Errorf("%s of %s: %d audit entries, want the 3 refusals", action, target, len(entries))
		}
		for _, e := range entries {
			if e.Outcome != audit.Refused || !strings.Contains(e.Detail, string(errcode.Forbidden)) {
				t.Errorf("audit entry %+v, want refused forbidden", e)
			}
		}
	}
}

// A clerk subscribes a URL, sees the secret once, lists, replays and
// deletes their agency's webhooks; another agency's clerk finds none of
// them; every change is audited.
func TestWebhooksLifecycle(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := webhookAPI(t, dsn)

			res, body := a.post(t, "vanthu", "/v1/webhooks", httpapi.WebhookRequest{
				URL: "https://qlvb.example.vn/docflow/events?token=abc", EventTypes: []string{string(events.DocumentReceived)}, Description: "Sở Nội vụ",
			})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d %s", res.StatusCode, body)
			}
			var created httpapi.WebhookCreated
			if err := json.Unmarshal(body, &created); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(created.Secret, "whsec_") || created.CreatedBy != "vanthu" || created.URL != "https://qlvb.example.vn/docflow/events?token=abc" ||
				len(created.EventTypes) != 1 || created.Description != "Sở Nội vụ" {
				t.Errorf("created %+v", created)
			}
			if _, offset := created.CreatedAt.Zone(); offset != 7*3600 {
				t.Errorf("created_at %s, want +07:00", created.CreatedAt)
			}
			entries := auditOf(t, a, created.ID, "webhook.create")
			if len(entries) != 1 || entries[0].Outcome != audit.Allowed || entries[0].Actor != "vanthu" ||
				!strings.Contains(entries[0].Detail, "url=https://qlvb.example.vn/docflow/events") || strings.Contains(entries[0].Detail, "token=abc") {
				t.Errorf("audit of the creation %+v, want allowed with the URL without its query", entries)
			}

			// The secret is never shown again.
			res, body = a.get(t, "vanthu", "/v1/webhooks")
			if res.StatusCode != http.StatusOK || strings.Contains(string(body), "secret") || strings.Contains(string(body), created.Secret) {
				t.Fatalf("list: %d %s, want the webhook without its secret", res.StatusCode, body)
			}
			var list httpapi.WebhookList
			if err := json.Unmarshal(body, &list); err != nil || len(list.Items) != 1 || list.Items[0].ID != created.ID {
				t.Fatalf("list %s (%v), want the one webhook", body, err)
			}
			res, body = a.get(t, "vanthu-h49", "/v1/webhooks")
			if err := json.Unmarshal(body, &list); err != nil || res.StatusCode != http.StatusOK || len(list.Items) != 0 {
				t.Errorf("another agency's clerk lists %s, want nothing", body)
			}

			// An event of the agency is delivered to the webhook's receiver.
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
			t.Cleanup(receiver.Close)
			res, body = a.post(t, "vanthu", "/v1/webhooks", httpapi.WebhookRequest{URL: receiver.URL + "/hook"})
			var local httpapi.WebhookCreated
			if err := json.Unmarshal(body, &local); err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d %s", res.StatusCode, body)
			}
			ev := testkit.Event(t, events.TaskAssigned, agency, "d1", time.Now(), events.TaskAssignedData{TaskID: "t1", DocumentID: "d1"})
			if err := a.srv.Webhooks.Fanout(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
			deliveries := func(user, query string) httpapi.WebhookDeliveryList {
				t.Helper()
				res, body := a.get(t, user, "/v1/webhooks/deliveries"+query)
				var out httpapi.WebhookDeliveryList
				if err := json.Unmarshal(body, &out); err != nil || res.StatusCode != http.StatusOK {
					t.Fatalf("deliveries%s as %s: %d %s", query, user, res.StatusCode, body)
				}
				return out
			}
			pending := deliveries("vanthu", "?status=pending")
			if len(pending.Items) != 1 || pending.Items[0].WebhookID != local.ID || pending.Items[0].EventID != ev.ID || pending.Items[0].NextAttemptAt == nil {
				t.Fatalf("pending deliveries %+v, want the task event for the second webhook only (the first takes received documents)", pending.Items)
			}
			id := pending.Items[0].ID
			res, body = a.post(t, "vanthu", "/v1/webhooks/deliveries/"+id+"/replay", nil)
			if res.StatusCode != http.StatusConflict {
				t.Errorf("replaying a pending delivery: %d %s, want 409", res.StatusCode, body)
			}
			runDeliverer(t, a.srv.Webhooks)
			deadline := time.Now().Add(30 * time.Second)
			for len(deliveries("vanthu", "?status=delivered").Items) != 1 {
				if time.Now().After(deadline) {
					t.Fatal("the delivery was not delivered")
				}
				time.Sleep(10 * time.Millisecond)
			}
			delivered := deliveries("vanthu", "?status=delivered").Items[0]
			if delivered.Attempts != 1 || delivered.LastStatusCode == nil || *delivered.LastStatusCode != http.StatusAccepted || delivered.DeliveredAt == nil || delivered.NextAttemptAt != nil {
				t.Errorf("delivered %+v", delivered)
			}
			if res, body := a.get(t, "vanthu", "/v1/webhooks/deliveries?status=lost"); res.StatusCode != http.StatusBadRequest {
				t.Errorf("status=lost: %d %s, want 400", res.StatusCode, body)
			}

			// Another agency's clerk cannot see, replay or delete any of it.
			if other := deliveries("vanthu-h49", ""); len(other.Items) != 0 {
				t.Errorf("another agency's clerk lists deliveries %+v", other.Items)
			}
			for _, call := range []struct{ method, path string }{
				{http.MethodPost, "/v1/webhooks/deliveries/" + id + "/replay"},
				{http.MethodDelete, "/v1/webhooks/" + created.ID},
			} {
				res, body := a.do(t, "vanthu-h49", call.method, call.path, nil)
				if res.StatusCode != http.StatusNotFound || wireError(t, body).Code != errcode.NotFound {
					t.Errorf("%s %s by another agency: %d %s, want 404", call.method, call.path, res.StatusCode, body)
				}
			}

			res, body = a.post(t, "vanthu", "/v1/webhooks/deliveries/"+id+"/replay", nil)
			var replayed httpapi.WebhookDelivery
			if err := json.Unmarshal(body, &replayed); err != nil || res.StatusCode != http.StatusOK ||
				replayed.Status != httpapi.WebhookDeliveryStatusPending || replayed.Attempts != 0 {
				t.Errorf("replay: %d %s, want it pending with no attempts", res.StatusCode, body)
			}
			if entries := auditOf(t, a, id, "webhook.replay"); len(entries) != 3 || entries[0].Outcome != audit.Refused ||
				entries[1].Actor != "vanthu-h49" || entries[1].Outcome != audit.Refused || entries[2].Outcome != audit.Allowed {
				t.Errorf("audit of the replays %+v, want the conflict, the other agency's refusal and the replay", entries)
			}

			res, body = a.do(t, "vanthu", http.MethodDelete, "/v1/webhooks/"+created.ID, nil)
			if res.StatusCode != http.StatusNoContent {
				t.Errorf("delete: %d %s, want 204", res.StatusCode, body)
			}
			res, _ = a.do(t, "vanthu", http.MethodDelete, "/v1/webhooks/"+created.ID, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("deleting again: %d, want 404", res.StatusCode)
			}
			entries = auditOf(t, a, created.ID, "webhook.delete")
			if len(entries) != 3 || entries[0].Actor != "vanthu-h49" || entries[0].Outcome != audit.Refused ||
				entries[1].Outcome != audit.Allowed || entries[2].Outcome != audit.Refused {
				t.Errorf("audit of the deletions %+v", entries)
			}
			res, body = a.get(t, "vanthu", "/v1/webhooks")
			if err := json.Unmarshal(body, &list); err != nil || len(list.Items) != 1 || list.Items[0].ID != local.ID {
				t.Errorf("after the deletion: %d %s, want the other webhook only", res.StatusCode, body)
			}
		})
	}
}

// A URL that is not absolute http(s) without credentials is refused with
// what is wrong with it, and the refusal is audited.
func TestWebhookURLValidation(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, testkit.SQLite(t))
	for _, tc := range []struct {
		req  httpapi.WebhookRequest
		says string
	}{
		{httpapi.WebhookRequest{URL: "ftp://a.example.vn/x"}, "scheme"},
		{httpapi.WebhookRequest{URL: "https://u:p@a.example.vn/x"}, "credentials"},
		{httpapi.WebhookRequest{URL: "/relative"}, "absolute"},
		{httpapi.WebhookRequest{URL: ""}, "required"},
	} {
		res, body := a.post(t, "vanthu", "/v1/webhooks", tc.req)
		e := wireError(t, body)
		if res.StatusCode != http.StatusBadRequest || e.Code != errcode.InvalidArgument || !strings.Contains(e.Details["url"], tc.says) {
			t.Errorf("url %q: %d %s, want 400 saying %q of url", tc.req.URL, res.StatusCode, body, tc.says)
		}
	}
	res, body := a.post(t, "vanthu", "/v1/webhooks", httpapi.WebhookRequest{URL: "https://a.example.vn/x", EventTypes: []string{"document.received"}})
	if e := wireError(t, body); res.StatusCode != http.StatusBadRequest || !strings.Contains(e.Details["event_types"], "document.received") {
		t.Errorf("an unknown event type: %d %s, want 400 naming it", res.StatusCode, body)
	}
	entries := auditOf(t, a, "webhook", "webhook.create")
	if len(entries) != 5 {
		t.Fatalf("%d audit entries of refused creations, want 5", len(entries))
	}
	for _, e := range entries {
		if e.Outcome != audit.Refused || !strings.Contains(e.Detail, string(errcode.InvalidArgument)) {
			t.Errorf("audit entry %+v, want refused invalid_argument", e)
		}
	}
	if strings.Contains(entries[1].Detail, "u:p") {
		t.Errorf("the audit trail keeps the credentials of a refused URL: %q", entries[1].Detail)
	}
}

// runDeliverer sends the store's deliveries until the test ends.
func runDeliverer(t *testing.T, s *webhook.Store) {
	t.Helper()
	d := &webhook.Deliverer{Store: s, Timeout: 5 * time.Second, Poll: 5 * time.Millisecond, Log: zaptest.NewLogger(t)}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
