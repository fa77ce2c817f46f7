// Package natsauth makes the identities of a docflow installation's NATS
// server in operator (JWT) mode, so that each agency hosted on it is
// isolated from the others by the server itself:
//
//   - an operator, trusted by the server, which signs every account;
//   - the system account the server needs for its own traffic;
//   - the installation account DOCFLOW, with JetStream, holding one user per
//     service (with the permissions the caller gives it) and an admin user
//     with every right, used only to provision the streams at start;
//   - one account per hosted agency, whose one user is that agency's link
//     (an integrator, a remote installation connecting as a leaf node, the
//     national exchange axis).
//
// An agency account sees only what DOCFLOW exports to it: its own events
// (docflow.evt.<agency>.>) and the exchange packages addressed to it
// (docflow.x.<agency>.>), and it may hand DOCFLOW only the packages it
// sends in its own name (docflow.x.*.<agency>.*, a service DOCFLOW exports
// to it), which the DOCFLOW_EXCHANGE stream stores there. Every export is
// private: it needs an activation token naming the one account it serves.
// An agency account has no JetStream, and its user no JetStream API: it
// receives live, as a core NATS subscriber; a package it sends is stored
// by DOCFLOW's stream, whose acknowledgement comes back to the sender when
// it publishes with a reply subject (a JetStream publish). NATS does not
// pass a message that came in through a service import on to DOCFLOW's
// stream exports, so a package between two agencies of the installation
// reaches the recipient's link from the stream (the exchange's delivery),
// not live.
//
// The keys are kept in a directory and reused, so a restart keeps every
// identity; the JWTs and .creds files are signed again at each Generate,
// which lets a change of permissions take effect on the next start.
package natsauth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	events "github.com/docflow/docflow/api/events/v1"
)

// Account and user names.
const (
	// InstallationAccount holds the services and the streams.
	InstallationAccount = "DOCFLOW"
	// SystemAccount is the server's own account.
	SystemAccount = "SYS"
	// AdminUser is DOCFLOW's user with every right: streams are created,
	// updated and deleted with it, never by a service.
	AdminUser = "admin"
)

// AgencyUser is the name of the user (and of its .creds file) of the link
// of the agency agencyID.
func AgencyUser(agencyID string) string { return "agency-" + agencyID }

// User is a user of the installation account. Empty allow lists allow
// every subject.
type User struct {
	Name               string
	Publish, Subscribe []string
}

// Spec is what to generate.
type Spec struct {
	// Dir receives the keys (Dir/keys) and one .creds file per user
	// (Dir/<user>.creds), all readable by their owner only.
	Dir string
	// Services are the users of the installation account.
	Services []User
	// Agencies are the identifiers of the hosted agencies, e.g.
	// 000.00.00.G22; each gets an account and a user.
	Agencies []string
}

// Installation is what the server is started with, and where each user's
// credentials are.
type Installation struct {
	// OperatorJWT is the operator the server trusts.
	OperatorJWT string
	// SystemAccount is the system account's public key.
	SystemAccount string
	// Accounts are the JWTs of every account, system account included,
	// by public key: the server's resolver is preloaded with them.
	Accounts map[string]string
	// AccountKeys are the public keys of the accounts by name
	// (InstallationAccount, SystemAccount, each agency identifier).
	AccountKeys map[string]string

	creds map[string]string
}

// Creds is the path of the .creds file of user: a service's name,
// AdminUser, or AgencyUser(id).
func (in *Installation) Creds(user string) (string, error) {
	path, ok := in.creds[user]
	if !ok {
		return "", fmt.Errorf("natsauth: no NATS user %q in this installation", user)
	}
	return path, nil
}

