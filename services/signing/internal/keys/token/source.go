package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sync"
	"time"

	"github.com/miekg/pkcs11"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// Source finds credentials on one PKCS#11 token. It is safe for concurrent
// use; Close it to log out and release the module.
type Source struct {
	cfg   Config
	pin   string
	chain []*x509.Certificate
	now   func() time.Time
	log   *zap.Logger
	mod   *module

	// idle holds open, logged-in sessions ready for use; slots holds one
	// token per session that may still be opened, so at most MaxSessions
	// exist at once.
	idle  chan pkcs11.SessionHandle
	slots chan struct{}

	mu     sync.Mutex
	slot   uint
	hasSlt bool
	// loginErr is set once the token refused the PIN. No login is tried
	// again: tokens lock after a few wrong PINs, and a retried activity
	// would otherwise lock it within minutes.
	loginErr error
	closed   bool
}

var _ keys.Source = (*Source)(nil)

// Open loads the module, finds the token and logs in to it. now is the clock
// certificates' validity is judged by.
func Open(cfg Config, now func() time.Time, log *zap.Logger) (*Source, error) {
	const op = "token.Open"
	if err := cfg.Validate(); err != nil {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, "the PKCS#11 token configuration is incomplete").WithCause(err)
	}
	if now == nil {
		now = time.Now
	}
	pin, err := cfg.pin()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	chain, err := readChain(cfg.ChainFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	mod, err := loadModule(cfg.Module)
	if err != nil {
		return nil, errs.E(op, errs.Unavailable, errcode.Unavailable, err.Error()).WithCause(err)
	}
	s := &Source{
		cfg: cfg, pin: pin, chain: chain, now: now, log: log, mod: mod,
		idle:  make(chan pkcs11.SessionHandle, cfg.MaxSessions),
		slots: make(chan struct{}, cfg.MaxSessions),
	}
	for range cfg.MaxSessions {
		s.slots <- struct{}{}
	}
	// One session is opened now so that a missing token or a wrong PIN
	// stops the service at start-up rather than at the first signature.
	sh, err := s.acquire(context.Background())
	if err != nil {
		_ = mod.release()
		return nil, errs.Wrap(op, err)
	}
	s.releaseSession(sh, nil)
	log.Info("PKCS#11 token opened", zap.String("module", cfg.Module), zap.String("token", cfg.TokenLabel),
		zap.Int("max_sessions", cfg.MaxSessions))
	return s, nil
}

// Close waits for signatures under way, closes every session and releases
// the module.
func (s *Source) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	// Taking every session token back waits for signatures under way.
	// There is no explicit logout: a login belongs to the whole process,
	// and logging out here would log out every other Source and Admin of
	// the token with it. The token logs the process out when its last
	// session closes.
	var problems []error
	for range s.cfg.MaxSessions {
		select {
		case sh := <-s.idle:
			if err := s.mod.ctx.CloseSession(sh); err != nil && !sessionLost(err) {
				problems = append(problems, err)
			}
		case <-s.slots:
		}
	}
	if err := s.mod.release(); err != nil {
		problems = append(problems, err)
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("token.Close: %w", err)
	}
	return nil
}

// Check reports whether the token is present and logged in; the service is
// not ready to sign otherwise.
func (s *Source) Check(ctx context.Context) error {
	sh, err := s.acquire(ctx)
	if err != nil {
		return fmt.Errorf("token.Check: %w", err)
	}
	_, err = s.mod.ctx.GetSessionInfo(sh)
	s.releaseSession(sh, err)
	if err != nil {
		return fmt.Errorf("token.Check: %w", s.unavailable(err))
	}
	return nil
}

