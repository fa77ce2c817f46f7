package devtrust

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Server is a running HTTP server of the trust services.
type Server struct {
	// URL is the base URL the services answer under, e.g.
	// http://127.0.0.1:8089; devpki.TSAPath and the other paths follow it.
	URL  string
	done chan error
}

// Start listens on addr (host:port; port 0 picks a free one) and serves h
// until ctx is done. Listening happens before Start returns, so a port in
// use is reported here.
func Start(ctx context.Context, addr string, h http.Handler, log *zap.Logger) (*Server, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devtrust.Start: listen on %s: %w", addr, err)
	}
	return StartListener(ctx, ln, h, log), nil
}

// StartListener serves h on ln until ctx is done. Tests listen first, so the
// certificates they issue can name the services' address.
func StartListener(ctx context.Context, ln net.Listener, h http.Handler, log *zap.Logger) *Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          zap.NewStdLog(log),
	}
	s := &Server{URL: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("development trust services listening (timestamps, OCSP, CRL); not for production", zap.String("url", s.URL))
	go func() {
		select {
		case err := <-serveErr:
			s.done <- err
			return
		case <-ctx.Done():
		}
		// A fresh context: the one that ended cannot bound the shutdown.
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdownCtx)
		if serr := <-serveErr; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		s.done <- err
	}()
	return s
}

// Wait blocks until the server has stopped and returns why, nil after a
// clean shutdown.
func (s *Server) Wait() error { return <-s.done }
