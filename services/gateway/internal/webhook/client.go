package webhook

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// maxResponseBytes is how much of an answer is read (its headers, and
// separately its body): the status is all that counts, and the start of
// the body explains a refusal in the delivery's last error.
const maxResponseBytes = 64 << 10

// maxRedirects is how many redirects within one host an attempt follows.
const maxRedirects = 3

// NewClient is the HTTP client of the deliverer: each attempt, redirects
// included, ends after timeout; only redirects that keep the scheme, the
// host and the POST (307, 308) are followed.
func NewClient(timeout time.Duration) *http.Client {
	// A transport of its own, not the process's default, so that no other
	// client shares or changes these limits.
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ExpectContinueTimeout: time.Second,
	}
	transport.MaxResponseHeaderBytes = maxResponseBytes
	transport.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: checkRedirect}
}

// checkRedirect refuses a redirect to another scheme or host (the
// subscription's URL is what the clerk approved), one that would turn the
// POST into a GET without the event (301, 302, 303), and a chain longer
// than maxRedirects.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) > maxRedirects:
		return fmt.Errorf("more than %d redirects", maxRedirects)
	case req.URL.Scheme != first.Scheme || req.URL.Host != first.Host:
		return fmt.Errorf("a redirect to another host (%s://%s) is not followed: subscribe the URL that takes the events", req.URL.Scheme, req.URL.Host)
	case req.Response != nil && req.Response.StatusCode != http.StatusTemporaryRedirect && req.Response.StatusCode != http.StatusPermanentRedirect:
		return fmt.Errorf("a redirect with status %d would drop the event (only 307 and 308 keep the POST)", req.Response.StatusCode)
	}
	return nil
}
