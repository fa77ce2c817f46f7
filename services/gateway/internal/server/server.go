// Package server implements docflow's HTTP API (api/http/v1) for people and
// integrators: it authenticates every request, checks the caller's role,
// records each person's action in the audit trail, and hands the work to the
// services over NATS and to the workflows through Temporal Updates.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/exchange"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/webhook"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// Decider delivers a person's decision, or another change (resubmit,
// reassign, recall: chain.Update*), to a document's workflow.
type Decider interface {
	Decide(ctx context.Context, workflowID string, d workflows.Decision) (workflows.DecisionResult, error)
	Change(ctx context.Context, workflowID, update string, arg any) (chain.ChangeResult, error)
	// Handle sends an update of an incoming document's handling workflow.
	Handle(ctx context.Context, workflowID, update string, arg any) (workflows.DecisionResult, error)
	// Reply hands another agency's status receipt to an approval workflow.
	Reply(ctx context.Context, workflowID string, r chain.AgencyReply) error
}

// Issuer delivers a clerk's issue of a signed document (chain.UpdateIssue)
// to its workflow.
type Issuer interface {
	Issue(ctx context.Context, workflowID string, in chain.Issue) (chain.IssueResult, error)
}

// Server is the HTTP API.
type Server struct {
	Auth            *auth.Authenticator
	Read            *readmodel.Store
	Audit           *audit.Log
	Objects         objstore.Store
	DocumentsBucket string
	ArchiveBucket   string
	NATS            *nats.Conn
	Decider         Decider
	Issuer          Issuer
	// Exchange takes issued documents dispatched to other agencies.
	Exchange exchange.Exchange
	// Events publishes the gateway's own events (document.dispatched).
	Events Publisher
	// Webhooks keeps the agencies' webhooks and their deliveries.
	Webhooks       *webhook.Store
	MaxUploadBytes int64
	Ready          map[string]health.Check
	Log            *zap.Logger
	// Directory is the agency directory: /v1/agencies, and the agency names
	// printed on registers.
	Directory *agencies.Directory
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

var _ httpapi.StrictServerInterface = (*Server)(nil)

// Handler is the whole API: routing, authentication, errors.
func (s *Server) Handler() http.Handler {
	strict := httpapi.NewStrictHandlerWithOptions(s, nil, httpapi.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.requestError,
		ResponseErrorHandlerFunc: s.responseError,
	})
	routes := httpapi.HandlerWithOptions(strict, httpapi.StdHTTPServerOptions{
		BaseRouter:       http.NewServeMux(),
		ErrorHandlerFunc: s.requestError,
	})
	return s.authenticate(routes)
}

// public lists the paths that need no token.
var public = map[string]bool{"/v1/auth/login": true, "/healthz": true, "/readyz": true}

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			writeError(w, errs.E("server.authenticate", errs.Unauthenticated, errcode.Unauthenticated,
				"this request needs a bearer token: sign in with POST /v1/auth/login and send Authorization: Bearer <token>"))
			return
		}
		p, err := s.Auth.Verify(token)
		if err != nil {
			writeError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func (s *Server) requestError(w http.ResponseWriter, _ *http.Request, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		err = paramError(err)
	}
	writeError(w, err)
}

// paramError words a parameter the generated router could not read so that
// the caller sees which one, under its name in details.
func paramError(err error) error {
	const op = "server.request"
	var (
		required *httpapi.RequiredParamError
		format   *httpapi.InvalidParamFormatError
		tooMany  *httpapi.TooManyValuesForParamError
	)
	switch {
	case errors.As(err, &required):
		return errs.E(op, errs.Invalid, errcode.InvalidArgument, fmt.Sprintf("the parameter %s is required", required.ParamName)).
			WithDetail(required.ParamName, "required")
	case errors.As(err, &format):
		return errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the parameter %s must be %s", format.ParamName, paramForm(format.ParamName))).
			WithDetail(format.ParamName, "must be "+paramForm(format.ParamName)).WithCause(format.Err)
	case errors.As(err, &tooMany):
		return errs.E(op, errs.Invalid, errcode.InvalidArgument, fmt.Sprintf("give the parameter %s once", tooMany.ParamName)).
			WithDetail(tooMany.ParamName, "repeated")
	}
	return errs.E(op, errs.Invalid, errcode.InvalidArgument, "the request could not be read: "+err.Error())
}

