package server

import (
	"context"
	"encoding/base64"
	"sort"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/errs"
)

// ListAgencies lists the directory a page at a time, in identifier order.
// The page token is the last identifier of the previous page, so a page
// stays correct however the query narrows the list.
func (s *Server) ListAgencies(_ context.Context, req httpapi.ListAgenciesRequestObject) (httpapi.ListAgenciesResponseObject, error) {
	const op = "server.ListAgencies"
	size := pageSize(req.Params.PageSize)
	if size < 1 || size > 100 {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, "page_size must be from 1 to 100").WithDetail("page_size", "must be from 1 to 100")
	}
	after := ""
	if req.Params.PageToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(req.Params.PageToken)
		if err != nil || len(raw) == 0 {
			return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, "page_token is not one this server issued; start again without it").
				WithDetail("page_token", "malformed")
		}
		after = string(raw)
	}
	list := s.Directory.List(req.Params.Q)
	// List is ordered by identifier: the page starts after the token's.
	start := sort.Search(len(list), func(i int) bool { return list[i].ID > after })
	page := list[start:min(start+size, len(list))]
	out := httpapi.ListAgencies200JSONResponse{Items: listOf(page, agency)}
	if start+size < len(list) {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1].ID))
	}
	return out, nil
}

// GetAgency resolves an identifier to the agency it stands for on a day,
// following successor links past closed codes.
func (s *Server) GetAgency(_ context.Context, req httpapi.GetAgencyRequestObject) (httpapi.GetAgencyResponseObject, error) {
	at := s.now()
	if !req.Params.At.IsZero() {
		y, m, d := req.Params.At.Date()
		at = time.Date(y, m, d, 12, 0, 0, 0, vntime.Zone)
	}
	a, err := s.Directory.Resolve(req.ID, at)
	if err != nil {
		return nil, errs.Wrap("server.GetAgency", err)
	}
	return httpapi.GetAgency200JSONResponse(agency(a)), nil
}

func agency(a agencies.Agency) httpapi.Agency {
	out := httpapi.Agency{
		ID: httpapi.AgencyID(a.ID), Name: a.Name, SuccessorID: a.Successor, ValidFrom: day(a.ValidFrom), ValidUntil: day(a.ValidUntil),
	}
	if a.Form == agencies.Legacy {
		out.LegacyID = a.ID
	}
	// The directory only holds valid identifiers, whose token always exists.
	out.Token, _ = agencies.Token(a.ID)
	return out
}

func day(t time.Time) *openapi_types.Date {
	if t.IsZero() {
		return nil
	}
	return &openapi_types.Date{Time: t}
}

// agencyName is the directory's name for the identifier id, whether or not
// the code is still valid (a register names the issuer as it was); "" when
// the directory does not know it.
func (s *Server) agencyName(id string) string {
	if s.Directory == nil || id == "" {
		return ""
	}
	a, err := s.Directory.Get(id)
	if err != nil {
		return ""
	}
	return a.Name
}
