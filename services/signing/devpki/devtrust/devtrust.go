// Package devtrust runs the DEVELOPMENT trust services of the development
// PKI: an RFC 3161 timestamp authority, an OCSP responder (RFC 6960) and a
// CRL, all answering for the root of a devpki directory. They let a laptop or
// a test produce and check PAdES B-T, B-LT and B-LTA signatures end to end.
//
// Nothing they say is worth anything outside development: the time is the
// machine's clock, revocations live in memory, and the root is trusted by
// nobody. A production deployment points the signer at a qualified TSA and
// at the certificate authority's own responders instead.
//
// Routes (the paths devpki writes into the certificates it issues):
//
//	POST /tsa        application/timestamp-query → application/timestamp-reply
//	POST /ocsp       application/ocsp-request → application/ocsp-response
//	GET  /ocsp/{req} the same, the request base64-encoded in the path (RFC 6960, A.1)
//	GET  /crl        the root's CRL, DER (application/pkix-crl)
//	GET  /root.crt   the root certificate, DER (application/pkix-cert)
package devtrust

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
	"go.uber.org/zap"
	"golang.org/x/crypto/ocsp"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// PolicyOID is the policy every development timestamp is issued under. It
// sits below IANA's enterprise number for documentation (RFC 5612), so it can
// never be mistaken for a real TSA policy.
var PolicyOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1, 1}

// Accuracy is the accuracy the timestamps claim: the machine clock, whole
// seconds.
const Accuracy = time.Second

const (
	// Requests are a few hundred bytes; anything larger is not one.
	maxRequestSize = 64 << 10
	// OCSP answers and CRLs are fresh for this long; validators fetch again
	// after it.
	validityPeriod = 24 * time.Hour
)

// Services answers timestamp, OCSP and CRL requests for the PKI in a
// directory. It reads the directory on every request, so certificates issued
// while it runs are known at once. It is an http.Handler.
type Services struct {
	dir string
	now func() time.Time
	log *zap.Logger
	mux *http.ServeMux

	mu      sync.Mutex
	revoked map[string]revocation // by serial number, decimal
	// crlNumber only grows, as RFC 5280, 5.2.3 requires.
	crlNumber *big.Int
}

type revocation struct {
	serial *big.Int
	at     time.Time
	reason int
}

var _ http.Handler = (*Services)(nil)

// New serves the PKI in dir, which must hold the root key and the TSA and
// OCSP identities (`docflow pki init` creates them). now is the services'
// clock; nil is time.Now.
func New(dir string, now func() time.Time, log *zap.Logger) (*Services, error) {
	if now == nil {
		now = time.Now
	}
	s := &Services{dir: dir, now: now, log: log, revoked: map[string]revocation{}, crlNumber: big.NewInt(0)}
	if _, err := s.pki(); err != nil {
		return nil, fmt.Errorf("devtrust.New: %w", err)
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+devpki.TSAPath, s.serveTimestamp)
	s.mux.HandleFunc("POST "+devpki.OCSPPath, s.serveOCSPPost)
	s.mux.HandleFunc("GET "+devpki.OCSPPath+"/{request...}", s.serveOCSPGet)
	s.mux.HandleFunc("GET "+devpki.CRLPath, s.serveCRL)
	s.mux.HandleFunc("GET "+devpki.RootPath, s.serveRoot)
	return s, nil
}

// ServeHTTP routes a request to the service it is for.
func (s *Services) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("trust services request", zap.String("method", r.Method), zap.String("path", r.URL.Path))
	s.mux.ServeHTTP(w, r)
}

// Revoke records that the certificate with serial was revoked at the given
// time for reason (an ocsp.* reason code, e.g. ocsp.KeyCompromise). OCSP
// answers Revoked for it from now on and the CRL lists it. Revocations are
// kept in memory only.
func (s *Services) Revoke(serial *big.Int, at time.Time, reason int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[serial.String()] = revocation{serial: new(big.Int).Set(serial), at: at.UTC(), reason: reason}
}

