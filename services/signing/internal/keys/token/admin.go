package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/miekg/pkcs11"
)

// InitToken initialises the first free slot of module as a token labelled
// label, with the security officer PIN soPIN and the user PIN userPIN. It
// is for development tokens and tests (SoftHSM2 always offers a free slot);
// real tokens are initialised with their vendor's tools.
func InitToken(modulePath, label, soPIN, userPIN string) error {
	const op = "token.InitToken"
	// Finding the free slot and initialising it must be one step: two
	// callers listing slots at once would both pick the same free slot, and
	// the module adds the next free slot only when the list is read again.
	initTokens.Lock()
	defer initTokens.Unlock()
	mod, err := loadModule(modulePath)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer func() { _ = mod.release() }()
	slots, err := mod.ctx.GetSlotList(true)
	if err != nil {
		return fmt.Errorf("%s: list slots: %w", op, err)
	}
	free, ok := uint(0), false
	for _, s := range slots {
		info, err := mod.ctx.GetTokenInfo(s)
		if err == nil && info.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			free, ok = s, true
			break
		}
	}
	if !ok {
		return fmt.Errorf("%s: %s has no free slot for a new token", op, modulePath)
	}
	if err := mod.ctx.InitToken(free, soPIN, label); err != nil {
		return fmt.Errorf("%s: initialise token %q: %w", op, label, err)
	}
	slot, err := mod.findSlot(label)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	sh, err := mod.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("%s: open session: %w", op, err)
	}
	defer func() { _ = mod.ctx.CloseSession(sh) }()
	if err := mod.ctx.Login(sh, pkcs11.CKU_SO, soPIN); err != nil {
		return fmt.Errorf("%s: log in as security officer: %w", op, err)
	}
	defer func() { _ = mod.ctx.Logout(sh) }()
	if err := mod.ctx.InitPIN(sh, userPIN); err != nil {
		return fmt.Errorf("%s: set the user PIN: %w", op, err)
	}
	return nil
}

// initTokens serialises InitToken within the process.
var initTokens sync.Mutex

// Admin creates signing keys and stores certificates on a token: the
// enrolment side, used for development tokens and tests. The signing
// service only reads.
type Admin struct {
	mod    *module
	sh     pkcs11.SessionHandle
	closed bool
}

// OpenAdmin logs in to the token labelled label as its user, in a
// read-write session.
func OpenAdmin(modulePath, label, userPIN string) (*Admin, error) {
	const op = "token.OpenAdmin"
	mod, err := loadModule(modulePath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	slot, err := mod.findSlot(label)
	if err != nil {
		_ = mod.release()
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	sh, err := mod.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		_ = mod.release()
		return nil, fmt.Errorf("%s: open session: %w", op, err)
	}
	if err := mod.ctx.Login(sh, pkcs11.CKU_USER, userPIN); err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		_ = mod.ctx.CloseSession(sh)
		_ = mod.release()
		return nil, fmt.Errorf("%s: log in: %w", op, err)
	}
	return &Admin{mod: mod, sh: sh}, nil
}

// Close ends the session. The login it made is left alone: other sessions
// of the process (a Source) share it, and it ends with the last of them.
// Closing twice does nothing.
func (a *Admin) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	err := a.mod.ctx.CloseSession(a.sh)
	if rerr := a.mod.release(); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("token.Admin.Close: %w", err)
	}
	return nil
}

// KeyType is the kind of key GenerateKey makes.
type KeyType string

// The key types GenerateKey makes.
const (
	ECDSAP256 KeyType = "EC P-256"
	RSA2048   KeyType = "RSA 2048"
)

// GenerateKey generates a key pair on the token labelled label (the
// username), with a fresh CKA_ID shared by both halves. The private half is
// sensitive and not extractable: it can sign, and nothing else, for as long
// as it exists.
func (a *Admin) GenerateKey(label string, kt KeyType) (crypto.PublicKey, []byte, error) {
	const op = "token.GenerateKey"
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	common := func(class uint) []*pkcs11.Attribute {
		return []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		}
	}
	pubT := append(common(pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true))
	privT := append(common(pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
	)
	var mech uint
	switch kt {
	case ECDSAP256:
		params, err := curveParams(elliptic.P256())
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", op, err)
		}
		mech = pkcs11.CKM_EC_KEY_PAIR_GEN
		pubT = append(pubT, pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params))
		privT = append(privT, pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC))
	case RSA2048:
		mech = pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN
		pubT = append(pubT,
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, 2048),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}))
		privT = append(privT, pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA))
	default:
		return nil, nil, fmt.Errorf("%s: key type %q is not supported", op, kt)
	}
	pubH, _, err := a.mod.ctx.GenerateKeyPair(a.sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, pubT, privT)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: generate %s key for %s: %w", op, kt, label, err)
	}
	pub, err := a.publicKey(pubH, kt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	return pub, id, nil
}

