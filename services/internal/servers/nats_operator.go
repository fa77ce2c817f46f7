package servers

import (
	"errors"
	"fmt"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
)

// NATSOperator runs the server in operator (JWT) mode: it trusts the
// operator, and knows the accounts it signed from a resolver preloaded
// with their JWTs. Users are then no longer listed in the server: a client
// proves it holds a user key signed by one of the accounts (a .creds
// file). natsauth makes all of these.
type NATSOperator struct {
	// JWT is the operator's (self-signed) JWT.
	JWT string
	// SystemAccount is the public key of the system account, which the
	// operator names too.
	SystemAccount string
	// Accounts are the account JWTs, system account included, by public key.
	Accounts map[string]string
}

// apply sets sopts up for operator mode.
func (o *NATSOperator) apply(sopts *server.Options) error {
	oc, err := jwt.DecodeOperatorClaims(o.JWT)
	if err != nil {
		return fmt.Errorf("operator JWT: %w", err)
	}
	if o.SystemAccount == "" {
		return errors.New("operator mode: SystemAccount is empty")
	}
	if _, ok := o.Accounts[o.SystemAccount]; !ok {
		return fmt.Errorf("operator mode: the system account %s is not among the accounts", o.SystemAccount)
	}
	resolver := &server.MemAccResolver{}
	for pub, token := range o.Accounts {
		ac, err := jwt.DecodeAccountClaims(token)
		if err != nil {
			return fmt.Errorf("account %s: %w", pub, err)
		}
		if ac.Subject != pub {
			return fmt.Errorf("account %s: the JWT is that of %s", pub, ac.Subject)
		}
		if !oc.DidSign(ac) {
			return fmt.Errorf("account %s (%s): not signed by the operator %s", ac.Name, pub, oc.Subject)
		}
		if err := resolver.Store(pub, token); err != nil {
			return fmt.Errorf("account %s: %w", pub, err)
		}
	}
	sopts.TrustedOperators = []*jwt.OperatorClaims{oc}
	sopts.AccountResolver = resolver
	sopts.SystemAccount = o.SystemAccount
	return nil
}
