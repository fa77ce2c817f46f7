package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/testkit"
)

const agency = "000.00.00.G22"

// api is the gateway's HTTP API over a real read model and audit trail, with
// the development users.
type api struct {
	url   string
	srv   *server.Server
	read  *readmodel.Store
	audit *audit.Log

	mu     sync.Mutex
	tokens map[string]string // by username; a login costs a bcrypt comparison
}

// databases are the SQL stores every API test runs on.
func databases(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)}
}

func newAPI(t *testing.T, dsn string, configure func(*server.Server)) *api {
	t.Helper()
	db := testkit.DB(t, dsn)
	read, err := readmodel.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	trail, err := audit.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.LoadUsers(filepath.Join("..", "..", "..", "..", "deploy", "dev", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	authn, err := auth.New(users, []byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	directory, err := agencies.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &server.Server{Auth: authn, Read: read, Audit: trail, Directory: directory, Log: zaptest.NewLogger(t)}
	if configure != nil {
		configure(s)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &api{url: hs.URL, srv: s, read: read, audit: trail, tokens: map[string]string{}}
}

// response is an answer of the API, its body read.
type response struct {
	StatusCode int
	Header     http.Header
}

// get sends an authenticated GET as username.
func (a *api) get(t *testing.T, username, path string) (response, []byte) {
	t.Helper()
	return a.do(t, username, http.MethodGet, path, nil)
}

// post sends an authenticated JSON POST as username.
func (a *api) post(t *testing.T, username, path string, body any) (response, []byte) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return a.do(t, username, http.MethodPost, path, bytes.NewReader(raw))
}

// do sends an authenticated request as username, with body as JSON if
// there is one, and reads the answer.
func (a *api) do(t *testing.T, username, method, path string, body io.Reader) (response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, a.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token(t, username))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{StatusCode: res.StatusCode, Header: res.Header}, out
}

func (a *api) token(t *testing.T, username string) string {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if tok, ok := a.tokens[username]; ok {
		return tok
	}
	tok, _, _, err := a.srv.Auth.Login(username, "demo")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	a.tokens[username] = tok
	return tok
}

// wireError decodes an error body.
func wireError(t *testing.T, body []byte) errcode.Error {
	t.Helper()
	var e errcode.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e
}

// apply projects events into the read model, as the event consumer does.
func (a *api) apply(t *testing.T, envs ...events.Event) {
	t.Helper()
	for _, e := range envs {
		if err := a.read.Apply(t.Context(), e); err != nil {
			t.Fatalf("apply %s of %s: %v", e.Type, e.Subject, err)
		}
	}
}

// envelope is an event of typ about doc, as the consumer hands it to the
// read model.
func envelope(t *testing.T, typ events.Type, agency, doc string, at time.Time, data any) events.Event {
	t.Helper()
	return testkit.Event(t, typ, agency, doc, at, data)
}
