// Package remote is the port to signing services that keep people's keys
// themselves (a cloud HSM, a national remote-signing service): docflow sends
// a digest, the person approves the signature on their own device (an app
// push, an SMS code), and the service returns the signature. Approval takes
// seconds to minutes and may be refused or never come, so a request is begun
// and then polled.
//
// Signer adapts a Service to crypto.Signer, so the PDF signer uses a remote
// key like any other; Source adapts it to keys.Source. Adapters for concrete
// protocols live in sub-packages (csc: Cloud Signature Consortium API v2).
package remote

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// ErrRefused is in the chain of every error meaning the person declined to
// sign. Retrying asks them again, so it is not retryable: the workflow
// decides what follows.
var ErrRefused = errors.New("the signer refused the signature")

// ErrExpired is in the chain of every error meaning the person did not
// approve in time (the service's deadline or ours passed). Retrying would
// push another request to their device; it is not retryable either.
var ErrExpired = errors.New("the signature request expired before the signer approved it")

// Scheme is a signature scheme.
type Scheme int

// The schemes a Service may be asked for.
const (
	ECDSA Scheme = iota + 1
	RSAPKCS1v15
	RSAPSS
)

func (s Scheme) String() string {
	switch s {
	case ECDSA:
		return "ECDSA"
	case RSAPKCS1v15:
		return "RSA PKCS#1 v1.5"
	case RSAPSS:
		return "RSA-PSS"
	default:
		return fmt.Sprintf("Scheme(%d)", int(s))
	}
}

// Algorithm says how a digest is to be signed.
type Algorithm struct {
	Scheme Scheme
	// Hash is the function the digest was made with.
	Hash crypto.Hash
	// SaltLength is the PSS salt length in bytes; RSAPSS only.
	SaltLength int
}

// Credential is a remote key's certificate and the certificates above it.
type Credential struct {
	Cert *x509.Certificate
	// Chain holds the certificates above Cert, up to the root when the
	// service provides it.
	Chain []*x509.Certificate
}

// RequestID names a signature request while it is pending.
type RequestID string

// State is where a request stands.
type State int

// The states of a request. Every state but Pending is final.
const (
	Pending State = iota + 1
	Signed
	Refused
	Expired
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Signed:
		return "signed"
	case Refused:
		return "refused"
	case Expired:
		return "expired"
	default:
		return fmt.Sprintf("State(%d)", int(s))
	}
}

// Result is what Poll learned about a request.
type Result struct {
	State State
	// Signature is set when Signed, in the form crypto.Signer returns it:
	// ASN.1 for ECDSA, the raw PKCS #1 block for RSA.
	Signature []byte
	// Credential is the certificate the signature was made for (Signed).
	Credential Credential
	// Reason is what the service said about a refusal or an expiry.
	Reason string
}

// Service is a remote signing service.
type Service interface {
	// Credential returns user's signing certificate. An error wrapping
	// keys.ErrNoSigningKey means the service has no usable key for them.
	Credential(ctx context.Context, user string) (Credential, error)
	// Begin asks user to approve signing digest, made with alg.Hash, and
	// returns at once.
	Begin(ctx context.Context, user string, digest []byte, alg Algorithm) (RequestID, error)
	// Poll reports where a request stands without waiting for the person.
	// An error is a failure to find out (network, service), not an
	// outcome; a final Result is reported once, after which id is unknown.
	Poll(ctx context.Context, id RequestID) (Result, error)
}

// Wait says how long to wait for a person's approval and how often to ask.
type Wait struct {
	// Timeout bounds the wait; after it the request counts as expired.
	Timeout time.Duration
	// Interval is the pause between polls.
	Interval time.Duration
}

// DefaultWait gives a person five minutes to approve, polled every two
// seconds: long enough to find the phone, short enough that an activity
// does not hang on a forgotten request.
var DefaultWait = Wait{Timeout: 5 * time.Minute, Interval: 2 * time.Second}

// Await polls the request until it is final or w.Timeout passes. It returns
// the Result of a signed request; a refusal is an error wrapping ErrRefused,
// an expiry or timeout one wrapping ErrExpired, both *errs.Error with a
// message for the person who asked for the signature.
func Await(ctx context.Context, svc Service, id RequestID, w Wait) (Result, error) {
	const op = "remote.Await"
	if w.Interval <= 0 {
		w.Interval = DefaultWait.Interval
	}
	if w.Timeout <= 0 {
		w.Timeout = DefaultWait.Timeout
	}
	deadline := time.NewTimer(w.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	for {
		res, err := svc.Poll(ctx, id)
		if err != nil {
			return Result{}, errs.Wrap(op, err)
		}
		switch res.State {
		case Signed:
			return res, nil
		case Refused:
			return Result{}, refused(op, res.Reason)
		case Expired:
			return Result{}, expired(op, res.Reason)
		case Pending:
		default:
			return Result{}, fmt.Errorf("%s: the service reported an unknown state %v", op, res.State)
		}
		select {
		case <-ctx.Done():
			return Result{}, errs.Wrap(op, ctx.Err())
		case <-deadline.C:
			return Result{}, expired(op, fmt.Sprintf("no approval within %s", w.Timeout))
		case <-tick.C:
		}
	}
}

func refused(op, reason string) error {
	msg := "the signer declined the signature on their device; the document was not signed"
	if reason != "" {
		msg += " (" + reason + ")"
	}
	return errs.E(op, errs.Forbidden, errcode.Forbidden, msg).WithCause(ErrRefused)
}

func expired(op, reason string) error {
	msg := "the signer did not approve the signature in time; the document was not signed, ask again when they are available"
	if reason != "" {
		msg += " (" + reason + ")"
	}
	return errs.E(op, errs.Conflict, errcode.Conflict, msg).WithCause(ErrExpired)
}