// Lookup returns username's credential. An error wrapping
// keys.ErrNoSigningKey means the person cannot sign with this token; any
// other error is the token's or the configuration's fault.
func (s *Source) Lookup(ctx context.Context, username string) (keys.Credential, error) {
	const op = "token.Lookup"
	if err := ctx.Err(); err != nil {
		return keys.Credential{}, errs.Wrap(op, err)
	}
	if !keys.ValidUsername(username) {
		return keys.Credential{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("%q is not a valid username, so it has no signing key", username)).
			WithDetail("signer", username).WithCause(keys.ErrNoSigningKey)
	}
	var found found
	err := s.withSession(ctx, func(sh pkcs11.SessionHandle) error {
		var err error
		found, err = s.find(sh, username)
		return err
	})
	if err != nil {
		return keys.Credential{}, errs.Wrap(op, err)
	}
	cert := found.cert
	if err := cert.CheckSignatureFrom(s.chain[0]); err != nil {
		return keys.Credential{}, errs.E(op, errs.Internal, errcode.Internal,
			fmt.Sprintf("the certificate of %s on token %q was not issued by %s, the first certificate of %s: store the right certificate or chain",
				username, s.cfg.TokenLabel, s.chain[0].Subject.CommonName, s.cfg.ChainFile)).WithCause(err)
	}
	now := s.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return keys.Credential{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the signing certificate of %s is valid only from %s to %s: issue a new one and store it on the token",
				username, cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339))).
			WithDetail("signer", username).WithCause(keys.ErrNoSigningKey)
	}
	key := &tokenKey{src: s, label: username, id: found.id, pub: cert.PublicKey}
	return keys.Credential{Username: username, Key: key, Cert: cert, Chain: s.chain}, nil
}

type found struct {
	id   []byte
	cert *x509.Certificate
}

// find locates username's private key and certificate and checks that they
// belong together.
func (s *Source) find(sh pkcs11.SessionHandle, username string) (found, error) {
	const op = "token.Lookup"
	privs, err := s.findObjects(sh, pkcs11.CKO_PRIVATE_KEY, username, nil)
	if err != nil {
		return found{}, err
	}
	switch len(privs) {
	case 0:
		return found{}, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("user %s has no signing key on token %q: generate one there with label %q and store its certificate before assigning documents for signature",
				username, s.cfg.TokenLabel, username)).
			WithDetail("signer", username).WithCause(keys.ErrNoSigningKey)
	case 1:
	default:
		return found{}, errs.E(op, errs.Internal, errcode.Internal,
			fmt.Sprintf("token %q holds %d private keys labelled %q: remove all but one", s.cfg.TokenLabel, len(privs), username))
	}
	attrs, err := s.mod.ctx.GetAttributeValue(sh, privs[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_ID, nil),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil),
	})
	if err != nil {
		return found{}, s.unavailable(err)
	}
	id := attrs[0].Value

	certs, err := s.findObjects(sh, pkcs11.CKO_CERTIFICATE, username, id)
	if err != nil {
		return found{}, err
	}
	if len(certs) == 0 {
		return found{}, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("user %s has a key on token %q but no certificate for it: store the certificate on the token with label %q",
				username, s.cfg.TokenLabel, username)).
			WithDetail("signer", username).WithCause(keys.ErrNoSigningKey)
	}
	cert, err := s.newestCertificate(sh, certs)
	if err != nil {
		return found{}, err
	}
	if err := s.matches(sh, privs[0], attrs[1].Value, username, id, cert); err != nil {
		return found{}, err
	}
	return found{id: id, cert: cert}, nil
}

// findObjects returns the objects of class labelled label, narrowed to id
// when one is given.
func (s *Source) findObjects(sh pkcs11.SessionHandle, class uint, label string, id []byte) ([]pkcs11.ObjectHandle, error) {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	if len(id) > 0 {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, id))
	}
	if err := s.mod.ctx.FindObjectsInit(sh, tmpl); err != nil {
		return nil, s.unavailable(err)
	}
	var all []pkcs11.ObjectHandle
	for {
		objs, _, err := s.mod.ctx.FindObjects(sh, 16)
		if err != nil {
			_ = s.mod.ctx.FindObjectsFinal(sh)
			return nil, s.unavailable(err)
		}
		all = append(all, objs...)
		if len(objs) == 0 {
			break
		}
	}
	if err := s.mod.ctx.FindObjectsFinal(sh); err != nil {
		return nil, s.unavailable(err)
	}
	return all, nil
}

// newestCertificate picks, among certificates of the same key, the one valid
// longest: a renewed certificate is often written next to the old one.
func (s *Source) newestCertificate(sh pkcs11.SessionHandle, handles []pkcs11.ObjectHandle) (*x509.Certificate, error) {
	var best *x509.Certificate
	for _, h := range handles {
		attrs, err := s.mod.ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		if err != nil {
			return nil, s.unavailable(err)
		}
		cert, err := x509.ParseCertificate(attrs[0].Value)
		if err != nil {
			return nil, errs.E("token.Lookup", errs.Internal, errcode.Internal,
				fmt.Sprintf("a certificate object on token %q cannot be parsed: replace it", s.cfg.TokenLabel)).WithCause(err)
		}
		if best == nil || cert.NotAfter.After(best.NotAfter) {
			best = cert
		}
	}
	return best, nil
}

