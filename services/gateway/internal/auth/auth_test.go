package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/errs"
)

func devUsers(t *testing.T) []auth.User {
	t.Helper()
	users, err := auth.LoadUsers(filepath.Join("..", "..", "..", "..", "deploy", "dev", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return users
}

var key = []byte("0123456789abcdef0123456789abcdef")

func TestLoginAndVerify(t *testing.T) {
	t.Parallel()
	a, err := auth.New(devUsers(t), key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	token, exp, p, err := a.Login("vanthu", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != auth.RoleClerk || p.Agency != "000.00.00.G22" || time.Until(exp) > time.Hour {
		t.Fatalf("principal %+v expires %v", p, exp)
	}
	got, err := a.Verify(token)
	if err != nil || got != p {
		t.Fatalf("verify: %+v %v", got, err)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	users := devUsers(t)
	a, _ := auth.New(users, key, time.Hour)
	for _, c := range [][2]string{{"vanthu", "wrong"}, {"nobody", "demo"}, {"vanthu", ""}} {
		if _, _, _, err := a.Login(c[0], c[1]); errs.Wire(err).Code != errcode.Unauthenticated {
			t.Errorf("login %v: %v", c, err)
		}
	}
	token, _, _, _ := a.Login("vanthu", "demo")
	other, _ := auth.New(users, []byte("another-key-another-key-another-k"), time.Hour)
	if _, err := other.Verify(token); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("token signed with another key: %v", err)
	}
	if _, err := a.Verify(token + "x"); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("tampered token: %v", err)
	}
	expired, _ := auth.New(users, key, -time.Minute)
	old, _, _, _ := expired.Login("vanthu", "demo")
	if _, err := a.Verify(old); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("expired token: %v", err)
	}
	// A token outlives nothing: once the user is gone, it is refused.
	fewer, _ := auth.New(users[1:], key, time.Hour)
	if _, err := fewer.Verify(token); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("token of a removed user: %v", err)
	}
	if _, err := auth.New(users, []byte("short"), time.Hour); err == nil {
		t.Error("a short key was accepted")
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	p := auth.Principal{Username: "vanthu", Role: auth.RoleClerk}
	if err := auth.Require(p, "decide tasks", auth.RoleOfficial, auth.RoleLeader); errs.Wire(err).Code != errcode.Forbidden {
		t.Fatalf("clerk deciding: %v", err)
	}
	if err := auth.Require(p, "register documents", auth.RoleClerk); err != nil {
		t.Fatal(err)
	}
}

// A clearance is one of the secret levels, and it is read from the users
// file on every request: withdrawn there, a token in hand no longer carries
// it.
func TestClearance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(clearance string) string {
		t.Helper()
		path := filepath.Join(dir, clearance+".yaml")
		body := "users:\n  - {username: lanhdao2, role: leader, agency: \"000.00.00.G22\", password_bcrypt: \"" +
			devUsers(t)[0].PasswordBcrypt + "\", clearance: \"" + clearance + "\"}\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, bad := range []string{"NONE", "mat", "SECRET"} {
		if _, err := auth.LoadUsers(write(bad)); err == nil || !strings.Contains(err.Error(), "clearance") {
			t.Errorf("clearance %q: %v, want it refused", bad, err)
		}
	}
	cleared, err := auth.LoadUsers(write("TOI_MAT"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := auth.New(cleared, key, time.Hour)
	token, _, p, err := a.Login("lanhdao2", "demo")
	if err != nil || p.Clearance != "TOI_MAT" {
		t.Fatalf("login: %+v %v", p, err)
	}
	cleared[0].Clearance = ""
	withdrawn, _ := auth.New(cleared, key, time.Hour)
	if got, err := withdrawn.Verify(token); err != nil || got.Clearance != "" {
		t.Errorf("after the clearance is withdrawn: %+v %v", got, err)
	}
}