// pki reads the directory and checks that it can serve from it.
func (s *Services) pki() (*devpki.PKI, error) {
	p, err := devpki.Load(s.dir)
	if err != nil {
		return nil, err
	}
	var missing []string
	if p.TSA == nil {
		missing = append(missing, "tsa.crt/tsa.key")
	}
	if p.OCSP == nil {
		missing = append(missing, "ocsp.crt/ocsp.key")
	}
	if _, err := p.RootKey(); err != nil {
		missing = append(missing, "root.key")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the development PKI in %s lacks %s: run `docflow pki init` to complete it", s.dir, strings.Join(missing, ", "))
	}
	return p, nil
}

func (s *Services) serveTimestamp(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readRequest(w, r, "application/timestamp-query")
	if !ok {
		return
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		s.log.Info("refused a malformed timestamp request", zap.Error(err))
		s.timestampRefusal(w, timestamp.BadDataFormat)
		return
	}
	switch req.HashAlgorithm {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		// SHA-1 and MD5 imprints are refused: a collision would let one
		// token vouch for another document.
		s.timestampRefusal(w, timestamp.BadAlgorithm)
		return
	}
	if len(req.HashedMessage) != req.HashAlgorithm.Size() {
		s.timestampRefusal(w, timestamp.BadDataFormat)
		return
	}
	if len(req.TSAPolicyOID) > 0 && !req.TSAPolicyOID.Equal(PolicyOID) {
		s.timestampRefusal(w, timestamp.UnacceptedPolicy)
		return
	}
	p, err := s.pki()
	if err != nil {
		s.log.Error("cannot issue a timestamp", zap.Error(err))
		s.timestampRefusal(w, timestamp.SystemFailure)
		return
	}
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm,
		HashedMessage: req.HashedMessage,
		Time:          s.now().UTC().Truncate(time.Second),
		Accuracy:      Accuracy,
		Policy:        PolicyOID,
		Nonce:         req.Nonce,
		// certReq asks for the TSA's certificate; the chain up to the root
		// comes with it so the token can be checked on its own.
		AddTSACertificate: req.Certificates,
	}
	if req.Certificates {
		ts.Certificates = p.Chain()
	}
	resp, err := ts.CreateResponseWithOpts(p.TSA.Cert, p.TSA.Key, crypto.SHA256)
	if err != nil {
		s.log.Error("cannot sign a timestamp", zap.Error(err))
		s.timestampRefusal(w, timestamp.SystemFailure)
		return
	}
	s.write(w, "application/timestamp-reply", resp)
}

// timestampRefusal answers with a TimeStampResp of status rejection: RFC
// 3161 clients read the reason from it, not from the HTTP status.
func (s *Services) timestampRefusal(w http.ResponseWriter, why timestamp.FailureInfo) {
	resp, err := timestamp.CreateErrorResponse(timestamp.Rejection, why)
	if err != nil {
		http.Error(w, "cannot encode the refusal", http.StatusInternalServerError)
		return
	}
	s.write(w, "application/timestamp-reply", resp)
}

func (s *Services) serveOCSPPost(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readRequest(w, r, "application/ocsp-request")
	if !ok {
		return
	}
	s.answerOCSP(w, body)
}

func (s *Services) serveOCSPGet(w http.ResponseWriter, r *http.Request) {
	// The request is base64 (standard alphabet) and then URL-escaped; the
	// router has already undone the escaping of the path.
	raw := r.PathValue("request")
	if unescaped, err := url.PathUnescape(raw); err == nil {
		raw = unescaped
	}
	body, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		s.write(w, "application/ocsp-response", ocsp.MalformedRequestErrorResponse)
		return
	}
	s.answerOCSP(w, body)
}