// matches checks that the private key belongs to the certificate, from the
// key's public half: the public key object next to it, or, for RSA, the
// modulus the private key object exposes. An EC private key does not carry
// its point; without a public key object only the curve can be compared.
func (s *Source) matches(sh pkcs11.SessionHandle, priv pkcs11.ObjectHandle, keyType []byte, username string, id []byte, cert *x509.Certificate) error {
	mismatch := func(why string) error {
		return errs.E("token.Lookup", errs.Internal, errcode.Internal,
			fmt.Sprintf("the key of %s on token %q does not belong to its certificate (%s): store the certificate issued for this key", username, s.cfg.TokenLabel, why))
	}
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if !bytes.Equal(keyType, ulong(pkcs11.CKK_EC)) {
			return mismatch("the certificate is for an EC key")
		}
		pubs, err := s.findObjects(sh, pkcs11.CKO_PUBLIC_KEY, username, id)
		if err != nil {
			return err
		}
		attrName := uint(pkcs11.CKA_EC_PARAMS)
		want, err := curveParams(pub.Curve)
		if err != nil {
			return mismatch(err.Error())
		}
		obj := priv
		if len(pubs) == 1 {
			attrName, obj = pkcs11.CKA_EC_POINT, pubs[0]
			raw, err := pub.Bytes()
			if err != nil {
				return mismatch(err.Error())
			}
			if want, err = asn1.Marshal(raw); err != nil {
				return mismatch(err.Error())
			}
		}
		attrs, err := s.mod.ctx.GetAttributeValue(sh, obj, []*pkcs11.Attribute{pkcs11.NewAttribute(attrName, nil)})
		if err != nil {
			return s.unavailable(err)
		}
		if !bytes.Equal(attrs[0].Value, want) {
			return mismatch("different public key")
		}
	case *rsa.PublicKey:
		if !bytes.Equal(keyType, ulong(pkcs11.CKK_RSA)) {
			return mismatch("the certificate is for an RSA key")
		}
		attrs, err := s.mod.ctx.GetAttributeValue(sh, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_MODULUS, nil)})
		if err != nil {
			return s.unavailable(err)
		}
		if new(big.Int).SetBytes(attrs[0].Value).Cmp(pub.N) != 0 {
			return mismatch("different modulus")
		}
	default:
		return mismatch(fmt.Sprintf("keys of type %T cannot sign here", cert.PublicKey))
	}
	return nil
}

// withSession runs fn on a logged-in session. A session the token has
// invalidated (token pulled out and back, login lost) is replaced and fn
// tried once more.
func (s *Source) withSession(ctx context.Context, fn func(pkcs11.SessionHandle) error) error {
	for attempt := 0; ; attempt++ {
		sh, err := s.acquire(ctx)
		if err != nil {
			return err
		}
		err = fn(sh)
		s.releaseSession(sh, err)
		if err == nil || attempt > 0 || !sessionLost(err) {
			return err
		}
		s.log.Warn("PKCS#11 session lost; retrying on a new one", zap.String("token", s.cfg.TokenLabel), zap.Error(err))
	}
}