func (a *Admin) publicKey(h pkcs11.ObjectHandle, kt KeyType) (crypto.PublicKey, error) {
	switch kt {
	case ECDSAP256:
		attrs, err := a.mod.ctx.GetAttributeValue(a.sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
		if err != nil {
			return nil, fmt.Errorf("read public point: %w", err)
		}
		// CKA_EC_POINT is the uncompressed point wrapped in an OCTET STRING.
		var point []byte
		if rest, err := asn1.Unmarshal(attrs[0].Value, &point); err != nil || len(rest) > 0 {
			return nil, errors.New("public point is not a DER OCTET STRING")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			return nil, fmt.Errorf("parse public point: %w", err)
		}
		return pub, nil
	default:
		attrs, err := a.mod.ctx.GetAttributeValue(a.sh, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, nil),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, nil),
		})
		if err != nil {
			return nil, fmt.Errorf("read public key: %w", err)
		}
		e := new(big.Int).SetBytes(attrs[1].Value)
		if !e.IsInt64() || e.Int64() > 1<<31-1 {
			return nil, errors.New("public exponent out of range")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(attrs[0].Value), E: int(e.Int64())}, nil
	}
}

// StoreCertificate writes cert to the token under label and id, next to
// the key it certifies.
func (a *Admin) StoreCertificate(label string, id []byte, cert *x509.Certificate) error {
	_, err := a.mod.ctx.CreateObject(a.sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, cert.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_SERIAL_NUMBER, mustSerial(cert)),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, cert.Raw),
	})
	if err != nil {
		return fmt.Errorf("token.StoreCertificate: %s: %w", label, err)
	}
	return nil
}

// KeyProtection is how a private key object is protected, as the token
// reports it.
type KeyProtection struct {
	Sensitive        bool // CKA_SENSITIVE: its secret parts cannot be read
	Extractable      bool // CKA_EXTRACTABLE: it can be wrapped out of the token
	AlwaysSensitive  bool // CKA_ALWAYS_SENSITIVE
	NeverExtractable bool // CKA_NEVER_EXTRACTABLE
}

// Protection reads the protection attributes of the private key labelled
// label.
func (a *Admin) Protection(label string) (KeyProtection, error) {
	const op = "token.Protection"
	if err := a.mod.ctx.FindObjectsInit(a.sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}); err != nil {
		return KeyProtection{}, fmt.Errorf("%s: %w", op, err)
	}
	objs, _, err := a.mod.ctx.FindObjects(a.sh, 2)
	if ferr := a.mod.ctx.FindObjectsFinal(a.sh); err == nil {
		err = ferr
	}
	if err != nil {
		return KeyProtection{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(objs) != 1 {
		return KeyProtection{}, fmt.Errorf("%s: %d private keys labelled %q", op, len(objs), label)
	}
	attrs, err := a.mod.ctx.GetAttributeValue(a.sh, objs[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_SENSITIVE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_NEVER_EXTRACTABLE, nil),
	})
	if err != nil {
		return KeyProtection{}, fmt.Errorf("%s: %w", op, err)
	}
	b := func(i int) bool { return len(attrs[i].Value) == 1 && attrs[i].Value[0] != 0 }
	return KeyProtection{Sensitive: b(0), Extractable: b(1), AlwaysSensitive: b(2), NeverExtractable: b(3)}, nil
}

// ReadPrivateValue asks the token for the secret part of label's private key
// (CKA_VALUE for EC, CKA_PRIVATE_EXPONENT for RSA). A token protecting the
// key refuses; tests use it to show that it does.
func (a *Admin) ReadPrivateValue(label string) ([]byte, error) {
	if err := a.mod.ctx.FindObjectsInit(a.sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}); err != nil {
		return nil, fmt.Errorf("token.ReadPrivateValue: %w", err)
	}
	objs, _, err := a.mod.ctx.FindObjects(a.sh, 1)
	_ = a.mod.ctx.FindObjectsFinal(a.sh)
	if err != nil || len(objs) == 0 {
		return nil, fmt.Errorf("token.ReadPrivateValue: no private key labelled %q: %w", label, err)
	}
	for _, t := range []uint{pkcs11.CKA_VALUE, pkcs11.CKA_PRIVATE_EXPONENT} {
		attrs, err := a.mod.ctx.GetAttributeValue(a.sh, objs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(t, nil)})
		if err == nil && len(attrs[0].Value) > 0 {
			return attrs[0].Value, nil
		}
		if err != nil && !isCode(err, pkcs11.CKR_ATTRIBUTE_TYPE_INVALID) {
			return nil, fmt.Errorf("token.ReadPrivateValue: %w", err)
		}
	}
	return nil, fmt.Errorf("token.ReadPrivateValue: %q has no private value attribute", label)
}

func mustSerial(cert *x509.Certificate) []byte {
	der, err := asn1.Marshal(cert.SerialNumber)
	if err != nil {
		return nil
	}
	return der
}
