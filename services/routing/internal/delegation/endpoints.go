package delegation

import (
	"context"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/natsx"
)

// Announcer publishes delegation events.
type Announcer interface {
	PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error)
}

// Endpoints serves the delegation endpoints over NATS and announces every
// change as an event (id derived from the delegation, so a retry does not
// announce twice).
func (s *Store) Endpoints(pub Announcer) []natsx.Endpoint {
	return []natsx.Endpoint{
		natsx.Handle(svc.RoutingDelegationsCreate, func(ctx context.Context, req svc.CreateDelegationRequest) (svc.Delegation, error) {
			d, err := s.Create(ctx, req)
			if err != nil {
				return svc.Delegation{}, err
			}
			return d, s.announce(ctx, pub, events.DelegationCreated, d, req.By)
		}),
		natsx.Handle(svc.RoutingDelegationsRevoke, func(ctx context.Context, req svc.RevokeDelegationRequest) (svc.Delegation, error) {
			d, err := s.Revoke(ctx, req.By, req.ID)
			if err != nil {
				return svc.Delegation{}, err
			}
			return d, s.announce(ctx, pub, events.DelegationRevoked, d, req.By)
		}),
		natsx.Handle(svc.RoutingDelegationsList, func(ctx context.Context, req svc.ListDelegationsRequest) (svc.DelegationList, error) {
			if _, err := s.chartOf("delegation.List", req.By.Agency); err != nil {
				return svc.DelegationList{}, err
			}
			list, err := s.List(ctx, Filter{Agency: req.By.Agency, Position: req.Position, Substitute: req.Substitute, Active: req.Active})
			if err != nil {
				return svc.DelegationList{}, err
			}
			if list == nil {
				list = []svc.Delegation{}
			}
			return svc.DelegationList{Items: list}, nil
		}),
	}
}

func (s *Store) announce(ctx context.Context, pub Announcer, t events.Type, d svc.Delegation, by events.Actor) error {
	agency := d.Agency
	at := d.CreatedAt
	if t == events.DelegationRevoked {
		at = d.RevokedAt
	}
	_, err := pub.PublishWithID(ctx, natsx.EventID(string(t)+":"+d.ID), at, t, agency, "", events.DelegationData{
		DelegationID: d.ID, Agency: agency, Position: d.Position, Holder: d.Holder, Substitute: d.Substitute,
		From: d.From, Until: d.Until, Kinds: d.Kinds, Authority: d.Authority, Reference: d.Reference, By: by, At: at,
	})
	return err
}
