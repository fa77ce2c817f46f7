package csc_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// rssp is a remote signing service speaking CSC API v2.0.0.2 as its section
// 11 describes, for the methods docflow uses: credentials/list,
// credentials/info, credentials/authorize (explicit mode, out-of-band
// approval, SCAL2: the SAD is bound to the hashes), credentials/authorizeCheck
// and signatures/signHash. Requests carrying fields the specification does
// not define are refused, so the client is held to the field names.
type rssp struct {
	t     *testing.T
	token string
	srv   *httptest.Server

	mu    sync.Mutex
	creds map[string]*rsspCredential // by credentialID
	auths map[string]*authorization  // by handle
	sads  map[string]*authorization  // by SAD
	// pushes receives every authorization as the person's device would.
	pushes chan *authorization
	// corrupt makes signHash sign something else.
	corrupt bool
	calls   []string
}

type rsspCredential struct {
	id, user string
	key      crypto.Signer
	hash     crypto.Hash
	signAlgo string
	chain    []*x509.Certificate
	status   string
}

type authorization struct {
	handle      string
	credID      string
	hashes      []string
	hashOID     string
	description string
	state       string // pending, approved, refused, lapsed
	sad         string
}

func newRSSP(t *testing.T, token string) *rssp {
	t.Helper()
	r := &rssp{
		t: t, token: token,
		creds:  map[string]*rsspCredential{},
		auths:  map[string]*authorization{},
		sads:   map[string]*authorization{},
		pushes: make(chan *authorization, 16),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /csc/v2/credentials/list", r.list)
	mux.HandleFunc("POST /csc/v2/credentials/info", r.info)
	mux.HandleFunc("POST /csc/v2/credentials/authorize", r.authorize)
	mux.HandleFunc("POST /csc/v2/credentials/authorizeCheck", r.authorizeCheck)
	mux.HandleFunc("POST /csc/v2/signatures/signHash", r.signHash)
	r.srv = httptest.NewTLSServer(r.authenticated(mux))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rssp) add(c *rsspCredential) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.status == "" {
		c.status = "enabled"
	}
	r.creds[c.id] = c
}

// decide is the person's answer on their device.
func (r *rssp) decide(a *authorization, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a.state = state
}

func (r *rssp) methodsCalled() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *rssp) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer "+r.token {
			fail(w, http.StatusUnauthorized, "invalid_token", "The access token is not valid")
			return
		}
		if !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
			invalid(w, "Content-Type must be application/json")
			return
		}
		r.mu.Lock()
		r.calls = append(r.calls, strings.TrimPrefix(req.URL.Path, "/csc/v2/"))
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

