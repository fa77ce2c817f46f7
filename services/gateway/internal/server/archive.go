package server

import (
	"context"
	"io"
	"slices"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
)

// archivists are the roles that may search and read the archive.
var archivists = []string{auth.RoleRecordsOfficer, auth.RoleLeader}

// SearchArchive searches the caller's agency's archive catalog. Records of
// documents the caller may not read are left out of the page: the catalog
// does not know who is named on a document, the read model does. A page may
// then be shorter than asked; its token still leads to the next one.
func (s *Server) SearchArchive(ctx context.Context, req httpapi.SearchArchiveRequestObject) (httpapi.SearchArchiveResponseObject, error) {
	p := principal(ctx)
	rep, err := func() (svc.SearchReply, error) {
		if err := auth.Require(p, "search the archive", archivists...); err != nil {
			return svc.SearchReply{}, err
		}
		rep, err := natsx.Call(ctx, s.NATS, svc.ArchiveSearch, svc.SearchRequest{
			Agency: p.Agency, Query: req.Params.Q, PageSize: pageSize(req.Params.PageSize), PageToken: req.Params.PageToken,
		})
		if err != nil {
			return rep, err
		}
		ids := make([]string, len(rep.Items))
		for i, r := range rep.Items {
			ids[i] = r.DocumentID
		}
		readable, err := s.Read.Readable(ctx, s.reader(p), ids)
		if err != nil {
			return rep, err
		}
		rep.Items = slices.DeleteFunc(rep.Items, func(r svc.Record) bool { return !readable[r.DocumentID] })
		return rep, nil
	}()
	if err := s.audited(ctx, p, "archive.search", "", "q="+req.Params.Q, err); err != nil {
		return nil, err
	}
	return httpapi.SearchArchive200JSONResponse{Items: listOf(rep.Items, record), NextPageToken: rep.NextPageToken}, nil
}

// GetArchiveRecord returns one record's catalog entry.
func (s *Server) GetArchiveRecord(ctx context.Context, req httpapi.GetArchiveRecordRequestObject) (httpapi.GetArchiveRecordResponseObject, error) {
	p := principal(ctx)
	r, err := s.archiveRecord(ctx, p, req.ID)
	if err := s.audited(ctx, p, "archive.read", req.ID, "", err); err != nil {
		return nil, err
	}
	return httpapi.GetArchiveRecord200JSONResponse(record(r)), nil
}

// GetArchiveRecordContent streams the signed original from write-once
// storage, checking it against the digest in the catalog.
func (s *Server) GetArchiveRecordContent(ctx context.Context, req httpapi.GetArchiveRecordContentRequestObject) (httpapi.GetArchiveRecordContentResponseObject, error) {
	p := principal(ctx)
	var r svc.Record
	rc, err := func() (io.ReadCloser, error) {
		var err error
		if r, err = s.archiveRecord(ctx, p, req.ID); err != nil {
			return nil, err
		}
		return s.open(ctx, r.Object)
	}()
	if err := s.audited(ctx, p, "archive.download", req.ID, "", err); err != nil {
		return nil, err
	}
	return httpapi.GetArchiveRecordContent200ApplicationPDFResponse{Body: rc, ContentLength: r.Object.Size}, nil
}

// archiveRecord is a record of the caller's agency whose document the
// caller may read; another is not found, as with the document itself.
func (s *Server) archiveRecord(ctx context.Context, p auth.Principal, id string) (svc.Record, error) {
	if err := auth.Require(p, "read the archive", archivists...); err != nil {
		return svc.Record{}, err
	}
	r, err := natsx.Call(ctx, s.NATS, svc.ArchiveGet, svc.GetRequest{Agency: p.Agency, RecordID: id})
	if err != nil {
		return svc.Record{}, err
	}
	readable, err := s.Read.Readable(ctx, s.reader(p), []string{r.DocumentID})
	if err != nil {
		return svc.Record{}, err
	}
	if !readable[r.DocumentID] {
		return svc.Record{}, errs.E("server.archiveRecord", errs.NotFound, errcode.NotFound, "no record "+id).WithCause(readmodel.ErrNeedToKnow)
	}
	return r, nil
}

func record(r svc.Record) httpapi.Record {
	return httpapi.Record{
		ID: r.ID, DocumentID: r.DocumentID, Agency: r.Agency, Kind: r.Kind, Subject: r.Subject, ArrivalNumber: r.ArrivalNumber,
		SHA256: r.Object.SHA256, Size: r.Object.Size, RetentionMode: r.RetentionMode, RetainUntil: r.RetainUntil,
		Signer: r.Signer, SignedAt: r.SignedAt, ArchivedAt: r.ArchivedAt, Confidentiality: r.Confidentiality,
	}
}
