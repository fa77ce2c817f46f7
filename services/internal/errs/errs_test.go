package errs_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

func TestHTTPStatusAndWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		code   errcode.Code
	}{
		{errs.E("op", errs.Invalid, errcode.InvalidArgument, "subject is required"), http.StatusBadRequest, errcode.InvalidArgument},
		{errs.E("op", errs.Invalid, errcode.NotPDF, "not a PDF"), http.StatusUnsupportedMediaType, errcode.NotPDF},
		{errs.E("op", errs.Invalid, errcode.EmptyFile, "empty"), http.StatusUnprocessableEntity, errcode.EmptyFile},
		{errs.E("op", errs.Invalid, errcode.MalformedPDF, "broken"), http.StatusUnprocessableEntity, errcode.MalformedPDF},
		{errs.E("op", errs.Forbidden, errcode.Confidential, "secret"), http.StatusUnprocessableEntity, errcode.Confidential},
		{errs.E("op", errs.Invalid, errcode.FileTooLarge, "big"), http.StatusRequestEntityTooLarge, errcode.FileTooLarge},
		{fmt.Errorf("outer: %w", errs.E("op", errs.Conflict, errcode.TaskClosed, "closed")), http.StatusConflict, errcode.TaskClosed},
		{errs.Wrap("layer", errs.E("op", errs.Forbidden, "", "no")), http.StatusForbidden, errcode.Forbidden},
		{errors.New("disk on fire at /var/lib/x"), http.StatusInternalServerError, errcode.Internal},
	}
	for _, tc := range tests {
		if got := errs.HTTPStatus(tc.err); got != tc.status {
			t.Errorf("%v: status %d, want %d", tc.err, got, tc.status)
		}
		w := errs.Wire(tc.err)
		if w.Code != tc.code || w.Message == "" {
			t.Errorf("%v: wire %+v, want code %s", tc.err, w, tc.code)
		}
	}
	// An unclassified error's text never reaches the caller.
	if w := errs.Wire(errors.New("disk on fire at /var/lib/x")); w.Message == "disk on fire at /var/lib/x" {
		t.Fatal("internal error text leaked to the caller")
	}
}

func TestFromWireKeepsKind(t *testing.T) {
	t.Parallel()
	e := errs.FromWire("request", http.StatusUnprocessableEntity, errcode.Error{Code: errcode.MalformedPDF, Message: "broken xref"})
	if errs.KindOf(e) != errs.Invalid || errs.HTTPStatus(e) != http.StatusUnprocessableEntity {
		t.Fatalf("kind %v status %d", errs.KindOf(e), errs.HTTPStatus(e))
	}
}

func TestFieldsNamesEveryField(t *testing.T) {
	t.Parallel()
	e := errs.Fields("op", "the document details are not valid", map[string]string{"subject": "required", "kind": "unknown"})
	w := errs.Wire(e)
	if errs.KindOf(e) != errs.Invalid || w.Code != errcode.InvalidArgument ||
		w.Message != "the document details are not valid: kind: unknown; subject: required" ||
		w.Details["kind"] != "unknown" || w.Details["subject"] != "required" {
		t.Fatalf("%+v", w)
	}
	if w := errs.Wire(errs.Fields("op", "", map[string]string{"subject": "too long"})); w.Message != "subject: too long" {
		t.Fatalf("without a summary: %q", w.Message)
	}
}
