// Package auth authenticates people and says what their role allows.
// Development logins come from a users file with bcrypt password hashes; a
// successful login gets a signed bearer token (HS256) that every request
// presents. Production replaces the users file with OIDC; the Principal and
// the role checks stay.
package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// Roles.
const (
	RoleClerk          = "clerk"           // văn thư
	RoleOfficial       = "official"        // chuyên viên
	RoleLeader         = "leader"          // lãnh đạo
	RoleRecordsOfficer = "records_officer" // lưu trữ
)

var roles = []string{RoleClerk, RoleOfficial, RoleLeader, RoleRecordsOfficer}

// Principal is an authenticated person.
type Principal struct {
	Username string
	FullName string
	Role     string
	Agency   string
	// Clearance is the highest secret level (MAT, TOI_MAT, TUYET_MAT) the
	// agency cleared the person to read beyond the documents they are
	// named on; empty for none. It is read from the users file on every
	// request, so withdrawing it takes effect without a new login.
	Clearance string
}

// User is one entry of the users file.
type User struct {
	Username       string `yaml:"username"`
	FullName       string `yaml:"full_name"`
	Role           string `yaml:"role"`
	Agency         string `yaml:"agency"`
	PasswordBcrypt string `yaml:"password_bcrypt"`
	// Clearance is the agency's clearance of the person for secret
	// documents: MAT, TOI_MAT or TUYET_MAT, each including the ones below;
	// absent for none, which is the default for every role.
	Clearance string `yaml:"clearance,omitempty"`
}

// clearances are the levels a person may be cleared for.
var clearances = []string{"MAT", "TOI_MAT", "TUYET_MAT"}

type usersFile struct {
	Users []User `yaml:"users"`
}

// LoadUsers reads and checks a users file.
func LoadUsers(path string) ([]User, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth.LoadUsers: %w", err)
	}
	var f usersFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("auth.LoadUsers %s: %w", path, err)
	}
	var problems []error
	seen := map[string]bool{}
	for i, u := range f.Users {
		switch {
		case u.Username == "" || u.Agency == "" || u.PasswordBcrypt == "":
			problems = append(problems, fmt.Errorf("user %d: username, agency and password_bcrypt are required", i+1))
		case seen[u.Username]:
			problems = append(problems, fmt.Errorf("user %s: listed twice", u.Username))
		case !slices.Contains(roles, u.Role):
			problems = append(problems, fmt.Errorf("user %s: role %q is not one of %v", u.Username, u.Role, roles))
		case u.Clearance != "" && !slices.Contains(clearances, u.Clearance):
			problems = append(problems, fmt.Errorf("user %s: clearance %q is not one of %v", u.Username, u.Clearance, clearances))
		}
		seen[u.Username] = true
	}
	if len(f.Users) == 0 {
		problems = append(problems, errors.New("no users"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("auth.LoadUsers %s: %w", path, err)
	}
	return f.Users, nil
}

// Authenticator checks passwords and issues and verifies tokens.
type Authenticator struct {
	users map[string]User
	key   []byte
	ttl   time.Duration
	now   func() time.Time
}

// MinKeyBytes is the shortest token signing key accepted.
const MinKeyBytes = 32

// New returns an Authenticator signing tokens with key, valid for ttl.
func New(users []User, key []byte, ttl time.Duration) (*Authenticator, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("auth.New: the token key must be at least %d bytes", MinKeyBytes)
	}
	m := make(map[string]User, len(users))
	for _, u := range users {
		m[u.Username] = u
	}
	return &Authenticator{users: m, key: key, ttl: ttl, now: time.Now}, nil
}

// FullName is the name a person is shown and printed under (e.g. in the
// registers); the username itself when the person is not known here.
func (a *Authenticator) FullName(username string) string {
	if u, ok := a.users[username]; ok && u.FullName != "" {
		return u.FullName
	}
	return username
}

// Login checks a password and returns a token with its expiry.
func (a *Authenticator) Login(username, password string) (string, time.Time, Principal, error) {
	const op = "auth.Login"
	u, ok := a.users[username]
	// Compare against a hash even for an unknown user, so the answer time
	// does not reveal which usernames exist.
	hash := []byte(u.PasswordBcrypt)
	if !ok {
		hash = []byte("$2a$10$vyzQO8624g0I5MDuCiqJTOfWF71ubLR8Lha1fkENdjpHUZhW2qAQe")
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return "", time.Time{}, Principal{}, errs.E(op, errs.Unauthenticated, errcode.Unauthenticated, "wrong username or password")
	}
	p := Principal{Username: u.Username, FullName: u.FullName, Role: u.Role, Agency: u.Agency, Clearance: u.Clearance}
	exp := a.now().Add(a.ttl)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: u.Username, ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(a.now()), Issuer: "docflow"},
		Role:             u.Role, Agency: u.Agency, Name: u.FullName,
	})
	s, err := tok.SignedString(a.key)
	if err != nil {
		return "", time.Time{}, Principal{}, fmt.Errorf("%s: %w", op, err)
	}
	return s, exp, p, nil
}

type claims struct {
	jwt.RegisteredClaims
	Role   string `json:"role"`
	Agency string `json:"agency"`
	Name   string `json:"name"`
}

// Verify checks a bearer token and returns who holds it. A token of a user
// no longer in the users file is refused.
func (a *Authenticator) Verify(token string) (Principal, error) {
	const op = "auth.Verify"
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer("docflow"), jwt.WithTimeFunc(a.now), jwt.WithExpirationRequired())
	if err != nil {
		msg := "the bearer token is not valid; sign in again"
		if errors.Is(err, jwt.ErrTokenExpired) {
			msg = "the session has expired; sign in again"
		}
		return Principal{}, errs.E(op, errs.Unauthenticated, errcode.Unauthenticated, msg).WithCause(err)
	}
	u, ok := a.users[c.Subject]
	if !ok || u.Role != c.Role || u.Agency != c.Agency {
		return Principal{}, errs.E(op, errs.Unauthenticated, errcode.Unauthenticated, "the account behind this token has changed; sign in again")
	}
	return Principal{Username: u.Username, FullName: u.FullName, Role: u.Role, Agency: u.Agency, Clearance: u.Clearance}, nil
}

// Require refuses p unless its role is one of allowed.
func Require(p Principal, action string, allowed ...string) error {
	if slices.Contains(allowed, p.Role) {
		return nil
	}
	return errs.E("auth.Require", errs.Forbidden, errcode.Forbidden,
		fmt.Sprintf("your role (%s) may not %s; it needs one of: %v", p.Role, action, allowed))
}

type ctxKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of the request.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
