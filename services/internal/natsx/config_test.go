package natsx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	events "github.com/docflow/docflow/api/events/v1"
)

// credsFile writes a .creds file of a user with the publish allow list.
func credsFile(t *testing.T, allow ...string) string {
	t.Helper()
	account, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := user.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	uc := jwt.NewUserClaims(pub)
	uc.Pub.Allow.Add(allow...)
	token, err := uc.Encode(account)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(token, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "user.creds")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCreds(t *testing.T) {
	t.Parallel()
	good := credsFile(t)
	notCreds := filepath.Join(t.TempDir(), "plain.txt")
	if err := os.WriteFile(notCreds, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{"creds", Config{URL: "nats://x", Creds: good}, ""},
		{"password", Config{URL: "nats://x", User: "a", Password: "b"}, ""},
		{"both", Config{URL: "nats://x", User: "a", Password: "b", Creds: good}, "exclude each other"},
		{"missing file", Config{URL: "nats://x", Creds: filepath.Join(t.TempDir(), "none.creds")}, "DOCFLOW_NATS_CREDS"},
		{"not creds", Config{URL: "nats://x", Creds: notCreds}, "not a NATS .creds file"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Whether a service creates the streams or only checks them follows from
// its user's publish permissions, as the server applies them.
func TestMayManageStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want bool
	}{
		{"no creds: every right, as before", Config{User: "a", Password: "b"}, true},
		{"unrestricted user", Config{Creds: credsFile(t)}, true},
		{"admin of the API", Config{Creds: credsFile(t, "$JS.API.>")}, true},
		{"stream API", Config{Creds: credsFile(t, "$JS.API.STREAM.*.*")}, true},
		{"one stream only", Config{Creds: credsFile(t, "$JS.API.STREAM.*.DOCFLOW_EVENTS")}, false},
		{"lookups only", Config{Creds: credsFile(t, "$JS.API.STREAM.INFO.*", "docflow.evt.>")}, false},
		{"create without update", Config{Creds: credsFile(t, "$JS.API.STREAM.CREATE.>")}, false},
	}
	for _, tt := range tests {
		got, err := tt.cfg.mayManageStreams(events.Streams)
		if err != nil || got != tt.want {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestSubjectMatches(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		filter, subject string
		want            bool
	}{
		{"a.b.c", "a.b.c", true},
		{"a.*.c", "a.b.c", true},
		{"a.>", "a.b.c", true},
		{"a.>", "a", false},
		{"a.*", "a.b.c", false},
		{"a.b", "a.b.c", false},
		{"a.b.c.d", "a.b.c", false},
		{">", "a", true},
	} {
		if got := subjectMatches(tt.filter, tt.subject); got != tt.want {
			t.Errorf("subjectMatches(%q, %q) = %v", tt.filter, tt.subject, got)
		}
	}
}
