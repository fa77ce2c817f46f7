// Package csc is the remote.Service adapter for the Cloud Signature
// Consortium API v2 (https://cloudsignatureconsortium.org), spoken by most
// remote qualified signing services.
//
// A signature is made in the API's explicit authorization mode with an
// out-of-band approval: credentials/authorize binds the digest to the
// request (SCAL2) and, while the person decides on their device, answers
// 202 with a handle that credentials/authorizeCheck polls until it yields
// the Signature Activation Data (SAD); signatures/signHash then signs with
// it. credentials/list and credentials/info find the person's credential
// and certificate chain. The service is reached with an OAuth2 bearer token
// of the "service" scope given in the configuration.
package csc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/remote"
)

// Config says which service to use and how to reach it.
type Config struct {
	// BaseURL is the API's base URI, ending in /csc/v2.
	BaseURL string
	// Token is the OAuth2 bearer access token of the signing application.
	Token string
	// RequestTTL is how long an authorization may stay undecided before it
	// counts as expired, whatever the service thinks.
	RequestTTL time.Duration
	// Description is shown to the person on their device, before the
	// request's own words.
	Description string
	// HTTPClient makes the calls; it should have a timeout.
	HTTPClient *http.Client
	Now        func() time.Time
}

// maxResponse bounds what is read from the service: a certificate chain
// and a few signatures.
const maxResponse = 1 << 20

// Client is a remote.Service backed by a CSC API v2 service.
type Client struct {
	cfg Config
	log *zap.Logger

	mu      sync.Mutex
	pending map[remote.RequestID]*request
	creds   map[string]credential
}

var _ remote.Service = (*Client)(nil)

