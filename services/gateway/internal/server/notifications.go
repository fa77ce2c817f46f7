package server

import (
	"context"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// ListNotifications lists the caller's notifications, newest first.
func (s *Server) ListNotifications(ctx context.Context, req httpapi.ListNotificationsRequestObject) (httpapi.ListNotificationsResponseObject, error) {
	p := principal(ctx)
	q := readmodel.NotificationQuery{Agency: p.Agency, Recipient: p.Username, PageToken: req.Params.PageToken}
	if req.Params.PageSize != nil {
		q.PageSize = *req.Params.PageSize
	}
	list, next, err := s.Read.Notifications(ctx, q)
	if err != nil {
		return nil, err
	}
	out := httpapi.ListNotifications200JSONResponse{Items: []httpapi.Notification{}, NextPageToken: next}
	for _, n := range list {
		out.Items = append(out.Items, httpapi.Notification{
			ID: n.ID, Kind: httpapi.NotificationKind(n.Kind), TaskID: n.TaskID, DocumentID: n.DocumentID,
			Subject: n.Subject, At: n.At, Deadline: n.Deadline, Message: n.Message,
		})
	}
	return out, nil
}