func (s *Services) answerOCSP(w http.ResponseWriter, body []byte) {
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		s.log.Info("refused a malformed OCSP request", zap.Error(err))
		s.write(w, "application/ocsp-response", ocsp.MalformedRequestErrorResponse)
		return
	}
	p, err := s.pki()
	if err != nil {
		s.log.Error("cannot answer OCSP", zap.Error(err))
		s.write(w, "application/ocsp-response", ocsp.InternalErrorErrorResponse)
		return
	}
	if !issuedBy(req, p.Root) {
		// RFC 6960, 2.3: "unauthorized" when the responder does not serve
		// the issuer asked about.
		s.write(w, "application/ocsp-response", ocsp.UnauthorizedErrorResponse)
		return
	}
	// x/crypto/ocsp stamps producedAt with the minute it signs in;
	// thisUpdate must not be later, or NSS refuses the answer.
	now := s.now().UTC().Truncate(time.Minute)
	tmpl := ocsp.Response{
		Status:       ocsp.Unknown,
		SerialNumber: req.SerialNumber,
		ThisUpdate:   now,
		NextUpdate:   now.Add(validityPeriod),
		Certificate:  p.OCSP.Cert,
		IssuerHash:   req.HashAlgorithm,
	}
	if isIssued(p, req.SerialNumber) {
		tmpl.Status = ocsp.Good
	}
	s.mu.Lock()
	rev, revoked := s.revoked[req.SerialNumber.String()]
	s.mu.Unlock()
	if revoked {
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = rev.at
		tmpl.RevocationReason = rev.reason
	}
	s.log.Debug("OCSP status", zap.String("serial", req.SerialNumber.String()), zap.Int("status", tmpl.Status))
	resp, err := ocsp.CreateResponse(p.Root, p.OCSP.Cert, tmpl, p.OCSP.Key)
	if err != nil {
		s.log.Error("cannot sign an OCSP response", zap.Error(err))
		s.write(w, "application/ocsp-response", ocsp.InternalErrorErrorResponse)
		return
	}
	s.write(w, "application/ocsp-response", resp)
}

// issuedBy reports whether an OCSP request asks about a certificate of
// issuer, comparing the hashes of its name and key as the request made them.
func issuedBy(req *ocsp.Request, issuer *x509.Certificate) bool {
	if !req.HashAlgorithm.Available() {
		return false
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	name := req.HashAlgorithm.New()
	name.Write(issuer.RawSubject)
	key := req.HashAlgorithm.New()
	key.Write(spki.PublicKey.RightAlign())
	return string(name.Sum(nil)) == string(req.IssuerNameHash) && string(key.Sum(nil)) == string(req.IssuerKeyHash)
}

func isIssued(p *devpki.PKI, serial *big.Int) bool {
	for _, c := range p.Issued() {
		if c.SerialNumber.Cmp(serial) == 0 {
			return true
		}
	}
	return false
}

func (s *Services) serveCRL(w http.ResponseWriter, _ *http.Request) {
	p, err := s.pki()
	if err != nil {
		s.log.Error("cannot issue the CRL", zap.Error(err))
		http.Error(w, "the development PKI is incomplete: see the service log", http.StatusServiceUnavailable)
		return
	}
	key, err := p.RootKey()
	if err != nil {
		http.Error(w, "the development PKI has no root key", http.StatusServiceUnavailable)
		return
	}
	now := s.now().UTC().Truncate(time.Second)
	tmpl := &x509.RevocationList{
		ThisUpdate: now,
		NextUpdate: now.Add(validityPeriod),
	}
	s.mu.Lock()
	s.crlNumber = s.crlNumber.Add(s.crlNumber, big.NewInt(1))
	tmpl.Number = new(big.Int).Set(s.crlNumber)
	for _, rev := range s.revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber:   rev.serial,
			RevocationTime: rev.at,
			ReasonCode:     rev.reason,
		})
	}
	s.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.Root, key)
	if err != nil {
		s.log.Error("cannot sign the CRL", zap.Error(err))
		http.Error(w, "cannot sign the CRL: see the service log", http.StatusInternalServerError)
		return
	}
	s.write(w, "application/pkix-crl", der)
}

func (s *Services) serveRoot(w http.ResponseWriter, _ *http.Request) {
	root, err := keys.LoadRoot(s.dir)
	if err != nil {
		http.Error(w, "no development root certificate: run `docflow pki init`", http.StatusServiceUnavailable)
		return
	}
	s.write(w, "application/pkix-cert", root.Raw)
}

// readRequest reads a POSTed body of the given media type.
func (s *Services) readRequest(w http.ResponseWriter, r *http.Request, mediaType string) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != mediaType {
		http.Error(w, "send the request as "+mediaType, http.StatusUnsupportedMediaType)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestSize))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "cannot read the request", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

func (s *Services) write(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(body); err != nil {
		s.log.Debug("client went away", zap.Error(err))
	}
}
