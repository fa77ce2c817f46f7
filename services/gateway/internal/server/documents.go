package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"
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

// CreateDocument registers an incoming document (a clerk) or creates an
// outgoing draft (an official or leader). The upload is streamed into a
// staging object (bytes never travel over NATS); intake then validates,
// stores and registers it, and decides the flow from the metadata and the
// caller's role. Whatever goes wrong, the staging object is removed.
func (s *Server) CreateDocument(ctx context.Context, req httpapi.CreateDocumentRequestObject) (httpapi.CreateDocumentResponseObject, error) {
	p := principal(ctx)
	rep, err := s.createDocument(ctx, p, req.Body)
	detail := fmt.Sprintf("arrival_number=%d", rep.ArrivalNumber)
	if rep.Status == string(httpapi.DocumentStatusDrafted) {
		detail = "direction=outgoing"
	}
	if err := s.audited(ctx, p, "document.create", rep.DocumentID, detail, err); err != nil {
		return nil, err
	}
	return httpapi.CreateDocument201JSONResponse{
		Body:    summaryOf(rep),
		Headers: httpapi.CreateDocument201ResponseHeaders{Location: "/v1/documents/" + rep.DocumentID},
	}, nil
}

// summaryOf is the summary of a document intake just registered or
// drafted, as an upload and an arrival's registration both answer it.
func summaryOf(rep svc.AcceptReply) httpapi.DocumentSummary {
	return httpapi.DocumentSummary{
		ID: rep.DocumentID, ArrivalNumber: rep.ArrivalNumber, ArrivalYear: rep.ArrivalYear,
		Status: httpapi.DocumentStatus(rep.Status), SHA256: rep.Original.SHA256, Size: rep.Original.Size,
	}
}

func (s *Server) createDocument(ctx context.Context, p auth.Principal, body *multipart.Reader) (svc.AcceptReply, error) {
	const op = "server.CreateDocument"
	// Clerks register incoming documents; officials and leaders draft
	// outgoing ones. Intake holds each flow to its roles.
	if err := auth.Require(p, "register or draft documents", auth.RoleClerk, auth.RoleOfficial, auth.RoleLeader); err != nil {
		return svc.AcceptReply{}, err
	}
	if body == nil {
		return svc.AcceptReply{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "send the document as multipart/form-data with a file part and a metadata part")
	}
	var (
		meta    *svc.DocumentMetadata
		staged  *events.Object
		failure error
	)
	// The staged object is removed on every path but success; intake
	// removes it too once it has copied it.
	defer func() {
		if staged != nil && failure != nil {
			if err := s.Objects.Delete(context.WithoutCancel(ctx), staged.Bucket, staged.Key, ""); err != nil && !errors.Is(err, objstore.ErrNotFound) {
				s.Log.Warn("staged upload not removed", zap.String("key", staged.Key), zap.Error(err))
			}
		}
	}()
	fail := func(err error) (svc.AcceptReply, error) {
		failure = err
		return svc.AcceptReply{}, err
	}
	for {
		part, err := body.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(errs.E(op, errs.Invalid, errcode.InvalidArgument, "the multipart body is malformed: "+err.Error()))
		}
		switch part.FormName() {
		case "metadata":
			var m svc.DocumentMetadata
			dec := json.NewDecoder(io.LimitReader(part, 64<<10))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				return fail(errs.E(op, errs.Invalid, errcode.InvalidArgument, "metadata is not valid JSON: "+err.Error()).WithDetail("metadata", "malformed"))
			}
			meta = &m
		case "file":
			if staged != nil {
				return fail(errs.E(op, errs.Invalid, errcode.InvalidArgument, "send exactly one file part").WithDetail("file", "repeated"))
			}
			obj, err := s.stage(ctx, part)
			if obj != nil {
				staged = obj
			}
			if err != nil {
				return fail(err)
			}
		}
		_ = part.Close()
	}
	if staged == nil {
		return fail(errs.E(op, errs.Invalid, errcode.InvalidArgument, "the file part is missing: attach the PDF as form field \"file\"").WithDetail("file", "required"))
	}
	if meta == nil {
		return fail(errs.E(op, errs.Invalid, errcode.InvalidArgument, "the metadata part is missing: send kind, subject, urgency and confidentiality as JSON in form field \"metadata\"").WithDetail("metadata", "required"))
	}
	rep, err := natsx.Call(ctx, s.NATS, svc.IntakeAccept, svc.AcceptRequest{Staged: *staged, Metadata: *meta, By: actor(p)})
	if err != nil {
		return fail(err)
	}
	return rep, nil
}