// acquire takes an idle session or opens a new one, waiting at most
// SessionWait for one to be free.
func (s *Source) acquire(ctx context.Context) (pkcs11.SessionHandle, error) {
	s.mu.Lock()
	closed, loginErr := s.closed, s.loginErr
	s.mu.Unlock()
	if closed {
		return 0, errs.E("token", errs.Unavailable, errcode.Unavailable, "the token source is closed")
	}
	if loginErr != nil {
		return 0, loginErr
	}
	select {
	case sh := <-s.idle:
		return sh, nil
	default:
	}
	wait := time.NewTimer(s.cfg.SessionWait)
	defer wait.Stop()
	select {
	case sh := <-s.idle:
		return sh, nil
	case <-s.slots:
		sh, err := s.openSession()
		if err != nil {
			s.slots <- struct{}{}
			return 0, err
		}
		return sh, nil
	case <-wait.C:
		return 0, errs.E("token", errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("every session of token %q stayed busy for %s: raise %s or sign less at once", s.cfg.TokenLabel, s.cfg.SessionWait, EnvMaxSessions))
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// releaseSession returns sh to the pool, or closes it when err says the
// token no longer knows it.
func (s *Source) releaseSession(sh pkcs11.SessionHandle, err error) {
	if err != nil && sessionLost(err) {
		_ = s.mod.ctx.CloseSession(sh)
		s.slots <- struct{}{}
		return
	}
	s.idle <- sh
}

func (s *Source) openSession() (pkcs11.SessionHandle, error) {
	slot, err := s.tokenSlot(false)
	if err != nil {
		return 0, err
	}
	sh, err := s.mod.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if isCode(err, pkcs11.CKR_SLOT_ID_INVALID, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_DEVICE_REMOVED) {
		// A token put back may sit in another slot.
		if slot, err = s.tokenSlot(true); err != nil {
			return 0, err
		}
		sh, err = s.mod.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	}
	if err != nil {
		return 0, s.unavailable(err)
	}
	// Login is per application and token, not per session: the first
	// session logs every later one in, and the token answers "already
	// logged in" to them.
	err = s.mod.ctx.Login(sh, pkcs11.CKU_USER, s.pin)
	switch {
	case err == nil, isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN):
		return sh, nil
	case isCode(err, pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_LOCKED, pkcs11.CKR_PIN_EXPIRED, pkcs11.CKR_PIN_LEN_RANGE):
		_ = s.mod.ctx.CloseSession(sh)
		loginErr := errs.E("token", errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("token %q refused the PIN: correct %s (or %s) and restart the service; no further login is tried, because tokens lock after repeated wrong PINs",
				s.cfg.TokenLabel, EnvPINFile, EnvPIN)).WithCause(err)
		s.mu.Lock()
		s.loginErr = loginErr
		s.mu.Unlock()
		s.log.Error("PKCS#11 login refused", zap.String("token", s.cfg.TokenLabel), zap.Error(err))
		return 0, loginErr
	default:
		_ = s.mod.ctx.CloseSession(sh)
		return 0, s.unavailable(err)
	}
}

func (s *Source) tokenSlot(refresh bool) (uint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasSlt && !refresh {
		return s.slot, nil
	}
	slot, err := s.mod.findSlot(s.cfg.TokenLabel)
	if err != nil {
		s.hasSlt = false
		return 0, errs.E("token", errs.Unavailable, errcode.Unavailable, err.Error()).WithCause(err)
	}
	s.slot, s.hasSlt = slot, true
	return slot, nil
}

// unavailable classifies a PKCS#11 failure of the token itself.
func (s *Source) unavailable(err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return errs.E("token", errs.Unavailable, errcode.Unavailable,
		fmt.Sprintf("token %q failed: %v", s.cfg.TokenLabel, err)).WithCause(err)
}

// sessionLost reports whether err means the session is gone and a new one
// may succeed.
func sessionLost(err error) bool {
	return isCode(err, pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED,
		pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_USER_NOT_LOGGED_IN,
		pkcs11.CKR_DEVICE_ERROR)
}

// readChain reads the issuing certificates, issuer of the signers first.
func readChain(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the certificate chain (%s): %w", EnvChainFile, err)
	}
	var chain []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse a certificate of %s: %w", file, err)
		}
		chain = append(chain, cert)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%s (%s) holds no PEM certificate", file, EnvChainFile)
	}
	return chain, nil
}

// curveParams is the DER OID of a named curve, as CKA_EC_PARAMS holds it.
func curveParams(c elliptic.Curve) ([]byte, error) {
	var oid asn1.ObjectIdentifier
	switch c {
	case elliptic.P256():
		oid = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	case elliptic.P384():
		oid = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	case elliptic.P521():
		oid = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
	default:
		return nil, fmt.Errorf("curve %s is not supported", c.Params().Name)
	}
	return asn1.Marshal(oid)
}

// ulong is v as a CK_ULONG attribute value.
func ulong(v uint) []byte { return pkcs11.NewAttribute(0, v).Value }

var _ crypto.Signer = (*tokenKey)(nil)
