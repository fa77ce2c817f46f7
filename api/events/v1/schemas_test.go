package events_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
)

var (
	at         = time.Date(2026, 3, 5, 9, 30, 0, 123456789, vntime.Zone)
	actor      = events.Actor{Username: "chuyenvien1", Role: "official", Agency: "000.00.00.G22"}
	substitute = events.Substitute{
		Username: "chuyenvien2", From: at, Until: at.AddDate(0, 0, 7), Kinds: []string{"CONG_VAN"}, Authority: "TUQ",
		Reference: "05/GUQ-VPCP ngày 01/12/2026", Title: "Phó Chánh Văn phòng",
	}
	object = events.Object{
		Bucket: "docflow-originals", Key: "000.00.00.G22/2026/doc-1.pdf", VersionID: "v1", Size: 48213,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
)

// populated holds one instance of each payload with every field set, so a
// field the schema does not know is caught.
var populated = map[events.Type]any{
	events.DocumentReceived: events.DocumentReceivedData{
		DocumentID: "doc-1", Agency: "000.00.00.G22", ArrivalNumber: 12, ArrivalYear: 2026,
		Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch", Urgency: "THUONG", Confidentiality: "NONE",
		Original: object, ReceivedAt: at, By: events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"},
		Issuer: "Bộ Nội vụ", IssuerID: "000.00.00.G09", Symbol: "12/QĐ-BNV", IssuedOn: "2026-03-02",
		Description: "Bản chính, 02 trang", ExchangeArrival: "9b2f0c1e-5d7a-5e3b-8c41-2f6a9d0e7b13",
	},
	events.DocumentDrafted: events.DocumentDraftedData{
		DocumentID: "doc-1", Agency: "000.00.00.G22", Kind: "CONG_VAN", Subject: "Về việc báo cáo tình hình", Urgency: "KHAN",
		Confidentiality: "NONE", Original: object, DraftedAt: at,
		By:   events.Actor{Username: "chuyenvien1", Role: "official", Agency: "000.00.00.G22"},
		Unit: "tong-hop", Recipients: []events.Recipient{{Unit: "hanh-chinh"}, {Agency: "000.00.00.H49"}},
		Description: "Dự thảo lần 1",
	},
	events.DocumentDispatched: events.DocumentDispatchedData{
		DocumentID: "doc-1", Agency: "000.00.00.G22", By: events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}, At: at,
		Recipients: []events.DispatchedRecipient{
			{Unit: "tong-hop", Status: events.DispatchDelivered, Readers: []string{"chuyenvien1", "chuyenvien2"}},
			{Agency: "000.00.00.H49", Status: events.DispatchRefused, Reason: "confidential_document"},
		},
		Issued: &events.DispatchedDocument{
			Kind: "CONG_VAN", Subject: "Về việc báo cáo tình hình", Urgency: "KHAN", Number: 12, Symbol: "12/VPCP-TH",
			IssuedAt: at, Sealed: object, Signer: "lanhdao",
		},
	},
	events.ExchangeArrived: events.ExchangeArrivedData{
		ArrivalID: "9b2f0c1e-5d7a-5e3b-8c41-2f6a9d0e7b13", Agency: "000.00.00.H49", FromAgency: "000.00.00.G22",
		FromName: "Văn phòng Chính phủ", EdXMLDocumentID: "000.00.00.G22,2026/03/05,12/VPCP-TH", Number: "12", Notation: "VPCP-TH",
		PromulgatedOn: "2026-03-05", Place: "Hà Nội", Kind: "CONG_VAN", TypeName: "Công văn", Subject: "Về việc báo cáo tình hình",
		Urgency: "KHAN", DueOn: "2026-03-20", Attachments: []events.Object{object}, ReceivedAt: at,
	},
	events.ExchangeStatusReceived: events.ExchangeStatusReceivedData{
		DocumentID: "doc-1", Recipient: "000.00.00.H49", Code: events.ReceiptRejected,
		Description: "the XML signature does not verify", Timestamp: at,
	},
	events.RouteSelected: events.RouteSelectedData{
		DocumentID: "doc-1", WorkflowID: "approval-doc-1", RuleID: "default", RuleVersion: "1", Approver: "chuyenvien1", Unit: "tong-hop",
	},
	events.TaskAssigned: events.TaskAssignedData{
		TaskID: "task-1", DocumentID: "doc-1", WorkflowID: "approval-doc-1", Assignee: "chuyenvien1",
		Subject: "Quyết định phê duyệt kế hoạch", Kind: "QUYET_DINH", Urgency: "KHAN", Deadline: at.AddDate(0, 0, 3), AssignedAt: at,
		TaskKind: events.TaskKindApprove, Substitutes: []events.Substitute{substitute},
	},
	events.TaskDecided: events.TaskDecidedData{
		TaskID: "task-1", DocumentID: "doc-1", WorkflowID: "approval-doc-1", Decision: "approve", Comment: "Đồng ý",
		By: actor, OnBehalfOf: "lanhdao", DecidedAt: at,
	},
	events.DocumentApproved: decision("approval-doc-1", "Đồng ý"),
	events.DocumentRejected: decision("approval-doc-1", "Thiếu căn cứ pháp lý"),
	events.DocumentSigned: events.DocumentSignedData{
		DocumentID: "doc-1", Signer: "lanhdao", SignerCert: "CN=Nguyễn Văn A,O=Văn phòng Chính phủ,C=VN", Level: "B-T",
		Source: object, Signed: events.Object{Bucket: "docflow-signed", Key: "000.00.00.G22/2026/doc-1.pdf", Size: 61022, SHA256: strings.Repeat("ab", 32)},
		SignedAt: at,
	},
	events.DocumentArchived: events.DocumentArchivedData{
		DocumentID: "doc-1", RecordID: "rec-1", Object: object, RetainUntil: at.AddDate(10, 0, 0),
		RetentionMode: "COMPLIANCE", ArchivedAt: at,
	},
	events.TaskReminded:      notice("Sắp đến hạn"),
	events.TaskEscalated:     notice("Quá hạn"),
	events.TaskReassigned:    notice("Chuyển đồng chí Hoa"),
	events.TaskCommented:     notice("Đề nghị xem lại điều 3"),
	events.TaskWithdrawn:     notice("Bước đã đủ ý kiến"),
	events.TaskResubmitted:   notice("Đã bổ sung căn cứ"),
	events.DocumentRecalled:  decision("chain-doc-1", "Rút lại để sửa"),
	events.DelegationCreated: delegation(at),
	events.DelegationRevoked: delegation(at.Add(time.Hour)),
	events.TaskDelegated: events.TaskDelegatedData{
		TaskID: "task-1", DocumentID: "doc-1", WorkflowID: "approval-doc-1", Assignee: "chuyenvien1",
		Substitutes: []events.Substitute{substitute}, At: at,
	},
	events.DocumentSent: events.DocumentSentData{
		DocumentID: "doc-1", WorkflowID: "approval-doc-1", StepID: "tham-dinh", To: "000.00.00.G09",
		Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch", Urgency: "THUONG", Original: object,
		Due: at.AddDate(0, 0, 7), At: at,
	},
	events.DocumentOverdue: events.DocumentOverdueData{
		DocumentID: "doc-1", WorkflowID: "approval-doc-1", StepID: "tham-dinh", WaitingFor: "000.00.00.G09",
		Deadline: at.AddDate(0, 0, 7), Notify: []string{"chuyenvien1", "lanhdao"}, At: at.AddDate(0, 0, 7),
	},
	events.DocumentNumbered: events.DocumentNumberedData{
		DocumentID: "doc-1", WorkflowID: "approval-doc-1", Number: 12, Symbol: "12/QĐ-VPCP", Register: "outgoing", Year: 2026,
		Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch", Signer: "lanhdao",
		Sealed:     events.Object{Bucket: "docflow-documents", Key: "sealed/doc-1.pdf", Size: 72040, SHA256: strings.Repeat("cd", 32)},
		Attachment: true, By: events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}, IssuedAt: at,
	},
	events.HandlingAssigned: handling(events.ReceiptAssigned, "Đề nghị phòng Tổng hợp chủ trì, báo cáo trước ngày 20/3"),
	events.HandlingStarted:  handling(events.ReceiptInProgress, "Đang tổng hợp số liệu"),
	events.HandlingCompleted: func() events.HandlingData {
		d := handling(events.ReceiptCompleted, "Đã có công văn trả lời")
		d.Reply = &object
		return d
	}(),
}

