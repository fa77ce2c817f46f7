package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/registers"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
)

// printers are the roles that keep or consult the registers: the clerk who
// writes them, the leader who follows up, the records officer who files them.
var printers = []string{auth.RoleClerk, auth.RoleLeader, auth.RoleRecordsOfficer}

// GetRegister prints a register of the caller's agency as CSV or PDF. Each
// print, and each refused attempt, is in the audit trail.
func (s *Server) GetRegister(ctx context.Context, req httpapi.GetRegisterRequestObject) (httpapi.GetRegisterResponseObject, error) {
	p := principal(ctx)
	format := req.Params.Format
	if format == "" {
		format = httpapi.RegisterFormatCsv
	}
	sheet, body, err := s.printRegister(ctx, p, req.Register, req.Params, format)
	detail := fmt.Sprintf("year=%d format=%s", req.Params.Year, format)
	if !req.Params.From.IsZero() || !req.Params.To.IsZero() {
		detail += fmt.Sprintf(" from=%s to=%s", req.Params.From, req.Params.To)
	}
	if err == nil {
		detail += fmt.Sprintf(" rows=%d", len(sheet.Rows))
	}
	target := fmt.Sprintf("registers/%s/%d", req.Register, req.Params.Year)
	if err := s.audited(ctx, p, "register.print", target, detail, err); err != nil {
		return nil, err
	}
	headers := httpapi.GetRegister200ResponseHeaders{
		ContentDisposition: fmt.Sprintf("attachment; filename=%q", sheet.FileName(string(format))),
	}
	if format == httpapi.RegisterFormatPDF {
		return httpapi.GetRegister200ApplicationPDFResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body)), Headers: headers}, nil
	}
	return httpapi.GetRegister200TextCsvCharsetUTF8Response{Body: bytes.NewReader(body), ContentLength: int64(len(body)), Headers: headers}, nil
}

func (s *Server) printRegister(ctx context.Context, p auth.Principal, name httpapi.RegisterName, params httpapi.GetRegisterParams,
	format httpapi.RegisterFormat,
) (registers.Sheet, []byte, error) {
	const op = "server.GetRegister"
	if err := auth.Require(p, "print registers", printers...); err != nil {
		return registers.Sheet{}, nil, err
	}
	// Every bad parameter is reported at once, each under its own name.
	var problems []error
	reg, err := registers.Lookup(string(name))
	if err != nil {
		problems = append(problems, err)
	}
	if !format.Valid() {
		problems = append(problems, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("there is no format %q: choose csv or pdf", format)).WithDetail("format", "must be csv or pdf"))
	}
	period, err := registers.NewPeriod(params.Year, params.From.Time, params.To.Time)
	if err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return registers.Sheet{}, nil, invalidTogether(op, problems)
	}

	sheet := registers.Sheet{Register: reg, Agency: s.agencyTitle(p.Agency), Period: period}
	names := registers.Names{Person: s.Auth.FullName, Agency: s.agencyName}
	switch reg.Name {
	case registers.Incoming, registers.FollowUp, registers.IncomingSecret:
		since, until := period.Bounds()
		arrivals := s.Read.Arrivals
		if reg.Name.Secret() {
			arrivals = s.Read.SecretArrivals
		}
		docs, err := arrivals(ctx, s.reader(p), period.Year, since, until)
		if err != nil {
			return registers.Sheet{}, nil, errs.E(op, errs.Unavailable, errcode.Unavailable,
				"the register could not be read; try again in a moment").WithCause(err)
		}
		if reg.Name != registers.FollowUp {
			sheet.Rows = registers.IncomingRows(docs, names)
		} else {
			sheet.Rows = registers.FollowUpRows(docs, names, s.now())
		}
	case registers.Outgoing, registers.OutgoingSecret:
		since, until := period.Bounds()
		outgoing := s.Read.Outgoing
		if reg.Name.Secret() {
			outgoing = s.Read.SecretOutgoing
		}
		docs, err := outgoing(ctx, s.reader(p), period.Year, since, until)
		if err != nil {
			return registers.Sheet{}, nil, errs.E(op, errs.Unavailable, errcode.Unavailable,
				"the register could not be read; try again in a moment").WithCause(err)
		}
		names.Unit = s.unitNames(ctx, p)
		sheet.Rows = registers.OutgoingRows(docs, names)
	}

	var buf bytes.Buffer
	if format == httpapi.RegisterFormatPDF {
		err = registers.WritePDF(&buf, sheet, s.now())
	} else {
		err = registers.WriteCSV(&buf, sheet)
	}
	if err != nil {
		return registers.Sheet{}, nil, errs.Wrap(op, err)
	}
	return sheet, buf.Bytes(), nil
}

// invalidTogether merges several Invalid errors into one, so the caller
// fixes every parameter in one go.
func invalidTogether(op string, problems []error) error {
	if len(problems) == 1 {
		return problems[0]
	}
	merged := errs.E(op, errs.Invalid, errcode.InvalidArgument, "")
	var messages []string
	for _, p := range problems {
		var e *errs.Error
		if !errors.As(p, &e) {
			return p
		}
		messages = append(messages, e.Message)
		if merged.Details == nil {
			merged.Details = map[string]string{}
		}
		maps.Copy(merged.Details, e.Details)
	}
	merged.Message = strings.Join(messages, "; ")
	return merged
}

// agencyTitle is how the caller's agency is named above a register: its
// name from the directory with its identifier, or the identifier alone.
func (s *Server) agencyTitle(id string) string {
	if name := s.agencyName(id); name != "" {
		return name + " (" + id + ")"
	}
	return id
}

// unitNames names the units of p's agency from routing's org chart. The
// register still prints without it, with unit ids in place of names: a
// clerk printing the register should not wait on routing.
func (s *Server) unitNames(ctx context.Context, p auth.Principal) func(string) string {
	chart, err := natsx.Call(ctx, s.NATS, svc.RoutingOrgChart, svc.OrgChartRequest{By: actor(p), At: s.now()})
	if err != nil {
		s.Log.Warn("the org chart is not available; the register prints unit ids", zap.Error(err))
		return nil
	}
	names := map[string]string{}
	for _, u := range chart.Units {
		names[u.ID] = u.Name
	}
	return func(id string) string { return names[id] }
}
