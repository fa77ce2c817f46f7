package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
)

// Defaults of a Deliverer.
const (
	DefaultTimeout = 10 * time.Second
	DefaultPoll    = time.Second
	DefaultWorkers = 4
)

// leaseMargin is added to the attempt's timeout to make the claim's lease:
// a delivery is taken again only when its attempt has surely ended.
const leaseMargin = time.Minute

// Deliverer sends the due deliveries of a Store.
type Deliverer struct {
	Store   *Store
	Client  *http.Client // NewClient(Timeout) when nil
	Backoff Backoff
	// Timeout bounds each attempt, redirects included.
	Timeout time.Duration
	// Poll is how often the deliverer looks for deliveries whose retry came
	// due; new deliveries and replays wake it at once.
	Poll time.Duration
	// Workers is how many attempts run at once, so that one slow receiver
	// does not hold up the others.
	Workers int
	Log     *zap.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (d *Deliverer) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Run sends due deliveries until ctx ends, then waits for the attempts in
// hand; one cut short is given back, uncounted.
func (d *Deliverer) Run(ctx context.Context) {
	timeout, poll, workers := d.Timeout, d.Poll, d.Workers
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if poll <= 0 {
		poll = DefaultPoll
	}
	if workers <= 0 {
		workers = DefaultWorkers
	}
	client := d.Client
	if client == nil {
		client = NewClient(timeout)
	}
	log := d.Log
	if log == nil {
		log = zap.NewNop()
	}
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		// Claim only as many as there are free workers: a claimed delivery
		// waiting for a worker would spend its lease idle.
		if free := workers - len(slots); free > 0 {
			ids, err := d.Store.due(ctx, d.now(), free)
			if err != nil && ctx.Err() == nil {
				log.Warn("webhook deliveries could not be read; trying again", zap.Error(err))
			}
			for _, id := range ids {
				a, ok, err := d.Store.claim(ctx, id, d.now(), timeout+leaseMargin)
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("a webhook delivery could not be claimed", zap.String("delivery_id", id), zap.Error(err))
					}
					continue
				}
				if !ok {
					continue
				}
				slots <- struct{}{}
				wg.Go(func() {
					defer func() { <-slots }()
					d.attempt(ctx, client, timeout, a, log)
				})
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-d.Store.wake:
		case <-tick.C:
		}
	}
}

// attempt sends a and records the outcome.
func (d *Deliverer) attempt(ctx context.Context, client *http.Client, timeout time.Duration, a attempt, log *zap.Logger) {
	log = log.With(zap.String("delivery_id", a.id), zap.String("event_id", a.eventID), zap.Int("attempt", a.attempts))
	status, err := d.send(ctx, client, timeout, a)
	// The outcome is written even when the shutdown began meanwhile: it is
	// what happened.
	wctx := context.WithoutCancel(ctx)
	now := d.now()
	switch {
	case err == nil:
		err = d.Store.delivered(wctx, a, status, now)
	case ctx.Err() != nil:
		log.Info("webhook attempt cut short by the shutdown; it will be made again")
		err = d.Store.giveBack(wctx, a, now)
	default:
		wait := d.Backoff.Wait(a.attempts)
		if a.attempts >= MaxAttempts {
			log.Warn("webhook delivery failed for the last time; it is on the dead-letter list", zap.Int("status", status), zap.Error(err))
		} else {
			log.Info("webhook attempt failed; trying again later", zap.Int("status", status), zap.Duration("wait", wait), zap.Error(err))
		}
		err = d.Store.failed(wctx, a, status, err.Error(), now.Add(wait))
	}
	if err != nil {
		log.Error("the outcome of a webhook attempt could not be recorded; the attempt will be made again when its lease ends", zap.Error(err))
	}
}

// send makes one attempt; the error says why it failed, in words for the
// clerk reading the delivery's last error.
func (d *Deliverer) send(ctx context.Context, client *http.Client, timeout time.Duration, a attempt) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(a.body))
	if err != nil {
		return 0, fmt.Errorf("the URL cannot be requested: %w", err)
	}
	at := d.now()
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "docflow-webhooks/1")
	req.Header.Set(HeaderEventID, a.eventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(a.secret, a.eventID, at, a.body))
	res, err := client.Do(req)
	if err != nil {
		return 0, describe(err, timeout)
	}
	defer func() { _ = res.Body.Close() }()
	start, _ := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return res.StatusCode, nil
	}
	msg := "the receiver answered " + res.Status
	if excerpt := excerpt(start); excerpt != "" {
		msg += ": " + excerpt
	}
	return res.StatusCode, errors.New(msg)
}

// describe words a failed request without the URL, which the delivery
// shows beside it.
func describe(err error, timeout time.Duration) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if uerr.Timeout() {
			return fmt.Errorf("no answer within %s", timeout)
		}
		err = uerr.Err
	}
	return err
}

// excerpt is the start of a refusal's body, on one line.
func excerpt(body []byte) string {
	const limit = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}
