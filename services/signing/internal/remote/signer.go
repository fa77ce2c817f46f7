package remote

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"io"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// Signer is a remote key as a crypto.Signer: Sign begins a request and
// blocks until the person approves it, refuses it or the wait ends.
//
// crypto.Signer's Sign takes no context, so a Signer carries the one it was
// made with: the context of the signing it serves (an activity's), whose
// cancellation abandons the wait.
type Signer struct {
	ctx  context.Context
	svc  Service
	user string
	cred Credential
	wait Wait
}

var _ crypto.Signer = (*Signer)(nil)

// NewSigner makes user's remote key, certified by cred, usable as a
// crypto.Signer within ctx.
func NewSigner(ctx context.Context, svc Service, user string, cred Credential, w Wait) *Signer {
	return &Signer{ctx: ctx, svc: svc, user: user, cred: cred, wait: w}
}

// Public is the certificate's public key.
func (s *Signer) Public() crypto.PublicKey { return s.cred.Cert.PublicKey }

// Sign has digest signed remotely. A refusal is an error wrapping
// ErrRefused, no approval in time one wrapping ErrExpired. The returned
// signature is checked against the certificate: a service answering with
// another key's signature is caught here, not by the recipient.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	const op = "remote.Sign"
	alg, err := algorithmFor(s.cred.Cert.PublicKey, opts)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, err.Error())
	}
	if len(digest) != alg.Hash.Size() {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("a %s digest has %d bytes, not %d", alg.Hash, alg.Hash.Size(), len(digest)))
	}
	id, err := s.svc.Begin(s.ctx, s.user, digest, alg)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	res, err := Await(s.ctx, s.svc, id, s.wait)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if res.Credential.Cert != nil && !res.Credential.Cert.Equal(s.cred.Cert) {
		return nil, errs.E(op, errs.Internal, errcode.Internal,
			fmt.Sprintf("the remote service signed for %s with another certificate than the one it announced (%s instead of %s)",
				s.user, res.Credential.Cert.Subject.CommonName, s.cred.Cert.Subject.CommonName))
	}
	if err := verify(s.cred.Cert.PublicKey, digest, res.Signature, alg); err != nil {
		return nil, errs.E(op, errs.Internal, errcode.Internal,
			fmt.Sprintf("the remote service returned a signature that does not verify with the certificate of %s", s.user)).WithCause(err)
	}
	return res.Signature, nil
}

// algorithmFor is the Algorithm crypto.Signer's opts ask for.
func algorithmFor(pub crypto.PublicKey, opts crypto.SignerOpts) (Algorithm, error) {
	h := opts.HashFunc()
	if h == 0 {
		return Algorithm{}, fmt.Errorf("remote keys sign digests only; no hash function given")
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return Algorithm{Scheme: ECDSA, Hash: h}, nil
	case *rsa.PublicKey:
		pss, ok := opts.(*rsa.PSSOptions)
		if !ok {
			return Algorithm{Scheme: RSAPKCS1v15, Hash: h}, nil
		}
		salt := pss.SaltLength
		switch salt {
		case rsa.PSSSaltLengthEqualsHash:
			salt = h.Size()
		case rsa.PSSSaltLengthAuto:
			salt = (k.N.BitLen()-1+7)/8 - 2 - h.Size()
		}
		if salt < 0 {
			return Algorithm{}, fmt.Errorf("RSA-PSS salt length %d is not valid", pss.SaltLength)
		}
		return Algorithm{Scheme: RSAPSS, Hash: h, SaltLength: salt}, nil
	default:
		return Algorithm{}, fmt.Errorf("remote keys of type %T are not supported", pub)
	}
}

func verify(pub crypto.PublicKey, digest, sig []byte, alg Algorithm) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("ECDSA signature does not verify")
		}
		return nil
	case *rsa.PublicKey:
		if alg.Scheme == RSAPSS {
			return rsa.VerifyPSS(k, alg.Hash, digest, sig, &rsa.PSSOptions{SaltLength: alg.SaltLength, Hash: alg.Hash})
		}
		return rsa.VerifyPKCS1v15(k, alg.Hash, digest, sig)
	default:
		return fmt.Errorf("keys of type %T cannot be verified", pub)
	}
}

// Source finds credentials on a remote signing service.
type Source struct {
	svc  Service
	wait Wait
	now  func() time.Time
}

var _ keys.Source = (*Source)(nil)

// NewSource uses svc, waiting for approvals as w says. now is the clock
// certificates' validity is judged by.
func NewSource(svc Service, w Wait, now func() time.Time) *Source {
	if now == nil {
		now = time.Now
	}
	return &Source{svc: svc, wait: w, now: now}
}

// Lookup returns username's remote credential. Its key's signatures are
// bounded by ctx: look the credential up with the context of the signing.
func (s *Source) Lookup(ctx context.Context, username string) (keys.Credential, error) {
	const op = "remote.Lookup"
	if !keys.ValidUsername(username) {
		return keys.Credential{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("%q is not a valid username, so it has no signing key", username)).
			WithDetail("signer", username).WithCause(keys.ErrNoSigningKey)
	}
	cred, err := s.svc.Credential(ctx, username)
	if err != nil {
		return keys.Credential{}, errs.Wrap(op, err)
	}
	now := s.now()
	if now.Before(cred.Cert.NotBefore) || now.After(cred.Cert.NotAfter) {
		return keys.Credential{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the remote signing certificate of %s is valid only from %s to %s: have the signing service renew it",
				username, cred.Cert.NotBefore.Format(time.RFC3339), cred.Cert.NotAfter.Format(time.RFC3339))).
			WithDetail("signer", username).WithCause(keys.ErrNoSigningKey)
	}
	return keys.Credential{
		Username: username,
		Key:      NewSigner(ctx, s.svc, username, cred, s.wait),
		Cert:     cred.Cert,
		Chain:    cred.Chain,
	}, nil
}
