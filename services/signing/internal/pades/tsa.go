package pades

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
)

// Timestamp requests: each authority is asked this many times before the
// next one is, with a growing pause between attempts; a refusal by the
// authority itself is not retried there.
const (
	tsaAttempts   = 2
	tsaRetryPause = 300 * time.Millisecond
	// RFC 3161 replies are a few KiB; the bound keeps a broken server from
	// filling memory.
	maxTSAReply = 1 << 20
	maxTSAQuery = 64 << 10
	tsaTimeout  = 15 * time.Second
)

// tsaRelay stands between pdfsign and the configured timestamp authorities.
// pdfsign asks exactly one TSA URL with an HTTP client of its own; the relay,
// listening on a loopback port for the duration of one Sign, is that URL. It
// forwards each query to the authorities in order, with retries, over the
// request's HTTP client, and remembers every failure so the error can name
// every server tried. It never answers a query itself: no authority, no
// timestamp.
type tsaRelay struct {
	urls   []string
	client *http.Client

	mu       sync.Mutex
	failures []string
	// lastFailed is whether the most recent query found no authority.
	lastFailed bool
	// granted is the last timestamp an authority issued; its certificates
	// go into the DSS at B-LT.
	granted *timestamp.Timestamp

	srv  *http.Server
	url  string
	done chan struct{}
	// budget is the longest one query may take when every authority is
	// tried and every attempt runs into its timeout.
	budget time.Duration
}

func startRelay(ctx context.Context, urls []string, client *http.Client) (*tsaRelay, error) {
	if client == nil {
		client = &http.Client{Timeout: tsaTimeout}
	}
	perAttempt := client.Timeout
	if perAttempt <= 0 {
		perAttempt = time.Minute
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("open the loopback port for timestamp requests: %w", err)
	}
	t := &tsaRelay{
		urls:   urls,
		client: client,
		url:    "http://" + ln.Addr().String() + "/",
		done:   make(chan struct{}),
		budget: time.Duration(len(urls)*tsaAttempts)*(perAttempt+tsaAttempts*tsaRetryPause) + 10*time.Second,
	}
	t.srv = &http.Server{
		Handler:           t,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      t.budget,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		defer close(t.done)
		_ = t.srv.Serve(ln) // ErrServerClosed once stop closes it
	}()
	return t, nil
}

func (t *tsaRelay) stop() {
	_ = t.srv.Close() // closes the listener and any connection left
	<-t.done
}

func (t *tsaRelay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	query, err := io.ReadAll(io.LimitReader(r.Body, maxTSAQuery))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "not a timestamp query", http.StatusBadRequest)
		return
	}
	reply, err := t.forward(r.Context(), query)
	if err != nil {
		http.Error(w, "no timestamp authority answered", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(reply) // pdfsign reports a reply it did not get
}

// forward asks the authorities in order until one grants a timestamp.
func (t *tsaRelay) forward(ctx context.Context, query []byte) ([]byte, error) {
	req, err := timestamp.ParseRequest(query)
	if err != nil {
		return nil, fmt.Errorf("parse timestamp query: %w", err)
	}
	for _, u := range t.urls {
		for attempt := 1; attempt <= tsaAttempts; attempt++ {
			if attempt > 1 {
				select {
				case <-ctx.Done():
					return nil, t.fail(u, attempt, ctx.Err())
				case <-time.After(time.Duration(attempt-1) * tsaRetryPause):
				}
			}
			reply, ts, retry, err := t.ask(ctx, u, query, req)
			if err == nil {
				t.mu.Lock()
				t.granted, t.lastFailed = ts, false
				t.mu.Unlock()
				return reply, nil
			}
			err = t.fail(u, attempt, err)
			if ctx.Err() != nil {
				return nil, err
			}
			if !retry {
				break
			}
		}
	}
	return nil, errors.New("no timestamp authority answered")
}

func (t *tsaRelay) fail(u string, attempt int, err error) error {
	// The URL is named once, before the attempt.
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = append(t.failures, fmt.Sprintf("%s (attempt %d: %v)", u, attempt, err))
	t.lastFailed = true
	return err
}

// ask sends the query to one authority. retry says whether asking the same
// authority again may help: a network failure or a server error may pass, a
// refusal or a reply that does not match the query will not.
func (t *tsaRelay) ask(ctx context.Context, u string, query []byte, req *timestamp.Request) (reply []byte, ts *timestamp.Timestamp, retry bool, err error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(query))
	if err != nil {
		return nil, nil, false, err
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := t.client.Do(hreq)
	if err != nil {
		return nil, nil, true, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, resp.StatusCode >= 500, fmt.Errorf("HTTP %s", resp.Status)
	}
	reply, err = io.ReadAll(io.LimitReader(resp.Body, maxTSAReply+1))
	if err != nil {
		return nil, nil, true, fmt.Errorf("read reply: %w", err)
	}
	if len(reply) > maxTSAReply {
		return nil, nil, false, fmt.Errorf("reply larger than %d bytes", maxTSAReply)
	}
	ts, err = timestamp.ParseResponse(reply)
	if err != nil {
		return nil, nil, false, fmt.Errorf("no timestamp in the reply: %w", err)
	}
	switch {
	case ts.HashAlgorithm != req.HashAlgorithm || !bytes.Equal(ts.HashedMessage, req.HashedMessage):
		return nil, nil, false, errors.New("the timestamp is for other data than asked")
	case req.Nonce != nil && (ts.Nonce == nil || ts.Nonce.Cmp(req.Nonce) != 0):
		return nil, nil, false, errors.New("the timestamp does not echo the nonce")
	case len(ts.Certificates) == 0:
		return nil, nil, false, errors.New("the reply does not include the authority's certificate")
	}
	return reply, ts, false, nil
}

// failed reports whether the last query went unanswered and, if so, every
// attempt made during this Sign.
func (t *tsaRelay) failed() (bool, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastFailed, strings.Join(t.failures, "; ")
}

// take returns the last timestamp granted and forgets it, so the next step
// learns of its own timestamp only.
func (t *tsaRelay) take() *timestamp.Timestamp {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.granted
	t.granted = nil
	return ts
}
