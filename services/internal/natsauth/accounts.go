package natsauth

import (
	"fmt"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	events "github.com/docflow/docflow/api/events/v1"
)

// installationClaims are DOCFLOW's: JetStream without limits (the
// installation's disk is the limit), and for each agency the two private
// stream exports to its account and the import of the packages it sends.
func installationClaims(pub string, agencies map[string]nkeys.KeyPair, docflow nkeys.KeyPair) (*jwt.AccountClaims, error) {
	ac := jwt.NewAccountClaims(pub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1, MaxAckPending: -1}
	for _, a := range sortedKeys(agencies) {
		ac.Exports.Add(
			&jwt.Export{Name: "events of " + a, Subject: jwt.Subject(agencyEvents(a)), Type: jwt.Stream, TokenReq: true},
			&jwt.Export{Name: "packages to " + a, Subject: jwt.Subject(events.ExchangeInbox(a)), Type: jwt.Stream, TokenReq: true},
		)
		agencyPub, err := agencies[a].PublicKey()
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a, err)
		}
		outbox := events.ExchangeOutbox(a)
		token, err := activation(agencies[a], pub, outbox)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a, err)
		}
		ac.Imports.Add(&jwt.Import{Name: "packages from " + a, Subject: jwt.Subject(outbox), Account: agencyPub, Token: token, Type: jwt.Stream})
	}
	return ac, nil
}

// agencyClaims are those of the account of agency: no JetStream, the
// imports of its events and of the packages addressed to it, and the
// private export of the packages it sends.
func agencyClaims(agency string, kp nkeys.KeyPair, docflowPub string, docflow nkeys.KeyPair) (*jwt.AccountClaims, error) {
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", agency, err)
	}
	ac := jwt.NewAccountClaims(pub)
	for _, subject := range []string{agencyEvents(agency), events.ExchangeInbox(agency)} {
		token, err := activation(docflow, pub, subject)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", agency, err)
		}
		ac.Imports.Add(&jwt.Import{Name: subject, Subject: jwt.Subject(subject), Account: docflowPub, Token: token, Type: jwt.Stream})
	}
	ac.Exports.Add(&jwt.Export{Name: "packages from " + agency, Subject: jwt.Subject(events.ExchangeOutbox(agency)), Type: jwt.Stream, TokenReq: true})
	return ac, nil
}

// activation is the token by which exporter lets the account importer
// import its stream subject: without it, a private export serves no one.
func activation(exporter nkeys.KeyPair, importer, subject string) (string, error) {
	ac := jwt.NewActivationClaims(importer)
	ac.ImportSubject = jwt.Subject(subject)
	ac.ImportType = jwt.Stream
	token, err := ac.Encode(exporter)
	if err != nil {
		return "", fmt.Errorf("activation of %s for %s: %w", subject, importer, err)
	}
	return token, nil
}
