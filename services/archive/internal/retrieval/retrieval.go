// Package retrieval answers other services' questions about the archive over
// NATS: search the catalog, fetch one record. A record names its object, so
// the gateway streams the signed PDF straight from object storage.
package retrieval

import (
	"context"
	"encoding/json"

	"github.com/docflow/docflow/api/errcode"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
)

// Service serves the archive endpoints from the catalog.
type Service struct {
	catalog *catalog.Catalog
}

// New returns the endpoints' service.
func New(cat *catalog.Catalog) *Service { return &Service{catalog: cat} }

// Endpoints are svc.ArchiveSearch and svc.ArchiveGet.
func (s *Service) Endpoints() []natsx.Endpoint {
	return []natsx.Endpoint{
		{Name: "search", Subject: svc.ArchiveSearch, Handle: s.search},
		{Name: "get", Subject: svc.ArchiveGet, Handle: s.get},
	}
}

func (s *Service) search(ctx context.Context, data []byte) (any, error) {
	const op = "retrieval.search"
	var req svc.SearchRequest
	if err := decode(op, data, &req); err != nil {
		return nil, err
	}
	page, err := s.catalog.Search(ctx, req.Agency, req.Query, req.PageSize, req.PageToken)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	// An empty result is an empty list, never null, for clients that iterate.
	rep := svc.SearchReply{Items: make([]svc.Record, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for _, r := range page.Items {
		rep.Items = append(rep.Items, wire(r))
	}
	return rep, nil
}

func (s *Service) get(ctx context.Context, data []byte) (any, error) {
	const op = "retrieval.get"
	var req svc.GetRequest
	if err := decode(op, data, &req); err != nil {
		return nil, err
	}
	r, err := s.catalog.Get(ctx, req.Agency, req.RecordID)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return wire(r), nil
}

func decode(op string, data []byte, dst any) error {
	if err := json.Unmarshal(data, dst); err != nil {
		return errs.E(op, errs.Invalid, errcode.InvalidArgument, "request is not valid JSON for this endpoint: "+err.Error()).WithCause(err)
	}
	return nil
}

func wire(r catalog.Record) svc.Record {
	return svc.Record{
		ID:            r.ID,
		DocumentID:    r.DocumentID,
		Agency:        r.Agency,
		Kind:          r.Kind,
		Subject:       r.Subject,
		ArrivalNumber: r.ArrivalNumber,
		Object:        r.Object,
		RetainUntil:   r.RetainUntil,
		RetentionMode: r.RetentionMode,
		Signer:        r.Signer,
		SignedAt:      r.SignedAt,
		ArchivedAt:    r.ArchivedAt,
	}
}
