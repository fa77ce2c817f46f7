package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/docflow/docflow/services/gateway/internal/webhook"
)

// The signature is the documented HMAC, and Verify takes only a genuine,
// fresh request.
func TestVerify(t *testing.T) {
	t.Parallel()
	const secret, id = "whsec_test", "0b8e5a6c-1f2d-4e3a-9b7c-5d6e7f8a9b0c"
	body := []byte(`{"specversion":"1.0","id":"0b8e5a6c-1f2d-4e3a-9b7c-5d6e7f8a9b0c"}`)
	sent := time.Unix(1_773_000_000, 0)
	sig := webhook.Sign(secret, id, sent, body)

	// Recomputed here from the package doc, not by the package.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(sent.Unix(), 10) + "." + id + "." + string(body)))
	if want := "v1=" + hex.EncodeToString(m.Sum(nil)); sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}

	h := http.Header{}
	h.Set(webhook.HeaderEventID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	good := webhook.HeadersOf(h)

	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = 'd'
	for _, tc := range []struct {
		name      string
		secret    string
		h         webhook.Headers
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"genuine", secret, good, body, sent.Add(4 * time.Minute), 0, nil},
		{"genuine, clock behind", secret, good, body, sent.Add(-4 * time.Minute), 0, nil},
		{"rotating: one of two signatures", secret, webhook.Headers{EventID: id, Timestamp: good.Timestamp, Signature: "v1=00ff, " + sig}, body, sent, 0, nil},
		{"late", secret, good, body, sent.Add(6 * time.Minute), 0, webhook.ErrStale},
		{"late for a tighter tolerance", secret, good, body, sent.Add(2 * time.Minute), time.Minute, webhook.ErrStale},
		{"another secret", "whsec_other", good, body, sent, 0, webhook.ErrBadSignature},
		{"tampered body", secret, good, tampered, sent, 0, webhook.ErrBadSignature},
		{"another event id", secret, webhook.Headers{EventID: "other", Timestamp: good.Timestamp, Signature: sig}, body, sent, 0, webhook.ErrBadSignature},
		{"moved timestamp", secret, webhook.Headers{EventID: id, Timestamp: strconv.FormatInt(sent.Unix()+1, 10), Signature: sig}, body, sent, 0, webhook.ErrBadSignature},
		{"not a number", secret, webhook.Headers{EventID: id, Timestamp: "yesterday", Signature: sig}, body, sent, 0, webhook.ErrBadSignature},
		{"another version", secret, webhook.Headers{EventID: id, Timestamp: good.Timestamp, Signature: "v0=" + sig[3:]}, body, sent, 0, webhook.ErrBadSignature},
		{"unsigned", secret, webhook.Headers{EventID: id, Timestamp: good.Timestamp}, body, sent, 0, webhook.ErrUnsigned},
	} {
		err := webhook.Verify(tc.secret, tc.h, tc.body, tc.now, tc.tolerance)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// The waits double from the base up to the cap, spread by ±20 %.
func TestBackoff(t *testing.T) {
	t.Parallel()
	middle := webhook.Backoff{Base: 10 * time.Second, Max: 6 * time.Hour, Jitter: func() float64 { return 0.5 }}
	var total time.Duration
	for n, want := range []time.Duration{10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240} {
		got := middle.Wait(n + 1)
		if got != want*time.Second {
			t.Errorf("wait after attempt %d: %s, want %s", n+1, got, want*time.Second)
		}
		total += got
	}
	if want := 5*time.Hour + 41*time.Minute + 10*time.Second; total != want {
		t.Errorf("the schedule spans %s, want %s as documented", total, want)
	}
	if got := middle.Wait(30); got != 6*time.Hour {
		t.Errorf("a late wait is %s, want the cap 6h", got)
	}
	low := webhook.Backoff{Base: 10 * time.Second, Max: time.Hour, Jitter: func() float64 { return 0 }}
	high := webhook.Backoff{Base: 10 * time.Second, Max: time.Hour, Jitter: func() float64 { return 0.999999 }}
	if got := low.Wait(2); got != 16*time.Second {
		t.Errorf("lowest jitter: %s, want 16s", got)
	}
	if got := high.Wait(2); got < 23*time.Second || got >= 24*time.Second {
		t.Errorf("highest jitter: %s, want just under 24s", got)
	}
	if got := high.Wait(20); got != time.Hour {
		t.Errorf("jitter above the cap: %s, want the cap", got)
	}
	random := webhook.Backoff{Base: time.Second, Max: time.Hour}
	for range 100 {
		if got := random.Wait(3); got < 3200*time.Millisecond || got > 4800*time.Millisecond {
			t.Fatalf("random jitter gave %s, want within 4s ±20%%", got)
		}
	}
}
