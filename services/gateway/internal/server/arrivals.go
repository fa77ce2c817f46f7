package server

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
)

// ListExchangeArrivals lists the packages other agencies sent the caller's
// agency, for its clerk to register.
func (s *Server) ListExchangeArrivals(ctx context.Context, _ httpapi.ListExchangeArrivalsRequestObject) (httpapi.ListExchangeArrivalsResponseObject, error) {
	p := principal(ctx)
	list, err := func() ([]readmodel.ExchangeArrival, error) {
		if err := auth.Require(p, "see the documents that arrived over the exchange", auth.RoleClerk); err != nil {
			return nil, err
		}
		return s.Read.ExchangeArrivals(ctx, p.Agency)
	}()
	if err := s.audited(ctx, p, "exchange.arrivals.list", p.Agency, "", err); err != nil {
		return nil, err
	}
	return httpapi.ListExchangeArrivals200JSONResponse{Items: listOf(list, exchangeArrival)}, nil
}

func exchangeArrival(a readmodel.ExchangeArrival) httpapi.ExchangeArrival {
	return httpapi.ExchangeArrival{
		ID: a.ID, FromAgency: httpapi.AgencyID(a.FromAgency), FromName: a.FromName, Code: a.Code(), Subject: a.Subject,
		Kind: a.Kind, TypeName: a.TypeName, Urgency: httpapi.Urgency(a.Urgency), PromulgatedOn: a.PromulgatedOn, DueOn: a.DueOn,
		ReceivedAt: a.ReceivedAt, Registered: a.DocumentID != "", DocumentID: a.DocumentID, RegisteredAt: optionalTime(a.RegisteredAt),
	}
}

// RegisterExchangeArrival registers an arrival as an incoming document, as
// an upload is registered: intake takes the package's PDF from a staging
// copy, with the details the package gives.
func (s *Server) RegisterExchangeArrival(ctx context.Context, req httpapi.RegisterExchangeArrivalRequestObject) (httpapi.RegisterExchangeArrivalResponseObject, error) {
	p := principal(ctx)
	rep, err := s.registerArrival(ctx, p, req.ID)
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("document_id=%s arrival_number=%d", rep.DocumentID, rep.ArrivalNumber)
	}
	if err := s.audited(ctx, p, "exchange.arrival.register", req.ID, detail, err); err != nil {
		return nil, err
	}
	return httpapi.RegisterExchangeArrival201JSONResponse{
		Body:    summaryOf(rep),
		Headers: httpapi.RegisterExchangeArrival201ResponseHeaders{Location: "/v1/documents/" + rep.DocumentID},
	}, nil
}

func (s *Server) registerArrival(ctx context.Context, p auth.Principal, id string) (svc.AcceptReply, error) {
	const op = "server.RegisterExchangeArrival"
	if err := auth.Require(p, "register documents that arrived over the exchange", auth.RoleClerk); err != nil {
		return svc.AcceptReply{}, err
	}
	a, err := s.Read.ExchangeArrival(ctx, p.Agency, id)
	if err != nil {
		return svc.AcceptReply{}, err
	}
	if a.DocumentID != "" {
		return svc.AcceptReply{}, errs.E(op, errs.Conflict, errcode.Conflict,
			fmt.Sprintf("arrival %s is already registered as document %s", id, a.DocumentID)).WithDetail("document_id", a.DocumentID)
	}
	meta, err := arrivalMetadata(op, a)
	if err != nil {
		return svc.AcceptReply{}, err
	}
	staged, err := s.stageArrival(ctx, op, a)
	if err != nil {
		return svc.AcceptReply{}, err
	}
	// Intake removes the staged copy whatever the outcome; the arrival's
	// own file stays, so a refused registration can be tried again.
	return natsx.Call(ctx, s.NATS, svc.IntakeAccept, svc.AcceptRequest{Staged: staged, Metadata: meta, By: actor(p)})
}

// arrivalMetadata is what an upload's metadata part would say of the
// arrival: the details the sender's package gives. A document that came
// over the exchange is not secret: secret documents never travel
// electronically (DOMAIN.md §3).
func arrivalMetadata(op string, a readmodel.ExchangeArrival) (svc.DocumentMetadata, error) {
	if a.Kind == "" {
		return svc.DocumentMetadata{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the sender's document type %q is none of the kinds this installation registers; register the document by upload, choosing its kind", a.TypeName)).
			WithDetail("kind", "unknown")
	}
	urgency := a.Urgency
	if urgency == "" {
		urgency = "THUONG"
	}
	return svc.DocumentMetadata{
		Kind: a.Kind, Subject: a.Subject, Urgency: urgency, Confidentiality: "NONE",
		Issuer: a.FromName, IssuerID: a.FromAgency, Symbol: a.Code(), IssuedOn: a.PromulgatedOn,
		Direction: "incoming", ExchangeArrival: a.ID,
	}, nil
}

// stageArrival copies the arrival's PDF into the staging area under a key
// fixed by the arrival: intake derives the document id from it and answers
// a repeated registration with the document it already made, so two clerks
// registering the same arrival at once get one document.
func (s *Server) stageArrival(ctx context.Context, op string, a readmodel.ExchangeArrival) (events.Object, error) {
	if len(a.Attachments) == 0 {
		return events.Object{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("arrival %s carries no file to register", a.ID)).WithDetail("file", "missing")
	}
	src := a.Attachments[0]
	key := objectkey.Staging("registration-" + a.ID)
	info, err := s.Objects.Copy(ctx, src.Bucket, src.Key, s.DocumentsBucket, key, objstore.PutOptions{ContentType: "application/pdf"})
	if errors.Is(err, objstore.ErrNotFound) {
		return events.Object{}, errs.E(op, errs.Internal, errcode.Internal, "the arrived file is missing; the operator has been alerted").WithCause(err)
	}
	if err != nil {
		return events.Object{}, errs.E(op, errs.Unavailable, errcode.Unavailable, "the arrived file could not be staged; try again").WithCause(err)
	}
	staged := events.Object{Bucket: s.DocumentsBucket, Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
	if src.SHA256 != "" && info.SHA256 != src.SHA256 {
		s.Log.Error("arrived file differs from the verified package", zap.String("key", src.Key), zap.String("want", src.SHA256), zap.String("got", info.SHA256))
		if err := s.Objects.Delete(context.WithoutCancel(ctx), staged.Bucket, staged.Key, staged.VersionID); err != nil && !errors.Is(err, objstore.ErrNotFound) {
			s.Log.Warn("staged copy not removed", zap.String("key", key), zap.Error(err))
		}
		return events.Object{}, errs.E(op, errs.Internal, errcode.Internal, "the arrived file does not match the verified package; the operator has been alerted")
	}
	return staged, nil
}
