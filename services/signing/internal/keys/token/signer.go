package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"github.com/miekg/pkcs11"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// tokenKey is a private key that stays on the token: Sign sends the digest
// there and returns what the token computed.
type tokenKey struct {
	src   *Source
	label string
	id    []byte
	pub   crypto.PublicKey
}

func (k *tokenKey) Public() crypto.PublicKey { return k.pub }

// Sign signs digest, the hash named by opts of the message. ECDSA signatures
// are returned ASN.1-encoded, RSA ones as PKCS #1 v1.5 or, when opts is
// *rsa.PSSOptions, PSS; the same forms crypto.Signer keys in memory return.
func (k *tokenKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	const op = "token.Sign"
	hash := opts.HashFunc()
	if hash != 0 && len(digest) != hash.Size() {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("a %s digest has %d bytes, not %d", hash, hash.Size(), len(digest)))
	}
	mech, input, err := mechanism(k.pub, digest, opts)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, err.Error())
	}
	var sig []byte
	// crypto.Signer carries no context; SessionWait bounds the wait for a
	// session, and the token operation itself is short.
	err = k.src.withSession(context.Background(), func(sh pkcs11.SessionHandle) error {
		objs, err := k.src.findObjects(sh, pkcs11.CKO_PRIVATE_KEY, k.label, k.id)
		if err != nil {
			return err
		}
		if len(objs) != 1 {
			return errs.E(op, errs.Unavailable, errcode.Unavailable,
				fmt.Sprintf("the key of %s is no longer on token %q", k.label, k.src.cfg.TokenLabel))
		}
		if err := k.src.mod.ctx.SignInit(sh, []*pkcs11.Mechanism{mech}, objs[0]); err != nil {
			return k.src.unavailable(err)
		}
		if sig, err = k.src.mod.ctx.Sign(sh, input); err != nil {
			return k.src.unavailable(err)
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if _, ok := k.pub.(*ecdsa.PublicKey); ok {
		return ecdsaDER(sig)
	}
	return sig, nil
}

// mechanism picks the PKCS#11 mechanism for a signature and the bytes the
// token signs.
func mechanism(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts) (*pkcs11.Mechanism, []byte, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		// CKM_ECDSA signs the digest as given.
		return pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil), digest, nil
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			hashMech, mgf, err := pssHash(pss.Hash)
			if err != nil {
				return nil, nil, err
			}
			salt, err := saltLength(k, pss)
			if err != nil {
				return nil, nil, err
			}
			params := pkcs11.NewPSSParams(hashMech, mgf, uint(salt))
			return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, params), digest, nil
		}
		if opts.HashFunc() == 0 {
			// An already encoded message (TLS 1.1 and older do this).
			return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil), digest, nil
		}
		prefix, ok := digestInfoPrefix[opts.HashFunc()]
		if !ok {
			return nil, nil, fmt.Errorf("RSA signatures over %s digests are not supported: use SHA-256, SHA-384 or SHA-512", opts.HashFunc())
		}
		return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil), append(append([]byte{}, prefix...), digest...), nil
	default:
		return nil, nil, fmt.Errorf("keys of type %T cannot sign on a token", pub)
	}
}

// digestInfoPrefix is the DER DigestInfo header (RFC 8017 section 9.2, note
// 1) put before a digest for RSASSA-PKCS1-v1_5, which CKM_RSA_PKCS expects
// the caller to add.
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

func pssHash(h crypto.Hash) (hashMech, mgf uint, err error) {
	switch h {
	case crypto.SHA256:
		return pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, nil
	case crypto.SHA384:
		return pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384, nil
	case crypto.SHA512:
		return pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512, nil
	default:
		return 0, 0, fmt.Errorf("RSA-PSS over %s digests is not supported: use SHA-256, SHA-384 or SHA-512", h)
	}
}

// saltLength resolves the salt length options the way crypto/rsa does.
func saltLength(pub *rsa.PublicKey, opts *rsa.PSSOptions) (int, error) {
	switch opts.SaltLength {
	case rsa.PSSSaltLengthEqualsHash:
		return opts.Hash.Size(), nil
	case rsa.PSSSaltLengthAuto:
		// The largest salt that fits, as crypto/rsa signs with Auto.
		return (pub.N.BitLen()-1+7)/8 - 2 - opts.Hash.Size(), nil
	default:
		if opts.SaltLength < 0 {
			return 0, fmt.Errorf("RSA-PSS salt length %d is not valid", opts.SaltLength)
		}
		return opts.SaltLength, nil
	}
}

// ecdsaDER turns the r||s a token returns into the ASN.1 ECDSA-Sig-Value
// (RFC 5480) that CMS and crypto/ecdsa use.
func ecdsaDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, errs.E("token.Sign", errs.Internal, errcode.Internal,
			fmt.Sprintf("the token returned a %d-byte ECDSA signature, which is not r||s", len(raw)))
	}
	half := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{
		R: new(big.Int).SetBytes(raw[:half]),
		S: new(big.Int).SetBytes(raw[half:]),
	})
	if err != nil {
		return nil, fmt.Errorf("token.Sign: encode ECDSA signature: %w", err)
	}
	return der, nil
}