// New returns a client for the service cfg names.
func New(cfg Config, log *zap.Logger) (*Client, error) {
	var problems []error
	if !strings.HasPrefix(cfg.BaseURL, "https://") && !strings.HasPrefix(cfg.BaseURL, "http://") {
		problems = append(problems, fmt.Errorf("CSC base URL %q is not an http(s) URL", cfg.BaseURL))
	}
	if cfg.Token == "" {
		problems = append(problems, errors.New("no OAuth2 access token for the CSC service"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, errs.E("csc.New", errs.Invalid, errcode.InvalidArgument, "the CSC remote signing configuration is incomplete").WithCause(err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.RequestTTL <= 0 {
		cfg.RequestTTL = remote.DefaultWait.Timeout
	}
	if cfg.Description == "" {
		cfg.Description = "docflow"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, log: log, pending: map[remote.RequestID]*request{}, creds: map[string]credential{}}, nil
}

// credential is what Begin needs to know about a person's credential.
type credential struct {
	id    string
	algos []string
	auth  authInfo
	remote.Credential
}

type request struct {
	user     string
	cred     credential
	digest   []byte
	alg      algo
	handle   string
	sad      string
	deadline time.Time
}

// Credential finds user's credential with credentials/list and reads its
// certificate chain with credentials/info.
func (c *Client) Credential(ctx context.Context, user string) (remote.Credential, error) {
	cred, err := c.credential(ctx, user)
	if err != nil {
		return remote.Credential{}, err
	}
	return cred.Credential, nil
}

func (c *Client) credential(ctx context.Context, user string) (credential, error) {
	const op = "csc.Credential"
	var list listResponse
	if _, err := c.call(ctx, "credentials/list", listRequest{UserID: user, OnlyValid: true}, &list); err != nil {
		return credential{}, c.classify(op, err)
	}
	var problems []string
	for _, id := range list.CredentialIDs {
		var info infoResponse
		if _, err := c.call(ctx, "credentials/info", infoRequest{CredentialID: id, Certificates: "chain", AuthInfo: true}, &info); err != nil {
			return credential{}, c.classify(op, err)
		}
		cred, problem := usable(id, info)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		c.mu.Lock()
		c.creds[user] = cred
		c.mu.Unlock()
		return cred, nil
	}
	msg := fmt.Sprintf("user %s has no signing credential at the remote signing service: have one enrolled there before assigning documents for signature", user)
	if len(problems) > 0 {
		msg = fmt.Sprintf("user %s has no usable signing credential at the remote signing service (%s)", user, strings.Join(problems, "; "))
	}
	return credential{}, errs.E(op, errs.NotFound, errcode.NotFound, msg).WithDetail("signer", user).WithCause(keys.ErrNoSigningKey)
}

// usable turns a credentials/info answer into a credential, or says why it
// cannot sign.
func usable(id string, info infoResponse) (credential, string) {
	if info.Key.Status != "enabled" {
		return credential{}, fmt.Sprintf("credential %s: key is %s", id, info.Key.Status)
	}
	if info.Cert.Status != "" && info.Cert.Status != "valid" {
		return credential{}, fmt.Sprintf("credential %s: certificate is %s", id, info.Cert.Status)
	}
	if info.Auth.Mode != "explicit" {
		return credential{}, fmt.Sprintf("credential %s: authorization mode %q needs a browser redirect docflow cannot drive; use explicit authorization with approval on the signer's device", id, info.Auth.Mode)
	}
	if len(info.Cert.Certificates) == 0 {
		return credential{}, fmt.Sprintf("credential %s: the service returned no certificate", id)
	}
	var certs []*x509.Certificate
	for _, b64 := range info.Cert.Certificates {
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return credential{}, fmt.Sprintf("credential %s: certificate is not base64", id)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return credential{}, fmt.Sprintf("credential %s: certificate cannot be parsed: %v", id, err)
		}
		certs = append(certs, cert)
	}
	return credential{
		id:         id,
		algos:      info.Key.Algo,
		auth:       info.Auth,
		Credential: remote.Credential{Cert: certs[0], Chain: certs[1:]},
	}, ""
}

// Begin authorizes the credential for this one digest. The service pushes
// the request to the person and answers 202 with a handle; a service that
// needs no approval answers the SAD at once.
func (c *Client) Begin(ctx context.Context, user string, digest []byte, alg remote.Algorithm) (remote.RequestID, error) {
	const op = "csc.Begin"
	c.mu.Lock()
	cred, ok := c.creds[user]
	c.mu.Unlock()
	if !ok {
		var err error
		if cred, err = c.credential(ctx, user); err != nil {
			return "", err
		}
	}
	a, err := chooseAlgo(cred.algos, cred.Cert.PublicKey, alg)
	if err != nil {
		return "", errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the remote credential of %s cannot make this signature: %v", user, err))
	}
	// Out-of-band objects are sent empty: that tells the service to fetch
	// the approval from the person's device.
	var data []authData
	for _, o := range cred.auth.Objects {
		if o.Type == "PasswordOOB" || o.Type == "ChallengeResponseOOB" {
			data = append(data, authData{ID: o.ID})
		}
	}
	if len(data) == 0 {
		return "", errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the remote credential of %s offers no out-of-band approval (only %v): docflow cannot collect PINs or codes on the signer's behalf", user, objectTypes(cred.auth.Objects)))
	}
	var resp authorizeResponse
	status, err := c.call(ctx, "credentials/authorize", authorizeRequest{
		CredentialID:     cred.id,
		NumSignatures:    1,
		Hashes:           []string{base64.StdEncoding.EncodeToString(digest)},
		HashAlgorithmOID: a.hashOID,
		AuthData:         data,
		Description:      truncate(c.cfg.Description+": signature for "+user, 500),
	}, &resp)
	if err != nil {
		return "", c.classify(op, err)
	}
	req := &request{user: user, cred: cred, digest: slices.Clone(digest), alg: a, deadline: c.cfg.Now().Add(c.cfg.RequestTTL)}
	switch {
	case status == http.StatusAccepted && resp.Handle != "":
		req.handle = resp.Handle
	case status == http.StatusOK && resp.SAD != "":
		req.sad = resp.SAD
	default:
		return "", errs.E(op, errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("the remote signing service answered credentials/authorize with HTTP %d but neither a handle nor a SAD", status))
	}
	id, err := newID()
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	c.mu.Lock()
	c.pending[id] = req
	c.mu.Unlock()
	c.log.Info("remote signature requested", zap.String("signer", user), zap.String("credential", cred.id),
		zap.String("request", string(id)), zap.Bool("awaiting_approval", req.sad == ""))
	return id, nil
}

// Poll asks authorizeCheck about a request still awaiting approval, and
// signs with signHash once the SAD is there.
func (c *Client) Poll(ctx context.Context, id remote.RequestID) (remote.Result, error) {
	const op = "csc.Poll"
	c.mu.Lock()
	req, ok := c.pending[id]
	c.mu.Unlock()
	if !ok {
		return remote.Result{}, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("no pending remote signature request %s in this process: it was finished already, or the service restarted", id))
	}
	if req.sad == "" {
		if c.cfg.Now().After(req.deadline) {
			c.forget(id)
			return remote.Result{State: remote.Expired, Reason: fmt.Sprintf("not approved within %s", c.cfg.RequestTTL)}, nil
		}
		var resp authorizeResponse
		status, err := c.call(ctx, "credentials/authorizeCheck", authorizeCheckRequest{Handle: req.handle}, &resp)
		if res, final := c.outcome(id, err); final {
			return res, nil
		}
		if err != nil {
			return remote.Result{}, c.classify(op, err)
		}
		switch {
		case status == http.StatusAccepted:
			if resp.Handle != "" {
				req.handle = resp.Handle
			}
			return remote.Result{State: remote.Pending}, nil
		case resp.SAD == "":
			return remote.Result{}, errs.E(op, errs.Unavailable, errcode.Unavailable,
				fmt.Sprintf("the remote signing service answered credentials/authorizeCheck with HTTP %d but no SAD", status))
		}
		req.sad = resp.SAD
	}

	var resp signHashResponse
	_, err := c.call(ctx, "signatures/signHash", signHashRequest{
		CredentialID:     req.cred.id,
		SAD:              req.sad,
		Hashes:           []string{base64.StdEncoding.EncodeToString(req.digest)},
		HashAlgorithmOID: req.alg.signHashOID,
		SignAlgo:         req.alg.signAlgo,
		SignAlgoParams:   req.alg.params,
	}, &resp)
	if res, final := c.outcome(id, err); final {
		return res, nil
	}
	if err != nil {
		return remote.Result{}, c.classify(op, err)
	}
	c.forget(id)
	if len(resp.Signatures) != 1 {
		return remote.Result{}, errs.E(op, errs.Unavailable, errcode.Unavailable,
			fmt.Sprintf("the remote signing service returned %d signatures for one hash", len(resp.Signatures)))
	}
	sig, err := base64.StdEncoding.DecodeString(resp.Signatures[0])
	if err != nil {
		return remote.Result{}, errs.E(op, errs.Unavailable, errcode.Unavailable, "the remote signing service returned a signature that is not base64").WithCause(err)
	}
	if pub, ok := req.cred.Cert.PublicKey.(*ecdsa.PublicKey); ok {
		sig = ecdsaASN1(pub, sig)
	}
	c.log.Info("remote signature made", zap.String("signer", req.user), zap.String("request", string(id)))
	return remote.Result{State: remote.Signed, Signature: sig, Credential: req.cred.Credential}, nil
}

// outcome turns the service's refusals into final results: access_denied
// is the person's "no"; an unknown handle or SAD means the request lapsed.
func (c *Client) outcome(id remote.RequestID, err error) (remote.Result, bool) {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		return remote.Result{}, false
	}
	switch ae.Code {
	case "access_denied":
		c.forget(id)
		return remote.Result{State: remote.Refused, Reason: ae.Description}, true
	case "invalid_request", "invalid_otp":
		// Every other invalid_request is the client's own mistake, which
		// this client does not make once a request has begun: the handle or
		// the SAD is what the service no longer accepts.
		c.forget(id)
		return remote.Result{State: remote.Expired, Reason: ae.Description}, true
	}
	return remote.Result{}, false
}

func (c *Client) forget(id remote.RequestID) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// classify gives a failed call the kind the rest of the service acts on.
func (c *Client) classify(op string, err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	var ae *apiError
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusUnauthorized:
			return errs.E(op, errs.Unavailable, errcode.Unavailable,
				"the remote signing service refused docflow's access token: renew the OAuth2 token in the configuration").WithCause(err)
		case http.StatusBadRequest:
			return errs.E(op, errs.Invalid, errcode.InvalidArgument,
				"the remote signing service refused the request: "+ae.Error()).WithCause(err)
		}
	}
	return errs.E(op, errs.Unavailable, errcode.Unavailable, "the remote signing service cannot be reached or failed; the signature will be requested again").WithCause(err)
}

// call POSTs body as JSON to method and decodes a 200 or 202 answer into
// out, returning the status; any other answer is an *apiError.
func (c *Client) call(ctx context.Context, method string, body, out any) (int, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("encode %s request: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/"+method, bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("CSC %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, errs.Wrap("csc."+method, ctx.Err())
		}
		return 0, fmt.Errorf("CSC %s: %w", method, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, fmt.Errorf("CSC %s: read answer: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		ae := &apiError{Status: resp.StatusCode, Method: method}
		_ = json.Unmarshal(raw, ae)
		if ae.Code == "" {
			ae.Code = http.StatusText(resp.StatusCode)
		}
		return resp.StatusCode, ae
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return resp.StatusCode, fmt.Errorf("CSC %s: the answer is not the expected JSON: %w", method, err)
	}
	return resp.StatusCode, nil
}

func objectTypes(objs []authObject) []string {
	types := make([]string, 0, len(objs))
	for _, o := range objs {
		types = append(types, o.Type)
	}
	return types
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func newID() (remote.RequestID, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("request id: %w", err)
	}
	return remote.RequestID(hex.EncodeToString(b)), nil
}