// notice is the payload of a task notice with every field set.
func notice(comment string) events.TaskNoticeData {
	return events.TaskNoticeData{
		TaskID: "task-1", DocumentID: "doc-1", WorkflowID: "approval-doc-1", Assignee: "chuyenvien1", Deadline: at.AddDate(0, 0, 3),
		At: at, By: &actor, Supervisor: "lanhdao", To: "chuyenvien2", Comment: comment,
	}
}

// decision is the payload of a decision on a document with every field set.
func decision(workflowID, comment string) events.DocumentDecisionData {
	return events.DocumentDecisionData{DocumentID: "doc-1", WorkflowID: workflowID, By: actor, Comment: comment, At: at}
}

// delegation is the payload of a delegation event with every field set,
// announced at when.
func delegation(when time.Time) events.DelegationData {
	return events.DelegationData{
		DelegationID: "del-1", Agency: "000.00.00.G22", Position: "truong-phong-th", Holder: "chuyenvien1", Substitute: "chuyenvien2",
		From: at, Until: at.AddDate(0, 0, 7), Kinds: []string{"CONG_VAN"}, Authority: "TUQ", Reference: "05/GUQ-VPCP ngày 01/12/2026",
		By: actor, At: when,
	}
}

func handling(status, comment string) events.HandlingData {
	return events.HandlingData{
		DocumentID: "doc-1", WorkflowID: "handling-doc-1", SenderAgency: "000.00.00.G09", Status: status,
		LeadUnit: "phong-tong-hop", LeadPerson: "chuyenvien1", Cooperators: []string{"chuyenvien2"},
		Deadline: at.AddDate(0, 0, 10), By: events.Actor{Username: "lanhdao", Role: "leader", Agency: "000.00.00.G22"},
		OnBehalfOf: "giamdoc", Comment: comment, At: at,
	}
}

