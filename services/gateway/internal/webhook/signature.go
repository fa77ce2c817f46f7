package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook request.
const (
	HeaderEventID   = "Docflow-Event-Id"
	HeaderTimestamp = "Docflow-Timestamp"
	HeaderSignature = "Docflow-Signature"
	// ContentType is the body's media type: a CloudEvent in structured mode.
	ContentType = "application/cloudevents+json"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// signatureVersion prefixes the signature; a new scheme gets a new version,
// sent alongside v1 while receivers move over.
const signatureVersion = "v1"

// Headers are the values of a request's signature headers.
type Headers struct {
	EventID   string // Docflow-Event-Id
	Timestamp string // Docflow-Timestamp: unix seconds
	Signature string // Docflow-Signature: v1=<hex>, possibly several separated by commas
}

// HeadersOf reads the signature headers of a request.
func HeadersOf(h http.Header) Headers {
	return Headers{EventID: h.Get(HeaderEventID), Timestamp: h.Get(HeaderTimestamp), Signature: h.Get(HeaderSignature)}
}

// Sign is the Docflow-Signature value of body sent as event id at t.
func Sign(secret, eventID string, t time.Time, body []byte) string {
	return signatureVersion + "=" + hex.EncodeToString(mac(secret, strconv.FormatInt(t.Unix(), 10), eventID, body))
}

func mac(secret, timestamp, eventID string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write([]byte(eventID))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify, to tell a forged request from a late one.
var (
	ErrUnsigned     = errors.New("webhook: the request is not signed")
	ErrBadSignature = errors.New("webhook: the signature does not match")
	ErrStale        = errors.New("webhook: the timestamp is outside the tolerance")
)

// Verify checks that body, sent with the headers h, was signed with secret
// at a time within tolerance of now (DefaultTolerance when tolerance is 0
// or less). The error wraps ErrUnsigned, ErrBadSignature or ErrStale.
func Verify(secret string, h Headers, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if h.EventID == "" || h.Timestamp == "" || h.Signature == "" {
		return fmt.Errorf("%w: %s, %s and %s are all required", ErrUnsigned, HeaderEventID, HeaderTimestamp, HeaderSignature)
	}
	secs, err := strconv.ParseInt(h.Timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not unix seconds", ErrBadSignature, HeaderTimestamp, h.Timestamp)
	}
	want := mac(secret, h.Timestamp, h.EventID, body)
	matched := false
	for _, part := range strings.Split(h.Signature, ",") {
		version, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || version != signatureVersion {
			continue
		}
		got, err := hex.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			matched = true
			break
		}
	}
	if !matched {
		return fmt.Errorf("%w: no %s signature in %s matches the body with this secret", ErrBadSignature, signatureVersion, HeaderSignature)
	}
	// The timestamp is checked after the signature: only a genuine one says
	// anything about when the request was sent.
	if skew := now.Sub(time.Unix(secs, 0)).Abs(); skew > tolerance {
		return fmt.Errorf("%w: signed %s from now, more than %s", ErrStale, skew.Round(time.Second), tolerance)
	}
	return nil
}