// stage streams one upload into the documents bucket, refusing it once it
// passes the size limit.
func (s *Server) stage(ctx context.Context, part io.Reader) (*events.Object, error) {
	const op = "server.stage"
	key := objectkey.Staging(uuid.NewString())
	limited := &limitReader{r: part, left: s.MaxUploadBytes}
	info, err := s.Objects.Put(ctx, s.DocumentsBucket, key, limited, -1, objstore.PutOptions{ContentType: "application/octet-stream"})
	obj := &events.Object{Bucket: s.DocumentsBucket, Key: key}
	if limited.exceeded {
		return obj, errs.E(op, errs.Invalid, errcode.FileTooLarge,
			fmt.Sprintf("the file is larger than the limit of %d MiB", s.MaxUploadBytes>>20)).WithDetail("file", "too large")
	}
	if err != nil {
		return obj, errs.E(op, errs.Unavailable, errcode.Unavailable, "the upload could not be stored; try again").WithCause(err)
	}
	obj.VersionID, obj.Size, obj.SHA256 = info.VersionID, info.Size, info.SHA256
	return obj, nil
}

// limitReader fails the read that goes past the limit, so an over-size
// upload is never stored whole.
type limitReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

var errTooLarge = errors.New("upload exceeds the size limit")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		l.exceeded = true
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded = true
		return 0, errTooLarge
	}
	return n, err
}

// ListDocuments lists the documents of the caller's agency that the caller
// may read, most recently changed first: a clerk asks for the signed ones
// to issue them.
func (s *Server) ListDocuments(ctx context.Context, req httpapi.ListDocumentsRequestObject) (httpapi.ListDocumentsResponseObject, error) {
	p := principal(ctx)
	docs, next, err := s.Read.Documents(ctx, readmodel.DocumentQuery{
		Reader: s.reader(p), Status: string(req.Params.Status), PageSize: pageSize(req.Params.PageSize), PageToken: req.Params.PageToken,
	})
	if err != nil {
		return nil, err
	}
	return httpapi.ListDocuments200JSONResponse{Items: listOf(docs, documentListItem), NextPageToken: next}, nil
}

func documentListItem(d readmodel.Document) httpapi.DocumentListItem {
	return httpapi.DocumentListItem{
		ID: d.ID, Kind: d.Kind, Subject: d.Subject, Urgency: httpapi.Urgency(d.Urgency), Status: httpapi.DocumentStatus(d.Status),
		WaitingFor: d.WaitingFor, ArrivalNumber: d.ArrivalNumber, ArrivalYear: d.ArrivalYear, UpdatedAt: d.UpdatedAt,
	}
}

// GetDocument returns a document of the caller's agency with its history,
// if the caller may read it. Each read is in the audit trail, and so is
// each refused one.
func (s *Server) GetDocument(ctx context.Context, req httpapi.GetDocumentRequestObject) (httpapi.GetDocumentResponseObject, error) {
	p := principal(ctx)
	d, err := s.Read.Document(ctx, s.reader(p), req.ID)
	if err := s.audited(ctx, p, "document.read", req.ID, "", err); err != nil {
		return nil, err
	}
	out := httpapi.GetDocument200JSONResponse{
		ID: d.ID, Agency: d.Agency, Kind: d.Kind, Subject: d.Subject, Urgency: httpapi.Urgency(d.Urgency),
		Confidentiality: httpapi.Confidentiality(d.Confidentiality), ArrivalNumber: d.ArrivalNumber, ArrivalYear: d.ArrivalYear,
		Status: httpapi.DocumentStatus(d.Status), SHA256: d.Object.SHA256, Size: d.Object.Size, WaitingFor: d.WaitingFor,
		RecordID: d.RecordID, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Issuer: d.Self.Issuer, IssuerID: d.Self.IssuerID, Symbol: d.Self.Symbol, Description: d.Self.Description,
		Direction: httpapi.Direction(d.Direction), Drafter: d.Drafter,
	}
	if d.Direction == readmodel.Outgoing {
		out.Recipients = listOf(d.Recipients, func(r readmodel.Recipient) httpapi.DocumentRecipient {
			return httpapi.DocumentRecipient{
				Unit: r.Unit, Agency: httpapi.AgencyID(r.Agency), Status: httpapi.RecipientStatus(r.Status), StatusAt: r.StatusAt,
				Receipt: httpapi.ExchangeReceipt(r.Receipt), ReceiptDescription: r.ReceiptDescription, ReceiptAt: optionalTime(r.ReceiptAt),
			}
		})
	} else {
		out.Drafter = "" // the clerk who registered it, not a drafter
	}
	if on, err := time.Parse(time.DateOnly, d.Self.IssuedOn); err == nil {
		out.IssuedOn = &openapi_types.Date{Time: on}
	}
	out.History = listOf(d.History, func(h readmodel.HistoryEntry) httpapi.HistoryEntry {
		return httpapi.HistoryEntry{At: h.At, Type: h.Type, Actor: h.Actor, Summary: h.Summary}
	})
	return out, nil
}