func compile(t *testing.T, uri string, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", uri, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(uri, doc); err != nil {
		t.Fatalf("add %s: %v", uri, err)
	}
	s, err := c.Compile(uri)
	if err != nil {
		t.Fatalf("compile %s: %v", uri, err)
	}
	return s
}

func payloadSchema(t *testing.T, typ events.Type) *jsonschema.Schema {
	t.Helper()
	b, err := events.Schema(typ)
	if err != nil {
		t.Fatalf("Schema(%s): %v", typ, err)
	}
	var head struct {
		ID    string `json:"$id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		t.Fatalf("schema of %s: %v", typ, err)
	}
	if head.ID != events.SchemaURI(typ) {
		t.Errorf("schema of %s has $id %q, want %q (the dataschema URI)", typ, head.ID, events.SchemaURI(typ))
	}
	if head.Title != string(typ) {
		t.Errorf("schema of %s has title %q", typ, head.Title)
	}
	return compile(t, events.SchemaURI(typ), b)
}

func toInstance(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := inst.(map[string]any)
	if !ok {
		t.Fatalf("%T marshals to %T, want a JSON object", v, inst)
	}
	return m
}

func TestEveryTypeHasAPayloadAndASchema(t *testing.T) {
	t.Parallel()
	for _, typ := range events.Types {
		p, ok := populated[typ]
		if !ok {
			t.Errorf("no populated payload for %s in this test", typ)
			continue
		}
		if got, want := reflect.TypeOf(p), payloadType(t, typ); got != want {
			t.Errorf("the populated payload of %s is a %v; the type declares %v", typ, got, want)
		}
	}
	// Every schema file on disk belongs to a declared type (or is the
	// envelope), so a removed type leaves no stale published schema.
	names := map[string]bool{events.EnvelopeSchemaName: true}
	for _, typ := range events.Types {
		names[typ.SchemaName()] = true
	}
	files, err := fs.Glob(os.DirFS("schemas"), "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("schemas/%s belongs to no event type", f)
		}
	}
}

// eachPayload runs test, in parallel, on every event type with its payload
// schema.
func eachPayload(t *testing.T, test func(t *testing.T, typ events.Type, schema *jsonschema.Schema)) {
	t.Helper()
	for _, typ := range events.Types {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			test(t, typ, payloadSchema(t, typ))
		})
	}
}

func TestPayloadsValidate(t *testing.T) {
	t.Parallel()
	eachPayload(t, func(t *testing.T, typ events.Type, schema *jsonschema.Schema) {
		if err := schema.Validate(toInstance(t, populated[typ])); err != nil {
			t.Fatalf("a complete %s payload does not validate: %v", typ, err)
		}
	})
}

// Removing any field the Go type always writes (no omitempty) must fail
// validation, and the schema must require exactly those fields: consumers
// rely on them being present.
func TestPayloadsMissingARequiredFieldFail(t *testing.T) {
	t.Parallel()
	eachPayload(t, func(t *testing.T, typ events.Type, schema *jsonschema.Schema) {
		required := alwaysWritten(payloadType(t, typ))
		for _, field := range required {
			inst := toInstance(t, populated[typ])
			delete(inst, field)
			if err := schema.Validate(inst); err == nil {
				t.Errorf("%s without %q validates; want it refused", typ, field)
			}
		}
		b, err := events.Schema(typ)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Required []string `json:"required"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		slices.Sort(doc.Required)
		slices.Sort(required)
		if !slices.Equal(doc.Required, required) {
			t.Errorf("schema requires %v; the Go type always writes %v", doc.Required, required)
		}
	})
}

func TestPayloadsWithBadValuesFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		typ   events.Type
		field string
		value any
	}{
		{"digest not hex", events.DocumentReceived, "original", map[string]any{"bucket": "b", "key": "k", "size": 1, "sha256": "xyz"}},
		{"unknown urgency", events.TaskAssigned, "urgency", "SOON"},
		{"time without offset", events.TaskDecided, "decided_at", "2026-03-05 09:30"},
		{"unknown decision", events.TaskDecided, "decision", "maybe"},
		{"unknown PAdES level", events.DocumentSigned, "level", "B-X"},
		{"agency with lower case", events.DocumentReceived, "agency", "000.00.00.g22"},
		{"arrival number zero", events.DocumentReceived, "arrival_number", 0},
		{"issued_on not a date", events.DocumentReceived, "issued_on", "02/03/2026"},
		{"issuer longer than 200", events.DocumentReceived, "issuer", strings.Repeat("x", 201)},
		{"unknown field", events.RouteSelected, "approvers", []string{"a"}},
		{"unknown task kind", events.TaskAssigned, "task_kind", "review"},
		{"draft without recipients", events.DocumentDrafted, "recipients", []map[string]any{}},
		{"recipient both a unit and an agency", events.DocumentDrafted, "recipients", []map[string]any{{"unit": "tong-hop", "agency": "000.00.00.H49"}}},
		{"recipient neither a unit nor an agency", events.DocumentDrafted, "recipients", []map[string]any{{}}},
		{"dispatch to nobody", events.DocumentDispatched, "recipients", []map[string]any{}},
		{"dispatched recipient both a unit and an agency", events.DocumentDispatched, "recipients",
			[]map[string]any{{"unit": "tong-hop", "agency": "000.00.00.H49", "status": "queued"}}},
		{"unknown dispatch status", events.DocumentDispatched, "recipients", []map[string]any{{"agency": "000.00.00.H49", "status": "sent"}}},
		{"unit delivered to nobody", events.DocumentDispatched, "recipients", []map[string]any{{"unit": "tong-hop", "status": "delivered", "readers": []string{}}}},
		{"refused without a reason", events.DocumentDispatched, "recipients", []map[string]any{{"agency": "000.00.00.H49", "status": "refused"}}},
		{"agency delivered without the exchange", events.DocumentDispatched, "recipients",
			[]map[string]any{{"agency": "000.00.00.H49", "status": "delivered", "readers": []string{"x"}}}},
		{"read task kind misspelt", events.TaskAssigned, "task_kind", "reading"},
		{"substitute without dates", events.TaskDelegated, "substitutes", []map[string]any{{"username": "chuyenvien2"}}},
		{"substitutes missing", events.TaskDelegated, "substitutes", nil},
		{"unknown decision of an incoming task", events.TaskDecided, "decision", "handle"},
		{"sent to an agency with lower case", events.DocumentSent, "to", "000.00.00.g09"},
		{"overdue with nobody to notify", events.DocumentOverdue, "notify", []string{}},
		{"assigned with the receipt of another step", events.HandlingAssigned, "status", "05"},
		{"started with the receipt of another step", events.HandlingStarted, "status", "06"},
		{"completed with a code the exchange does not know", events.HandlingCompleted, "status", "07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			schema := payloadSchema(t, tt.typ)
			inst := toInstance(t, populated[tt.typ])
			b, err := json.Marshal(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			inst[tt.field] = v
			if err := schema.Validate(inst); err == nil {
				t.Errorf("%s with %s = %s validates; want it refused", tt.typ, tt.field, b)
			}
		})
	}
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	b, err := events.EnvelopeSchema()
	if err != nil {
		t.Fatal(err)
	}
	schema := compile(t, events.EnvelopeSchemaURI, b)
	data, err := json.Marshal(populated[events.DocumentReceived])
	if err != nil {
		t.Fatal(err)
	}
	valid := events.Envelope{
		SpecVersion: events.SpecVersion, ID: "4b0f0c1e-8a51-4f7a-9d1e-3c2b1a0f9e8d", Source: "/docflow/intake",
		Type: events.DocumentReceived, Subject: "doc-1", Time: at, DataContentType: "application/json",
		DataSchema: events.SchemaURI(events.DocumentReceived), Agency: "000.00.00.G22", Data: data,
	}
	tests := []struct {
		name   string
		change func(map[string]any)
		valid  bool
	}{
		{"as published", func(map[string]any) {}, true},
		{"without subject", func(e map[string]any) { delete(e, "subject") }, true},
		{"without id", func(e map[string]any) { delete(e, "id") }, false},
		{"id not a UUID", func(e map[string]any) { e["id"] = "42" }, false},
		{"other CloudEvents version", func(e map[string]any) { e["specversion"] = "0.3" }, false},
		{"type outside docflow", func(e map[string]any) { e["type"] = "com.example.thing.done" }, false},
		{"dataschema elsewhere", func(e map[string]any) { e["dataschema"] = "https://example.com/x.json" }, false},
		{"without agency", func(e map[string]any) { delete(e, "agency") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inst := toInstance(t, valid)
			tt.change(inst)
			err := schema.Validate(inst)
			if tt.valid && err != nil {
				t.Errorf("envelope %s is refused: %v", tt.name, err)
			}
			if !tt.valid && err == nil {
				t.Errorf("envelope %s validates; want it refused", tt.name)
			}
		})
	}
}

func TestSchemaOfAnUnknownType(t *testing.T) {
	t.Parallel()
	for _, typ := range []events.Type{"vn.docflow.document.teleported.v1", "not-a-type"} {
		if _, err := events.Schema(typ); err == nil {
			t.Errorf("Schema(%q) returned a schema; want an error", typ)
		}
	}
}

// payloadType is the Go type the registry declares for typ's payload.
func payloadType(t *testing.T, typ events.Type) reflect.Type {
	t.Helper()
	p, ok := events.NewPayload(typ)
	if !ok {
		t.Fatalf("NewPayload(%s): not a declared type", typ)
	}
	return reflect.TypeOf(p).Elem()
}

// alwaysWritten lists the JSON names of the fields encoding/json always
// writes for a struct type: every exported field without omitempty or
// omitzero.
func alwaysWritten(typ reflect.Type) []string {
	var names []string
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if o := strings.Split(opts, ","); slices.Contains(o, "omitempty") || slices.Contains(o, "omitzero") {
			continue
		}
		names = append(names, name)
	}
	return names
}
