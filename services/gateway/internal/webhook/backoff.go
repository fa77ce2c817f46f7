package webhook

import (
	"math/rand/v2"
	"time"
)

// Backoff is the wait before the next attempt of a failed delivery (see
// the package doc for the schedule).
type Backoff struct {
	Base time.Duration // the wait after the first failed attempt
	Max  time.Duration // no wait is longer
	// Jitter returns a number in [0, 1); nil uses math/rand. Spreading the
	// waits keeps the deliveries to a receiver that was down from all
	// arriving in the same instant when it returns.
	Jitter func() float64
}

// Defaults of the schedule.
const (
	DefaultRetryBase = 10 * time.Second
	DefaultRetryMax  = 6 * time.Hour
)

// jitterSpread is how far a wait may be from its nominal value, as a
// fraction: ±20 %.
const jitterSpread = 0.2

// Wait is the wait after the n-th failed attempt (n from 1):
// Base·2^(n−1), capped at Max, then spread by ±20 %, never above Max.
func (b Backoff) Wait(n int) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = DefaultRetryBase
	}
	if limit <= 0 {
		limit = DefaultRetryMax
	}
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	jitter := rand.Float64
	if b.Jitter != nil {
		jitter = b.Jitter
	}
	spread := 1 - jitterSpread + 2*jitterSpread*jitter()
	return min(time.Duration(float64(d)*spread), limit)
}