var (
	// agencyIDs are made of digits, capitals and dots (DOMAIN.md §7); the
	// check also keeps NATS wildcards out of the subjects built from them.
	agencyID = regexp.MustCompile(`^[0-9A-Z]+(\.[0-9A-Z]+)*$`)
	userName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// Generate makes (or reuses) the keys of spec and writes the JWTs and the
// .creds files.
func Generate(spec Spec) (*Installation, error) {
	const op = "natsauth.Generate"
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	keysDir := filepath.Join(spec.Dir, "keys")
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	g := &generator{keys: keyStore{dir: keysDir}, dir: spec.Dir, in: &Installation{
		Accounts: map[string]string{}, AccountKeys: map[string]string{}, creds: map[string]string{},
	}}
	if err := g.run(spec); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return g.in, nil
}

func (s Spec) validate() error {
	var problems []error
	if s.Dir == "" {
		problems = append(problems, errors.New("spec: Dir is empty: the keys and credentials need a directory"))
	}
	seen := map[string]bool{AdminUser: true}
	for _, u := range s.Services {
		if !userName.MatchString(u.Name) {
			problems = append(problems, fmt.Errorf("service user %q: a name is lower-case letters, digits and dashes", u.Name))
		}
		if seen[u.Name] {
			problems = append(problems, fmt.Errorf("service user %q is listed twice (or is the admin user)", u.Name))
		}
		seen[u.Name] = true
	}
	hosted := map[string]bool{}
	for _, a := range s.Agencies {
		if !agencyID.MatchString(a) {
			problems = append(problems, fmt.Errorf("agency %q: an identifier is capitals and digits in dot-separated parts, e.g. 000.00.00.G22", a))
		}
		if hosted[a] {
			problems = append(problems, fmt.Errorf("agency %q is listed twice", a))
		}
		hosted[a] = true
	}
	return errors.Join(problems...)
}

type generator struct {
	keys keyStore
	dir  string
	in   *Installation
	op   nkeys.KeyPair
}

func (g *generator) run(spec Spec) error {
	var err error
	if g.op, err = g.keys.key("operator", nkeys.PrefixByteOperator, nkeys.CreateOperator); err != nil {
		return err
	}
	if _, err := g.account(SystemAccount); err != nil {
		return err
	}
	docflow, err := g.account(InstallationAccount)
	if err != nil {
		return err
	}
	agencies := map[string]nkeys.KeyPair{}
	for _, a := range spec.Agencies {
		if agencies[a], err = g.account(a); err != nil {
			return err
		}
	}

	if err := g.operator(); err != nil {
		return err
	}
	if err := g.sign(SystemAccount, jwt.NewAccountClaims(g.in.AccountKeys[SystemAccount])); err != nil {
		return err
	}
	if err := g.sign(InstallationAccount, installationClaims(g.in.AccountKeys[InstallationAccount], sortedKeys(agencies))); err != nil {
		return err
	}
	for _, a := range sortedKeys(agencies) {
		ac, err := agencyClaims(a, agencies[a], g.in.AccountKeys[InstallationAccount], docflow)
		if err != nil {
			return err
		}
		if err := g.sign(a, ac); err != nil {
			return err
		}
	}

	users := append([]User{{Name: AdminUser}}, spec.Services...)
	for _, u := range users {
		if err := g.user(u.Name, docflow, u.Publish, u.Subscribe); err != nil {
			return err
		}
	}
	for _, a := range spec.Agencies {
		publish, subscribe := agencyPermissions(a)
		if err := g.user(AgencyUser(a), agencies[a], publish, subscribe); err != nil {
			return err
		}
	}
	return nil
}

// account returns the key of the account name, noting its public key.
func (g *generator) account(name string) (nkeys.KeyPair, error) {
	kp, err := g.keys.key("account-"+name, nkeys.PrefixByteAccount, nkeys.CreateAccount)
	if err != nil {
		return nil, err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", name, err)
	}
	g.in.AccountKeys[name] = pub
	return kp, nil
}

func (g *generator) operator() error {
	pub, err := g.op.PublicKey()
	if err != nil {
		return fmt.Errorf("operator: %w", err)
	}
	oc := jwt.NewOperatorClaims(pub)
	oc.Name = "docflow"
	oc.SystemAccount = g.in.AccountKeys[SystemAccount]
	if g.in.OperatorJWT, err = oc.Encode(g.op); err != nil {
		return fmt.Errorf("operator: %w", err)
	}
	g.in.SystemAccount = oc.SystemAccount
	return nil
}

// sign has the operator sign the account name's claims.
func (g *generator) sign(name string, ac *jwt.AccountClaims) error {
	ac.Name = name
	token, err := ac.Encode(g.op)
	if err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	g.in.Accounts[ac.Subject] = token
	return nil
}

// user signs a user of account with the given allow lists and writes its
// .creds file.
func (g *generator) user(name string, account nkeys.KeyPair, publish, subscribe []string) error {
	kp, err := g.keys.key("user-"+name, nkeys.PrefixByteUser, nkeys.CreateUser)
	if err != nil {
		return err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	uc := jwt.NewUserClaims(pub)
	uc.Name = name
	uc.Pub.Allow.Add(publish...)
	uc.Sub.Allow.Add(subscribe...)
	token, err := uc.Encode(account)
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	creds, err := jwt.FormatUserConfig(token, seed)
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	path := filepath.Join(g.dir, name+".creds")
	if err := writePrivate(path, creds); err != nil {
		return err
	}
	g.in.creds[name] = path
	return nil
}

// agencyPermissions are the allow lists of an agency's link: its own
// events and the packages addressed to it in, packages in its own name
// out, and the inbox for the replies to its requests. No JetStream API:
// the agency account has no JetStream, and DOCFLOW's is not exported.
func agencyPermissions(agency string) (publish, subscribe []string) {
	return []string{events.ExchangeOutbox(agency)},
		[]string{agencyEvents(agency), events.ExchangeInbox(agency), "_INBOX.>"}
}

// agencyEvents is the filter of one agency's events.
func agencyEvents(agency string) string {
	return events.EventPrefix + "." + events.AgencyToken(agency) + ".>"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
