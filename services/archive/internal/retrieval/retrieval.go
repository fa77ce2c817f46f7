// Package retrieval answers other services' questions about the archive over
// NATS: search the catalog, fetch one record. A record names its object, so
// the gateway streams the signed PDF straight from object storage.
package retrieval

import (
	"context"

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
		natsx.Handle(svc.ArchiveSearch, s.search),
		natsx.Handle(svc.ArchiveGet, s.get),
	}
}

func (s *Service) search(ctx context.Context, req svc.SearchRequest) (svc.SearchReply, error) {
	const op = "retrieval.search"
	page, err := s.catalog.Search(ctx, req.Agency, req.Query, req.PageSize, req.PageToken)
	if err != nil {
		return svc.SearchReply{}, errs.Wrap(op, err)
	}
	// An empty result is an empty list, never null, for clients that iterate.
	rep := svc.SearchReply{Items: make([]svc.Record, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for _, r := range page.Items {
		rep.Items = append(rep.Items, wire(r))
	}
	return rep, nil
}

func (s *Service) get(ctx context.Context, req svc.GetRequest) (svc.Record, error) {
	r, err := s.catalog.Get(ctx, req.Agency, req.RecordID)
	if err != nil {
		return svc.Record{}, errs.Wrap("retrieval.get", err)
	}
	return wire(r), nil
}

func wire(r catalog.Record) svc.Record {
	return svc.Record{
		ID:              r.ID,
		DocumentID:      r.DocumentID,
		Agency:          r.Agency,
		Kind:            r.Kind,
		Subject:         r.Subject,
		ArrivalNumber:   r.ArrivalNumber,
		Object:          r.Object,
		RetainUntil:     r.RetainUntil,
		RetentionMode:   r.RetentionMode,
		Signer:          r.Signer,
		SignedAt:        r.SignedAt,
		ArchivedAt:      r.ArchivedAt,
		Confidentiality: r.Confidentiality,
	}
}
