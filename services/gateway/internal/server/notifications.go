package server

import (
	"context"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// ListNotifications lists the caller's notifications, newest first.
func (s *Server) ListNotifications(ctx context.Context, req httpapi.ListNotificationsRequestObject) (httpapi.ListNotificationsResponseObject, error) {
	p := principal(ctx)
	list, next, err := s.Read.Notifications(ctx, readmodel.NotificationQuery{
		Agency: p.Agency, Recipient: p.Username, PageSize: pageSize(req.Params.PageSize), PageToken: req.Params.PageToken,
	})
	if err != nil {
		return nil, err
	}
	return httpapi.ListNotifications200JSONResponse{Items: listOf(list, notification), NextPageToken: next}, nil
}

func notification(n readmodel.Notification) httpapi.Notification {
	return httpapi.Notification{
		ID: n.ID, Kind: httpapi.NotificationKind(n.Kind), TaskID: n.TaskID, DocumentID: n.DocumentID,
		Subject: n.Subject, At: n.At, Deadline: n.Deadline, Message: n.Message,
	}
}
