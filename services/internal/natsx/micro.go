package natsx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

// Endpoint is one request/reply endpoint of a micro service, as Handle
// makes it.
type Endpoint struct {
	Name    string
	Subject string
	// handle answers a request; the returned value is sent as JSON. An error
	// is sent as a micro error whose code is the HTTP status of its kind and
	// whose body is the errcode.Error a caller can show.
	handle func(ctx context.Context, data []byte) (any, error)
	// timeout bounds one request; default 30 s.
	timeout time.Duration
}

// Handle serves ep with h: the request is decoded from JSON into ep's
// request type (a request that does not decode is refused as invalid, and
// h never sees it), h answers it, and its reply goes back as JSON.
func Handle[Req, Rep any](ep svc.Endpoint[Req, Rep], h func(context.Context, Req) (Rep, error)) Endpoint {
	return Endpoint{Name: ep.Name(), Subject: ep.Subject, handle: func(ctx context.Context, data []byte) (any, error) {
		var req Req
		if err := json.Unmarshal(data, &req); err != nil {
			return nil, errs.E("natsx.Handle "+ep.Subject, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("the request to %s is not valid JSON for that endpoint: %v", ep.Subject, err)).WithCause(err)
		}
		return h(ctx, req)
	}}
}

// WithTimeout bounds each request to e by d instead of 30 s.
func (e Endpoint) WithTimeout(d time.Duration) Endpoint {
	e.timeout = d
	return e
}

// Serve starts a micro service with the endpoints. Requests are handled
// concurrently; stop it with Stop.
func Serve(nc *nats.Conn, name, description string, log *zap.Logger, endpoints ...Endpoint) (micro.Service, error) {
	srv, err := micro.AddService(nc, micro.Config{
		Name:        "docflow-" + name,
		Version:     svc.Version,
		Description: description,
	})
	if err != nil {
		return nil, fmt.Errorf("natsx.Serve %s: %w", name, err)
	}
	for _, ep := range endpoints {
		h := handler(ep, log.With(zap.String("endpoint", ep.Subject)))
		if err := srv.AddEndpoint(ep.Name, micro.ContextHandler(context.Background(), h), micro.WithEndpointSubject(ep.Subject)); err != nil {
			return nil, errors.Join(fmt.Errorf("natsx.Serve %s: endpoint %s: %w", name, ep.Subject, err), srv.Stop())
		}
	}
	return srv, nil
}

func handler(ep Endpoint, log *zap.Logger) func(context.Context, micro.Request) {
	timeout := ep.timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	return func(ctx context.Context, req micro.Request) {
		// Each request runs on its own goroutine: micro delivers an
		// endpoint's requests one at a time otherwise.
		go func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			rep, err := ep.handle(ctx, req.Data())
			if err != nil {
				respondError(req, err, log)
				return
			}
			body, err := json.Marshal(rep)
			if err != nil {
				respondError(req, fmt.Errorf("encode reply: %w", err), log)
				return
			}
			if err := req.Respond(body); err != nil {
				log.Warn("reply not sent", zap.Error(err))
			}
		}()
	}
}

func respondError(req micro.Request, err error, log *zap.Logger) {
	status := errs.HTTPStatus(err)
	if status >= 500 {
		log.Error("request failed", zap.Error(err))
	} else {
		log.Info("request refused", zap.Error(err))
	}
	w := errs.Wire(err)
	body, _ := json.Marshal(w)
	if rerr := req.Error(strconv.Itoa(status), w.Message, body); rerr != nil {
		log.Warn("error reply not sent", zap.Error(rerr))
	}
}

// Call sends req to ep as JSON and decodes the reply. A service error comes
// back as *errs.Error with the service's code and message; no responder or
// a timeout is Unavailable. Without a deadline on ctx, the call waits 30 s.
func Call[Req, Rep any](ctx context.Context, nc *nats.Conn, ep svc.Endpoint[Req, Rep], req Req) (Rep, error) {
	var zero Rep
	op := "natsx.Call " + ep.Subject
	body, err := json.Marshal(req)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	msg, err := nc.RequestWithContext(ctx, ep.Subject, body)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
			return zero, errs.E(op, errs.Unavailable, errcode.Unavailable, "the "+ep.Service()+" service did not answer; try again shortly").WithCause(err)
		}
		return zero, errs.Wrap(op, err)
	}
	if code := msg.Header.Get(micro.ErrorCodeHeader); code != "" {
		status, _ := strconv.Atoi(code)
		var w errcode.Error
		if jerr := json.Unmarshal(msg.Data, &w); jerr != nil || w.Code == "" {
			w = errcode.Error{Code: errcode.Internal, Message: msg.Header.Get(micro.ErrorHeader)}
		}
		if status == 0 {
			status = http.StatusInternalServerError
		}
		return zero, errs.FromWire(op, status, w)
	}
	var rep Rep
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return zero, fmt.Errorf("%s: decode reply: %w", op, err)
	}
	return rep, nil
}