// GetDocumentContent streams one version of a document, by default its
// current one. The version served is in the audit trail: an original and
// its sealed copy are different disclosures of the same document.
func (s *Server) GetDocumentContent(ctx context.Context, req httpapi.GetDocumentContentRequestObject) (httpapi.GetDocumentContentResponseObject, error) {
	p := principal(ctx)
	var (
		obj     events.Object
		version = req.Params.Version
	)
	rc, err := func() (io.ReadCloser, error) {
		if version != "" && !version.Valid() {
			return nil, errs.E("server.GetDocumentContent", errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("there is no version %q: choose original, signed or issued", version)).WithDetail("version", "must be original, signed or issued")
		}
		d, err := s.Read.Document(ctx, s.reader(p), req.ID)
		if err != nil {
			return nil, err
		}
		if obj, version, err = documentVersion(d, version); err != nil {
			return nil, err
		}
		return s.open(ctx, obj)
	}()
	// A refused value is not copied into the trail: the caller chose it.
	detail := ""
	if version.Valid() {
		detail = "version=" + string(version)
	}
	if err := s.audited(ctx, p, "document.download", req.ID, detail, err); err != nil {
		return nil, err
	}
	return httpapi.GetDocumentContent200ApplicationPDFResponse{
		Body: rc, ContentLength: obj.Size,
		Headers: httpapi.GetDocumentContent200ResponseHeaders{
			DocflowVersion:     version,
			ContentDisposition: fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("%s-%s.pdf", req.ID, version)),
		},
	}, nil
}

// documentVersion is the PDF of d that asked names, or with asked empty
// the current one (the same the signatures are verified on), and its name.
func documentVersion(d readmodel.Document, asked httpapi.DocumentVersion) (events.Object, httpapi.DocumentVersion, error) {
	if asked == "" {
		obj, which := d.Latest()
		return obj, latestVersion[which], nil
	}
	var obj events.Object
	switch asked {
	case httpapi.DocumentVersionOriginal:
		return d.Object, asked, nil
	case httpapi.DocumentVersionSigned:
		obj = d.Signed
	case httpapi.DocumentVersionIssued:
		obj = d.Sealed
	}
	if obj.Key == "" {
		return events.Object{}, asked, errs.E("server.GetDocumentContent", errs.NotFound, errcode.NotFound,
			fmt.Sprintf("document %s has no %s version yet; %s", d.ID, asked, versionMadeWhen[asked])).WithDetail("version", "not made yet")
	}
	return obj, asked, nil
}

// latestVersion names in the API what readmodel.Document.Latest says the
// latest PDF is.
var latestVersion = map[string]httpapi.DocumentVersion{
	"sealed": httpapi.DocumentVersionIssued, "signed": httpapi.DocumentVersionSigned, "original": httpapi.DocumentVersionOriginal,
}

// versionMadeWhen tells the caller who asked too early when to ask again.
var versionMadeWhen = map[httpapi.DocumentVersion]string{
	httpapi.DocumentVersionSigned: "it is signed when the last approver agrees (an incoming document is never signed here)",
	httpapi.DocumentVersionIssued: "it is issued when a clerk numbers and seals the signed document",
}

// open reads an object whose digest is known, failing the read if the bytes
// no longer match it.
func (s *Server) open(ctx context.Context, obj events.Object) (io.ReadCloser, error) {
	rc, info, err := s.Objects.Get(ctx, obj.Bucket, obj.Key, obj.VersionID)
	if errors.Is(err, objstore.ErrNotFound) {
		return nil, errs.E("server.open", errs.Internal, errcode.Internal, "the stored file is missing; the operator has been alerted").WithCause(err)
	}
	if err != nil {
		return nil, errs.E("server.open", errs.Unavailable, errcode.Unavailable, "the file store is not reachable; try again").WithCause(err)
	}
	if obj.SHA256 != "" && info.SHA256 != "" && info.SHA256 != obj.SHA256 {
		_ = rc.Close()
		s.Log.Error("stored object digest differs from the catalog", zap.String("key", obj.Key), zap.String("want", obj.SHA256), zap.String("got", info.SHA256))
		return nil, errs.E("server.open", errs.Internal, errcode.Internal, "the stored file does not match its recorded digest; the operator has been alerted")
	}
	return rc, nil
}
