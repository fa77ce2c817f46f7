package natsauth

import (
	"fmt"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	events "github.com/docflow/docflow/api/events/v1"
)

// installationClaims are DOCFLOW's: JetStream without limits (the
// installation's disk is the limit), and for each agency three private
// exports: its events and the packages addressed to it as streams, and the
// packages it sends in its own name as a service. The last is a service,
// not a stream DOCFLOW imports from the agency, for two reasons: the
// agency's packages to itself (docflow.x.<a>.<a>.*) would be both imported
// and exported, which NATS refuses as a cycle; and a package published
// through a service import is published in DOCFLOW as such, so the
// DOCFLOW_EXCHANGE stream stores it and can acknowledge it to the sender.
func installationClaims(pub string, agencies []string) *jwt.AccountClaims {
	ac := jwt.NewAccountClaims(pub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1, MaxAckPending: -1}
	for _, a := range agencies {
		ac.Exports.Add(
			&jwt.Export{Name: "events of " + a, Subject: jwt.Subject(agencyEvents(a)), Type: jwt.Stream, TokenReq: true},
			&jwt.Export{Name: "packages to " + a, Subject: jwt.Subject(events.ExchangeInbox(a)), Type: jwt.Stream, TokenReq: true},
			&jwt.Export{Name: "packages from " + a, Subject: jwt.Subject(events.ExchangeOutbox(a)), Type: jwt.Service, TokenReq: true},
		)
	}
	return ac
}

// agencyClaims are those of the account of agency: no JetStream, and the
// imports, each with DOCFLOW's activation naming this account, of its
// events, of the packages addressed to it and of the service that takes
// the packages it sends. It exports nothing.
func agencyClaims(agency string, kp nkeys.KeyPair, docflowPub string, docflow nkeys.KeyPair) (*jwt.AccountClaims, error) {
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", agency, err)
	}
	ac := jwt.NewAccountClaims(pub)
	imports := []struct {
		subject string
		kind    jwt.ExportType
	}{
		{agencyEvents(agency), jwt.Stream},
		{events.ExchangeInbox(agency), jwt.Stream},
		{events.ExchangeOutbox(agency), jwt.Service},
	}
	for _, im := range imports {
		token, err := activation(docflow, pub, im.subject, im.kind)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", agency, err)
		}
		ac.Imports.Add(&jwt.Import{Name: im.subject, Subject: jwt.Subject(im.subject), Account: docflowPub, Token: token, Type: im.kind})
	}
	return ac, nil
}

// activation is the token by which exporter lets the account importer
// import its subject: without it, a private export serves no one.
func activation(exporter nkeys.KeyPair, importer, subject string, kind jwt.ExportType) (string, error) {
	ac := jwt.NewActivationClaims(importer)
	ac.ImportSubject = jwt.Subject(subject)
	ac.ImportType = kind
	token, err := ac.Encode(exporter)
	if err != nil {
		return "", fmt.Errorf("activation of %s for %s: %w", subject, importer, err)
	}
	return token, nil
}
