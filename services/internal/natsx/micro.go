package natsx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

// Endpoint is one request/reply endpoint of a micro service.
type Endpoint struct {
	Name    string
	Subject string
	// Handle answers a request; the returned value is sent as JSON. An error
	// is sent as a micro error whose code is the HTTP status of its kind and
	// whose body is the errcode.Error a caller can show.
	Handle func(ctx context.Context, data []byte) (any, error)
	// Timeout bounds one request; default 30 s.
	Timeout time.Duration
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
	timeout := ep.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	return func(ctx context.Context, req micro.Request) {
		// Each request runs on its own goroutine: micro delivers an
		// endpoint's requests one at a time otherwise.
		go func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			rep, err := ep.Handle(ctx, req.Data())
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

// Request sends req as JSON to subject and decodes the reply into Rep. A
// service error comes back as *errs.Error with the service's code and
// message; no responder or a timeout is Unavailable.
func Request[Rep any](ctx context.Context, nc *nats.Conn, subject string, req any) (Rep, error) {
	var zero Rep
	op := "request " + subject
	body, err := json.Marshal(req)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	msg, err := nc.RequestWithContext(ctx, subject, body)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
			return zero, errs.E(op, errs.Unavailable, errcode.Unavailable, "the "+serviceOf(subject)+" service did not answer; try again shortly").WithCause(err)
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

func serviceOf(subject string) string {
	// docflow.svc.<service>.<verb>
	if tokens := strings.Split(subject, "."); len(tokens) >= 3 {
		return tokens[2]
	}
	return subject
}
