package server

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/webhook"
	"github.com/docflow/docflow/services/internal/errs"
)

// Webhooks are managed by the agency's clerks (văn thư): the exchange desk
// decides what leaves the agency and where to.
const manageWebhooks = "manage the agency's webhooks"

// ListWebhooks lists the webhooks of the caller's agency, without secrets.
func (s *Server) ListWebhooks(ctx context.Context, req httpapi.ListWebhooksRequestObject) (httpapi.ListWebhooksResponseObject, error) {
	p := principal(ctx)
	if err := auth.Require(p, manageWebhooks, auth.RoleClerk); err != nil {
		return nil, err
	}
	subs, next, err := s.Webhooks.Subscriptions(ctx, p.Agency, pageSize(req.Params.PageSize), req.Params.PageToken)
	if err != nil {
		return nil, err
	}
	return httpapi.ListWebhooks200JSONResponse{Items: listOf(subs, webhookOf), NextPageToken: next}, nil
}

// CreateWebhook subscribes a URL to the caller's agency's events; the
// answer is the one place the secret is shown.
func (s *Server) CreateWebhook(ctx context.Context, req httpapi.CreateWebhookRequestObject) (httpapi.CreateWebhookResponseObject, error) {
	p := principal(ctx)
	sub, err := s.createWebhook(ctx, p, req.Body)
	target, detail := sub.ID, ""
	if req.Body != nil {
		detail = "url=" + redactURL(req.Body.URL)
		if len(req.Body.EventTypes) > 0 {
			detail += " event_types=" + strings.Join(req.Body.EventTypes, ",")
		}
	}
	if target == "" {
		target = "webhook"
	}
	if err := s.audited(ctx, p, "webhook.create", target, detail, err); err != nil {
		return nil, err
	}
	w := webhookOf(sub)
	return httpapi.CreateWebhook201JSONResponse{
		ID: w.ID, URL: w.URL, EventTypes: w.EventTypes, Description: w.Description, CreatedAt: w.CreatedAt, CreatedBy: w.CreatedBy,
		Secret: sub.Secret,
	}, nil
}

func (s *Server) createWebhook(ctx context.Context, p auth.Principal, body *httpapi.WebhookRequest) (webhook.Subscription, error) {
	if err := auth.Require(p, manageWebhooks, auth.RoleClerk); err != nil {
		return webhook.Subscription{}, err
	}
	if body == nil {
		return webhook.Subscription{}, errs.E("server.CreateWebhook", errs.Invalid, errcode.InvalidArgument,
			"the body must be a JSON object with url, and optionally event_types and description").WithDetail("url", "required")
	}
	return s.Webhooks.Create(ctx, webhook.NewSubscription{
		Agency: p.Agency, URL: body.URL, EventTypes: body.EventTypes, Description: body.Description, By: p.Username,
	})
}

// DeleteWebhook deletes a webhook of the caller's agency and its deliveries.
func (s *Server) DeleteWebhook(ctx context.Context, req httpapi.DeleteWebhookRequestObject) (httpapi.DeleteWebhookResponseObject, error) {
	p := principal(ctx)
	err := auth.Require(p, manageWebhooks, auth.RoleClerk)
	if err == nil {
		err = s.Webhooks.Delete(ctx, p.Agency, req.ID)
	}
	if err := s.audited(ctx, p, "webhook.delete", req.ID, "", err); err != nil {
		return nil, err
	}
	return httpapi.DeleteWebhook204Response{}, nil
}

// ListWebhookDeliveries lists the deliveries of the caller's agency.
func (s *Server) ListWebhookDeliveries(ctx context.Context, req httpapi.ListWebhookDeliveriesRequestObject) (httpapi.ListWebhookDeliveriesResponseObject, error) {
	p := principal(ctx)
	if err := auth.Require(p, manageWebhooks, auth.RoleClerk); err != nil {
		return nil, err
	}
	list, next, err := s.Webhooks.Deliveries(ctx, webhook.DeliveryQuery{
		Agency: p.Agency, Status: string(req.Params.Status), PageSize: pageSize(req.Params.PageSize), PageToken: req.Params.PageToken,
	})
	if err != nil {
		return nil, err
	}
	return httpapi.ListWebhookDeliveries200JSONResponse{Items: listOf(list, deliveryOf), NextPageToken: next}, nil
}

// ReplayWebhookDelivery sends a dead or delivered delivery again.
func (s *Server) ReplayWebhookDelivery(ctx context.Context, req httpapi.ReplayWebhookDeliveryRequestObject) (httpapi.ReplayWebhookDeliveryResponseObject, error) {
	p := principal(ctx)
	var d webhook.Delivery
	err := auth.Require(p, manageWebhooks, auth.RoleClerk)
	if err == nil {
		d, err = s.Webhooks.Replay(ctx, p.Agency, req.ID)
	}
	detail := ""
	if err == nil {
		detail = "event=" + d.EventID + " webhook=" + d.SubscriptionID
	}
	if err := s.audited(ctx, p, "webhook.replay", req.ID, detail, err); err != nil {
		return nil, err
	}
	return httpapi.ReplayWebhookDelivery200JSONResponse(deliveryOf(d)), nil
}

func webhookOf(sub webhook.Subscription) httpapi.Webhook {
	types := make([]string, len(sub.EventTypes))
	for i, t := range sub.EventTypes {
		types[i] = string(t)
	}
	return httpapi.Webhook{
		ID: sub.ID, URL: sub.URL, EventTypes: types, Description: sub.Description,
		CreatedAt: sub.CreatedAt.In(vntime.Zone), CreatedBy: sub.CreatedBy,
	}
}

func deliveryOf(d webhook.Delivery) httpapi.WebhookDelivery {
	out := httpapi.WebhookDelivery{
		ID: d.ID, WebhookID: d.SubscriptionID, URL: d.URL, EventID: d.EventID, EventType: string(d.EventType),
		Status: httpapi.WebhookDeliveryStatus(d.Status), Attempts: d.Attempts, LastError: d.LastError,
		CreatedAt:     d.CreatedAt.In(vntime.Zone),
		NextAttemptAt: optionalTime(d.NextAttemptAt), DeliveredAt: optionalTime(d.DeliveredAt),
	}
	if d.LastStatusCode != 0 {
		code := d.LastStatusCode
		out.LastStatusCode = &code
	}
	return out
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(vntime.Zone)
	return &t
}

// redactURL is a URL for the audit trail: without its query, where a
// receiver may expect a token of its own.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