// paramForm says what a query parameter of the API looks like.
func paramForm(name string) string {
	switch name {
	case "year":
		return "a year such as 2026"
	case "from", "to", "at":
		return "a date YYYY-MM-DD"
	case "page_size":
		return "a whole number"
	}
	return "as the API reference describes"
}

func (s *Server) responseError(w http.ResponseWriter, r *http.Request, err error) {
	if errs.HTTPStatus(err) >= 500 {
		s.Log.Error("request failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
	}
	writeError(w, err)
}

// writeError is the one place an error becomes an HTTP response.
func writeError(w http.ResponseWriter, err error) {
	status := errs.HTTPStatus(err)
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="docflow"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errs.Wire(err))
}

// principal is the caller; the authenticate middleware guarantees one on
// every non-public route.
func principal(ctx context.Context) auth.Principal {
	p, _ := auth.FromContext(ctx)
	return p
}

// reader is p as the need-to-know rule of the read model sees them: every
// read of a document on p's behalf goes through it (readmodel/access.go).
func (s *Server) reader(p auth.Principal) readmodel.Reader {
	return readmodel.Reader{Username: p.Username, Role: p.Role, Agency: p.Agency, Clearance: p.Clearance, Now: s.now()}
}

func actor(p auth.Principal) events.Actor {
	return events.Actor{Username: p.Username, Role: p.Role, Agency: p.Agency}
}

// audited records the action of p on target with the outcome of err, and
// returns err. A failure to write the audit trail fails a successful request:
// an action that cannot be audited must not be reported as done.
func (s *Server) audited(ctx context.Context, p auth.Principal, action, target, detail string, err error) error {
	outcome := audit.Allowed
	if err != nil {
		outcome = audit.Failed
		if refused(err) {
			outcome = audit.Refused
		}
		detail = strings.TrimSpace(detail + " " + string(errs.Wire(err).Code))
		// The caller is told the document is not found; the trail keeps
		// that it exists and was withheld.
		if errors.Is(err, readmodel.ErrNeedToKnow) {
			detail += " need_to_know"
		}
	}
	if aerr := s.Audit.Record(context.WithoutCancel(ctx), audit.Entry{
		Actor: p.Username, Role: p.Role, Agency: p.Agency, Action: action, Target: target, Outcome: outcome, Detail: detail,
	}); aerr != nil {
		s.Log.Error("audit trail not written", zap.String("action", action), zap.String("target", target), zap.Error(aerr))
		if err == nil {
			return errs.E("server.audit", errs.Unavailable, errcode.Unavailable, "the action could not be recorded in the audit trail; try again").WithCause(aerr)
		}
	}
	return err
}

// Healthz answers while the process runs.
func (s *Server) Healthz(context.Context, httpapi.HealthzRequestObject) (httpapi.HealthzResponseObject, error) {
	return httpapi.Healthz200JSONResponse{Status: httpapi.LivenessStatusOk}, nil
}

// Readyz answers 200 only when every dependency is reachable.
func (s *Server) Readyz(ctx context.Context, _ httpapi.ReadyzRequestObject) (httpapi.ReadyzResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	status, report := health.Ready(ctx, s.Ready)
	if status != http.StatusOK {
		return httpapi.Readyz503JSONResponse(report), nil
	}
	return httpapi.Readyz200JSONResponse(report), nil
}

// Login exchanges a username and password for a bearer token.
func (s *Server) Login(ctx context.Context, req httpapi.LoginRequestObject) (httpapi.LoginResponseObject, error) {
	if req.Body == nil || req.Body.Username == "" || req.Body.Password == "" {
		return nil, errs.E("server.Login", errs.Invalid, errcode.InvalidArgument, "username and password are required")
	}
	token, exp, p, err := s.Auth.Login(req.Body.Username, req.Body.Password)
	who := p
	if err != nil {
		who = auth.Principal{Username: req.Body.Username}
	}
	if err := s.audited(ctx, who, "auth.login", req.Body.Username, "", err); err != nil {
		return nil, err
	}
	return httpapi.Login200JSONResponse{
		Token: token, ExpiresAt: exp,
		User: httpapi.User{Username: p.Username, FullName: p.FullName, Role: httpapi.Role(p.Role), Agency: p.Agency},
	}, nil
}
