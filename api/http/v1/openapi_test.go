package httpapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	httpapi "github.com/docflow/docflow/api/http/v1"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := httpapi.GetSwagger()
	if err != nil {
		t.Fatalf("load embedded spec: %v", err)
	}
	if err := spec.Validate(t.Context()); err != nil {
		t.Fatalf("spec is not valid OpenAPI: %v", err)
	}
	return spec
}

// Integrators and generated clients address operations by these ids; renaming
// one breaks them.
func TestOperationIDsAreStable(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	want := []string{
		"createDelegation", "createDocument", "decideTask", "decideTasks", "dispatchDocument", "getAgency", "getArchiveRecord",
		"getArchiveRecordContent", "getDocument", "getDocumentContent", "getDocumentSignatures", "getOrgChart", "getRegister",
		"getRoutingRules", "healthz", "issueDocument", "issueDocuments", "listAgencies", "listDelegations", "listDocuments", "listInbox", "listNotifications",
		"login", "readyz", "reassignTask", "recallDocument", "recordAgencyReply", "resubmitTask", "revokeDelegation",
		"searchArchive", "listWebhooks", "createWebhook", "deleteWebhook", "listWebhookDeliveries", "replayWebhookDelivery",
		"listExchangeArrivals", "registerExchangeArrival",
	}
	var got []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			got = append(got, op.OperationID)
		}
	}
	sameValues(t, "operation ids", got, want)
}

func TestEveryOperationButSignInAndProbesNeedsAToken(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	open := map[string]bool{"login": true, "healthz": true, "readyz": true}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			security := spec.Security
			if op.Security != nil {
				security = *op.Security
			}
			needsToken := slices.ContainsFunc(security, func(req openapi3.SecurityRequirement) bool {
				_, ok := req["bearerAuth"]
				return ok
			})
			if needsToken == open[op.OperationID] {
				t.Errorf("%s %s (%s): needs a token = %v, want %v", method, path, op.OperationID, needsToken, !open[op.OperationID])
			}
			if needsToken && op.Responses.Status(401) == nil {
				t.Errorf("%s %s (%s) needs a token but does not document 401", method, path, op.OperationID)
			}
		}
	}
}

// A client handles every failure with one decoder, so every 4xx and 5xx body
// must be the Error schema.
func TestEveryErrorResponseIsTheErrorSchema(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	errorSchema := spec.Components.Schemas["Error"].Value
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				if status == "default" || status[0] < '4' || op.OperationID == "readyz" {
					continue
				}
				media := ref.Value.Content.Get("application/json")
				if media == nil || media.Schema == nil || media.Schema.Value != errorSchema {
					t.Errorf("%s %s %s: body is not the Error schema", method, path, status)
				}
			}
		}
	}
}

// The code enum of the HTTP contract and the Go constants of api/errcode are
// one list; a code added to one must be added to the other.
func TestErrorCodesMatchErrcode(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	var inSpec []string
	for _, v := range spec.Components.Schemas["ErrorCode"].Value.Enum {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("ErrorCode enum value %v is not a string", v)
		}
		inSpec = append(inSpec, s)
	}
	sameValues(t, "ErrorCode enum (want the errcode constants)", inSpec, errcodeValues(t))
}

func TestJSONPropertiesAreSnakeCase(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	for name, schema := range spec.Components.Schemas {
		for prop := range schema.Value.Properties {
			if prop != strings.ToLower(prop) || strings.Contains(prop, "-") {
				t.Errorf("schema %s: property %q is not snake_case", name, prop)
			}
		}
	}
}

// sameValues fails the test unless got and want hold the same values, in
// any order.
func sameValues(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// errcodeValues reads every constant of type Code from the errcode package
// source, so a code added there without the spec is caught.
func errcodeValues(t *testing.T) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "../../errcode/errcode.go", nil, 0)
	if err != nil {
		t.Fatalf("parse errcode: %v", err)
	}
	var values []string
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		if typ, ok := spec.Type.(*ast.Ident); !ok || typ.Name != "Code" {
			return true
		}
		for _, v := range spec.Values {
			if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("errcode literal %s: %v", lit.Value, err)
				}
				values = append(values, s)
			}
		}
		return true
	})
	if len(values) == 0 {
		t.Fatal("found no errcode.Code constants")
	}
	return values
}
