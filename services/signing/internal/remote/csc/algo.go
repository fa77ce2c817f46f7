package csc

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/docflow/docflow/services/signing/internal/remote"
)

// algo is how a signature is asked of the service.
type algo struct {
	signAlgo string
	// hashOID goes to credentials/authorize; signHashOID to signHash, only
	// when signAlgo does not imply the hash.
	hashOID, signHashOID string
	params               string
}

// Object identifiers of the algorithms (CSC API section 5, RFC 5758, RFC 8017).
const (
	oidSHA256          = "2.16.840.1.101.3.4.2.1"
	oidSHA384          = "2.16.840.1.101.3.4.2.2"
	oidSHA512          = "2.16.840.1.101.3.4.2.3"
	oidECPublicKey     = "1.2.840.10045.2.1"
	oidRSAEncryption   = "1.2.840.113549.1.1.1"
	oidRSASSAPSS       = "1.2.840.113549.1.1.10"
	oidMGF1            = "1.2.840.113549.1.1.8"
	oidECDSAWithSHA256 = "1.2.840.10045.4.3.2"
	oidECDSAWithSHA384 = "1.2.840.10045.4.3.3"
	oidECDSAWithSHA512 = "1.2.840.10045.4.3.4"
	oidSHA256WithRSA   = "1.2.840.113549.1.1.11"
	oidSHA384WithRSA   = "1.2.840.113549.1.1.12"
	oidSHA512WithRSA   = "1.2.840.113549.1.1.13"
)

var hashOIDs = map[crypto.Hash]string{crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512}

// chooseAlgo picks signAlgo among the credential's key/algo values. Services
// list either signature algorithms or the bare key algorithm there; both are
// understood.
func chooseAlgo(offered []string, pub crypto.PublicKey, alg remote.Algorithm) (algo, error) {
	hashOID, ok := hashOIDs[alg.Hash]
	if !ok {
		return algo{}, fmt.Errorf("%s digests are not supported: use SHA-256, SHA-384 or SHA-512", alg.Hash)
	}
	has := func(oid string) bool { return slices.Contains(offered, oid) }
	a := algo{hashOID: hashOID}
	switch alg.Scheme {
	case remote.ECDSA:
		specific := map[crypto.Hash]string{crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512}[alg.Hash]
		if _, ok := pub.(*ecdsa.PublicKey); ok && (has(specific) || has(oidECPublicKey)) {
			a.signAlgo = specific
			return a, nil
		}
	case remote.RSAPKCS1v15:
		specific := map[crypto.Hash]string{crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}[alg.Hash]
		switch {
		case has(specific):
			a.signAlgo = specific
			return a, nil
		case has(oidRSAEncryption):
			// Plain RSA needs the hash named (CSC API 11.10).
			a.signAlgo, a.signHashOID = oidRSAEncryption, hashOID
			return a, nil
		}
	case remote.RSAPSS:
		if has(oidRSASSAPSS) || has(oidRSAEncryption) {
			params, err := pssParams(hashOID, alg.SaltLength)
			if err != nil {
				return algo{}, err
			}
			a.signAlgo, a.params = oidRSASSAPSS, params
			return a, nil
		}
	}
	return algo{}, fmt.Errorf("%s with %s is not among the algorithms it offers (%s)", alg.Scheme, alg.Hash, strings.Join(offered, ", "))
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// rsassaPSSParams is RSASSA-PSS-params of RFC 8017 appendix A.2.3.
type rsassaPSSParams struct {
	Hash       algorithmIdentifier `asn1:"explicit,tag:0"`
	MGF        algorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength int                 `asn1:"explicit,tag:2"`
}

// pssParams is the base64 DER RSASSA-PSS-params signAlgoParams carries.
func pssParams(hashOID string, salt int) (string, error) {
	oid, err := parseOID(hashOID)
	if err != nil {
		return "", err
	}
	mgf1, err := parseOID(oidMGF1)
	if err != nil {
		return "", err
	}
	hash := algorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	hashDER, err := asn1.Marshal(hash)
	if err != nil {
		return "", fmt.Errorf("encode PSS parameters: %w", err)
	}
	der, err := asn1.Marshal(rsassaPSSParams{
		Hash:       hash,
		MGF:        algorithmIdentifier{Algorithm: mgf1, Parameters: asn1.RawValue{FullBytes: hashDER}},
		SaltLength: salt,
	})
	if err != nil {
		return "", fmt.Errorf("encode PSS parameters: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

func parseOID(s string) (asn1.ObjectIdentifier, error) {
	var oid asn1.ObjectIdentifier
	for part := range strings.SplitSeq(s, ".") {
		n, ok := new(big.Int).SetString(part, 10)
		if !ok || !n.IsInt64() {
			return nil, fmt.Errorf("%q is not an object identifier", s)
		}
		oid = append(oid, int(n.Int64()))
	}
	return oid, nil
}

// ecdsaASN1 accepts the ECDSA signature forms services return: the ASN.1
// ECDSA-Sig-Value CMS wants, or the plain r||s of PKCS#11 and JWS, which is
// converted.
func ecdsaASN1(pub *ecdsa.PublicKey, sig []byte) []byte {
	var v struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &v); err == nil && len(rest) == 0 {
		return sig
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		return sig // left for the signature check to refuse
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])})
	if err != nil {
		return sig
	}
	return der
}
