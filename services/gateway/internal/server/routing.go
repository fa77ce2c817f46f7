package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
)

// The routing views and delegations are answered by the routing service;
// the gateway authenticates, records people's changes in the audit trail
// and passes the caller along, so routing applies its own rules of who may
// change a position's delegations.

// GetRoutingRules shows the rules in force.
func (s *Server) GetRoutingRules(ctx context.Context, _ httpapi.GetRoutingRulesRequestObject) (httpapi.GetRoutingRulesResponseObject, error) {
	p := principal(ctx)
	out, err := callAs[httpapi.RoutingRules](ctx, s, svc.RoutingRules, svc.RulesRequest{By: actor(p)})
	return httpapi.GetRoutingRules200JSONResponse(out), err
}

// GetOrgChart shows the caller's agency with today's substitutes.
func (s *Server) GetOrgChart(ctx context.Context, _ httpapi.GetOrgChartRequestObject) (httpapi.GetOrgChartResponseObject, error) {
	p := principal(ctx)
	out, err := callAs[httpapi.OrgChart](ctx, s, svc.RoutingOrgChart, svc.OrgChartRequest{By: actor(p), At: s.now()})
	return httpapi.GetOrgChart200JSONResponse(out), err
}

// ListDelegations lists the agency's delegations.
func (s *Server) ListDelegations(ctx context.Context, req httpapi.ListDelegationsRequestObject) (httpapi.ListDelegationsResponseObject, error) {
	p := principal(ctx)
	q := svc.ListDelegationsRequest{Position: req.Params.Position, Substitute: req.Params.Substitute, Active: req.Params.ActiveAt, By: actor(p)}
	out, err := callAs[httpapi.DelegationList](ctx, s, svc.RoutingDelegationsList, q)
	return httpapi.ListDelegations200JSONResponse(out), err
}

// CreateDelegation names a substitute for a position.
func (s *Server) CreateDelegation(ctx context.Context, req httpapi.CreateDelegationRequestObject) (httpapi.CreateDelegationResponseObject, error) {
	const op = "server.CreateDelegation"
	p := principal(ctx)
	var (
		d   svc.Delegation
		err error
	)
	target := ""
	if req.Body == nil {
		err = errs.E(op, errs.Invalid, errcode.InvalidArgument,
			"send {\"position\": \"…\", \"substitute\": \"…\", \"from\": \"…\", \"until\": \"…\"}").WithDetail("position", "required")
	} else {
		b := req.Body
		target = b.Position
		d, err = natsx.Call(ctx, s.NATS, svc.RoutingDelegationsCreate, svc.CreateDelegationRequest{
			Position: b.Position, Substitute: b.Substitute, From: b.From, Until: b.Until,
			Kinds: b.Kinds, Authority: string(b.Authority), Reference: b.Reference, Reason: b.Reason, By: actor(p),
		})
	}
	detail := ""
	if req.Body != nil {
		detail = fmt.Sprintf("substitute=%s from=%s until=%s", req.Body.Substitute, req.Body.From.Format(time.RFC3339), req.Body.Until.Format(time.RFC3339))
	}
	if err := s.audited(ctx, p, "delegation.create", target, detail, err); err != nil {
		return nil, err
	}
	out, err := recode[httpapi.Delegation](d)
	return httpapi.CreateDelegation201JSONResponse(out), err
}

// RevokeDelegation ends a delegation now.
func (s *Server) RevokeDelegation(ctx context.Context, req httpapi.RevokeDelegationRequestObject) (httpapi.RevokeDelegationResponseObject, error) {
	p := principal(ctx)
	d, err := natsx.Call(ctx, s.NATS, svc.RoutingDelegationsRevoke, svc.RevokeDelegationRequest{ID: req.ID, By: actor(p)})
	if err := s.audited(ctx, p, "delegation.revoke", req.ID, d.Position, err); err != nil {
		return nil, err
	}
	out, err := recode[httpapi.Delegation](d)
	return httpapi.RevokeDelegation200JSONResponse(out), err
}

// callAs calls a service and converts its reply to the HTTP form T.
func callAs[T, Req, Rep any](ctx context.Context, s *Server, ep svc.Endpoint[Req, Rep], req Req) (T, error) {
	rep, err := natsx.Call(ctx, s.NATS, ep, req)
	if err != nil {
		var zero T
		return zero, err
	}
	return recode[T](rep)
}

// recode converts between the NATS and HTTP forms of one contract, which
// share their JSON field names by design.
func recode[T any](v any) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return out, errs.E("server.recode", errs.Internal, errcode.Internal, "the answer could not be converted").WithCause(err)
	}
	return out, nil
}