func (r *rssp) list(w http.ResponseWriter, req *http.Request) {
	var in struct {
		UserID         *string `json:"userID"`
		CredentialInfo bool    `json:"credentialInfo"`
		Certificates   string  `json:"certificates"`
		CertInfo       bool    `json:"certInfo"`
		AuthInfo       bool    `json:"authInfo"`
		OnlyValid      bool    `json:"onlyValid"`
		Lang           string  `json:"lang"`
		ClientData     string  `json:"clientData"`
	}
	if !decode(w, req, &in) {
		return
	}
	// The bearer token is the signing application's (service scope), so
	// the user is named.
	if in.UserID == nil {
		invalid(w, "Missing (or invalid type) string parameter userID")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// onlyValid is optional for a service to honour; this one does not
	// (and so leaves "onlyValid" out of its answer), so the client has to
	// judge each credential itself.
	ids := []string{}
	for _, c := range r.creds {
		if c.user == *in.UserID {
			ids = append(ids, c.id)
		}
	}
	slices.Sort(ids)
	reply(w, http.StatusOK, map[string]any{"credentialIDs": ids})
}

func (r *rssp) info(w http.ResponseWriter, req *http.Request) {
	var in struct {
		CredentialID *string `json:"credentialID"`
		Certificates string  `json:"certificates"`
		CertInfo     bool    `json:"certInfo"`
		AuthInfo     bool    `json:"authInfo"`
		Lang         string  `json:"lang"`
		ClientData   string  `json:"clientData"`
	}
	if !decode(w, req, &in) {
		return
	}
	if in.CredentialID == nil {
		invalid(w, "Missing (or invalid type) string parameter credentialID")
		return
	}
	if !slices.Contains([]string{"", "none", "single", "chain"}, in.Certificates) {
		invalid(w, "Invalid parameter certificates")
		return
	}
	r.mu.Lock()
	c, ok := r.creds[*in.CredentialID]
	r.mu.Unlock()
	if !ok {
		invalid(w, "Invalid parameter credentialID")
		return
	}
	var certs []string
	switch in.Certificates {
	case "", "single":
		certs = []string{base64.StdEncoding.EncodeToString(c.chain[0].Raw)}
	case "chain":
		for _, cert := range c.chain {
			certs = append(certs, base64.StdEncoding.EncodeToString(cert.Raw))
		}
	}
	out := map[string]any{
		"key":       map[string]any{"status": c.status, "algo": []string{c.signAlgo}, "len": 256, "curve": "1.2.840.10045.3.1.7"},
		"cert":      map[string]any{"status": "valid", "certificates": certs},
		"SCAL":      "2",
		"multisign": 1,
		"lang":      "vi-VN",
	}
	auth := map[string]any{"mode": "explicit"}
	if in.AuthInfo {
		auth["expression"] = "PUSH"
		auth["objects"] = []map[string]string{{"type": "ChallengeResponseOOB", "id": "PUSH", "label": "Ứng dụng ký số", "description": "Xác nhận trên điện thoại"}}
	}
	out["auth"] = auth
	reply(w, http.StatusOK, out)
}

func (r *rssp) authorize(w http.ResponseWriter, req *http.Request) {
	var in struct {
		CredentialID     *string  `json:"credentialID"`
		NumSignatures    *int     `json:"numSignatures"`
		Hashes           []string `json:"hashes"`
		HashAlgorithmOID string   `json:"hashAlgorithmOID"`
		AuthData         []struct {
			ID    string `json:"id"`
			Value string `json:"value"`
		} `json:"authData"`
		Description string `json:"description"`
		ClientData  string `json:"clientData"`
	}
	if !decode(w, req, &in) {
		return
	}
	switch {
	case in.CredentialID == nil:
		invalid(w, "Missing (or invalid type) string parameter credentialID")
		return
	case in.NumSignatures == nil:
		invalid(w, "Missing (or invalid type) integer parameter numSignatures")
		return
	case *in.NumSignatures < 1:
		invalid(w, "Invalid value for parameter numSignatures")
		return
	case *in.NumSignatures > 1:
		invalid(w, "Numbers of signatures is too high")
		return
	case len(in.Hashes) != *in.NumSignatures || in.HashAlgorithmOID == "":
		// SCAL2: the hashes are bound to the SAD.
		invalid(w, "Missing (or invalid type) array parameter hashes")
		return
	case len(in.Description) > 500:
		invalid(w, "Invalid parameter description")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.creds[*in.CredentialID]
	if !ok {
		invalid(w, "Invalid parameter credentialID")
		return
	}
	if c.status != "enabled" {
		invalid(w, "The credential identified by credentialID is disabled")
		return
	}
	if len(in.AuthData) != 1 || in.AuthData[0].ID != "PUSH" || in.AuthData[0].Value != "" {
		fail(w, http.StatusBadRequest, "invalid_authentication_data", "The authentication data is invalid")
		return
	}
	if in.HashAlgorithmOID != map[crypto.Hash]string{crypto.SHA256: "2.16.840.1.101.3.4.2.1", crypto.SHA384: "2.16.840.1.101.3.4.2.2"}[c.hash] {
		invalid(w, "Invalid parameter hashAlgorithmOID")
		return
	}
	a := &authorization{handle: random(r.t), credID: c.id, hashes: in.Hashes, hashOID: in.HashAlgorithmOID, description: in.Description, state: "pending"}
	r.auths[a.handle] = a
	r.pushes <- a
	reply(w, http.StatusAccepted, map[string]string{"handle": a.handle})
}

func (r *rssp) authorizeCheck(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Handle *string `json:"handle"`
	}
	if !decode(w, req, &in) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if in.Handle == nil {
		invalid(w, "Missing (or invalid type) string parameter handle")
		return
	}
	a, ok := r.auths[*in.Handle]
	if !ok || a.state == "lapsed" {
		delete(r.auths, *in.Handle)
		invalid(w, "Invalid parameter handle")
		return
	}
	switch a.state {
	case "pending":
		reply(w, http.StatusAccepted, map[string]string{"handle": a.handle})
	case "refused":
		delete(r.auths, a.handle)
		fail(w, http.StatusBadRequest, "access_denied", "Người ký đã từ chối")
	case "approved":
		delete(r.auths, a.handle)
		a.sad = random(r.t)
		r.sads[a.sad] = a
		reply(w, http.StatusOK, map[string]any{"SAD": a.sad, "expiresIn": 300})
	}
}

func (r *rssp) signHash(w http.ResponseWriter, req *http.Request) {
	var in struct {
		CredentialID     *string  `json:"credentialID"`
		SAD              *string  `json:"SAD"`
		Hashes           []string `json:"hashes"`
		HashAlgorithmOID string   `json:"hashAlgorithmOID"`
		SignAlgo         *string  `json:"signAlgo"`
		SignAlgoParams   string   `json:"signAlgoParams"`
		OperationMode    string   `json:"operationMode"`
		ClientData       string   `json:"clientData"`
	}
	if !decode(w, req, &in) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case in.SAD == nil:
		invalid(w, "Missing (or invalid type) string parameter SAD")
		return
	case in.CredentialID == nil:
		invalid(w, "Missing (or invalid type) string parameter credentialID")
		return
	case len(in.Hashes) == 0:
		invalid(w, "Empty hash array")
		return
	case in.SignAlgo == nil:
		invalid(w, "Missing (or invalid type) string parameter signAlgo")
		return
	case in.OperationMode != "" && in.OperationMode != "S":
		invalid(w, "Invalid parameter operationMode")
		return
	}
	a, ok := r.sads[*in.SAD]
	if !ok || a.credID != *in.CredentialID {
		invalid(w, "Invalid parameter SAD")
		return
	}
	c := r.creds[a.credID]
	if *in.SignAlgo != c.signAlgo {
		invalid(w, "Invalid parameter signAlgo")
		return
	}
	// ecdsa-with-SHAx names its hash: hashAlgorithmOID is omitted.
	if in.HashAlgorithmOID != "" {
		invalid(w, "Invalid parameter hashAlgorithmOID")
		return
	}
	var sigs []string
	for _, h := range in.Hashes {
		if !slices.Contains(a.hashes, h) {
			invalid(w, "Hash is not authorized by the SAD")
			return
		}
		digest, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			invalid(w, "Invalid Base64 hash string parameter")
			return
		}
		if len(digest) != c.hash.Size() {
			invalid(w, "Invalid digest value length")
			return
		}
		if r.corrupt {
			digest = bytes.Repeat([]byte{7}, len(digest))
		}
		sig, err := c.key.Sign(rand.Reader, digest, c.hash)
		if err != nil {
			fail(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		sigs = append(sigs, base64.StdEncoding.EncodeToString(sig))
	}
	// One signature was authorized: the SAD is spent.
	delete(r.sads, *in.SAD)
	reply(w, http.StatusOK, map[string]any{"signatures": sigs})
}

// decode reads the JSON body, refusing fields the method does not define.
func decode(w http.ResponseWriter, req *http.Request, v any) bool {
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		invalid(w, "Malformed request: "+err.Error())
		return false
	}
	return true
}

// invalid answers invalid_request, the CSC error for most requests a
// service refuses.
func invalid(w http.ResponseWriter, description string) {
	fail(w, http.StatusBadRequest, "invalid_request", description)
}

func fail(w http.ResponseWriter, status int, code, description string) {
	reply(w, status, map[string]string{"error": code, "error_description": description})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func random(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Error(err)
	}
	return hex.EncodeToString(b)
}
