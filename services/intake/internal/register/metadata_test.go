package register_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/intake/internal/register/registertest"
	"github.com/docflow/docflow/services/internal/errs"
)

func TestKindsFollowND30(t *testing.T) {
	t.Parallel()
	k := registertest.Kinds(t)
	if n := len(k.Enums()); n != 32 {
		t.Errorf("%d kinds, want the 29 of ND30 Appendix III and 3 kinds of copy", n)
	}
	tests := []struct {
		enum, name, abbr, archive string
	}{
		{"QUYET_DINH", "Quyết định", "QĐ", "02"},
		{"CONG_VAN", "Công văn", "", "22"}, // never "CV"
		{"THU_CONG", "Thư công", "", "29"},
		{"QUY_DINH", "Quy định", "QyĐ", "05"},
		{"TO_TRINH", "Tờ trình", "TTr", "15"},
		{"TRICH_SAO", "Bản trích sao", "TrS", ""}, // not "TS"
		{"GIAY_UY_QUYEN", "Giấy ủy quyền", "GUQ", "16"},
	}
	for _, tt := range tests {
		kind, ok := k.Lookup(tt.enum)
		if !ok {
			t.Errorf("kind %s is missing", tt.enum)
			continue
		}
		if kind.Name != tt.name || kind.Abbreviation != tt.abbr || kind.ArchiveCode != tt.archive {
			t.Errorf("%s = %+v, want name %q abbreviation %q archive code %q", tt.enum, kind, tt.name, tt.abbr, tt.archive)
		}
	}
	if _, ok := k.Lookup("quyet_dinh"); ok {
		t.Error("kinds are matched case-insensitively; clients must send the enum")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	k := registertest.Kinds(t)
	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}
	good := svc.DocumentMetadata{Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch", Urgency: "THUONG", Confidentiality: "NONE"}
	with := func(change func(*svc.DocumentMetadata)) svc.DocumentMetadata {
		m := good
		change(&m)
		return m
	}
	// "Quyết" written with combining marks, as some keyboards and PDF
	// exports produce it; NFC makes it the same text as the precomposed form.
	decomposed := "Quye\u0302\u0301t đi\u0323nh"

	tests := []struct {
		name    string
		meta    svc.DocumentMetadata
		by      events.Actor
		subject string            // wanted normalised subject when accepted
		refused map[string]string // field → fragment of the reason
	}{
		{name: "complete", meta: good, by: clerk, subject: good.Subject},
		{name: "subject is normalised to NFC", meta: with(func(m *svc.DocumentMetadata) { m.Subject = decomposed }), by: clerk, subject: "Quyết định"},
		{name: "line breaks in the subject become spaces", meta: with(func(m *svc.DocumentMetadata) { m.Subject = "  Về việc\r\n  tổ chức hội nghị \t" }), by: clerk, subject: "Về việc tổ chức hội nghị"},
		{name: "500 characters is allowed", meta: with(func(m *svc.DocumentMetadata) { m.Subject = strings.Repeat("ệ", 500) }), by: clerk, subject: strings.Repeat("ệ", 500)},
		{
			// 500 precomposed characters, written decomposed: 1000 code
			// points, but 500 characters once normalised.
			name: "length counts characters after NFC", by: clerk,
			meta:    with(func(m *svc.DocumentMetadata) { m.Subject = strings.Repeat("e\u0302", 500) }),
			subject: strings.Repeat("ê", 500),
		},
		{name: "every urgency", meta: with(func(m *svc.DocumentMetadata) { m.Urgency = "HOA_TOC" }), by: clerk, subject: good.Subject},
		{name: "secret documents are registered too", meta: with(func(m *svc.DocumentMetadata) { m.Confidentiality = "TUYET_MAT" }), by: clerk, subject: good.Subject},
		{
			name: "501 characters", by: clerk,
			meta:    with(func(m *svc.DocumentMetadata) { m.Subject = strings.Repeat("a", 501) }),
			refused: map[string]string{"subject": "too long: 501 characters, at most 500"},
		},
		{
			name: "blank subject", by: clerk,
			meta:    with(func(m *svc.DocumentMetadata) { m.Subject = " \n\t " }),
			refused: map[string]string{"subject": "required"},
		},
		{
			name: "control character in the subject", by: clerk,
			meta:    with(func(m *svc.DocumentMetadata) { m.Subject = "Về việc\x00 hội nghị" }),
			refused: map[string]string{"subject": "control characters"},
		},
		{
			name: "unknown kind", by: clerk,
			meta:    with(func(m *svc.DocumentMetadata) { m.Kind = "CV" }),
			refused: map[string]string{"kind": `unknown kind "CV": use one of NGHI_QUYET, QUYET_DINH`},
		},
		{
			name: "lower-case urgency", by: clerk,
			meta:    with(func(m *svc.DocumentMetadata) { m.Urgency = "khan" }),
			refused: map[string]string{"urgency": `unknown value "khan": use one of THUONG, KHAN, THUONG_KHAN, HOA_TOC`},
		},
		{
			name: "everything missing at once", by: events.Actor{},
			meta: svc.DocumentMetadata{},
			refused: map[string]string{
				"kind":            "required",
				"subject":         "required",
				"urgency":         "required",
				"confidentiality": "required: use one of NONE, MAT, TOI_MAT, TUYET_MAT",
				"by.username":     "required",
				"by.agency":       "required",
				// No role: taken for a drafter, who must be an official.
				"direction":  "drafted by officials",
				"recipients": "required",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entry, err := k.Validate(tt.meta, tt.by, time.Now())
			if tt.refused == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if entry.Subject != tt.subject {
					t.Errorf("subject %q, want %q", entry.Subject, tt.subject)
				}
				if entry.Agency != tt.by.Agency || entry.By != tt.by || entry.Kind != tt.meta.Kind {
					t.Errorf("entry %+v does not carry the submission", entry)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *errs.Error", err)
			}
			if e.Code != errcode.InvalidArgument || e.Kind != errs.Invalid {
				t.Errorf("code, kind = %s, %s; want invalid_argument, invalid", e.Code, e.Kind)
			}
			if got, want := slices.Sorted(maps.Keys(e.Details)), slices.Sorted(maps.Keys(tt.refused)); !slices.Equal(got, want) {
				t.Errorf("fields refused %v, want %v", got, want)
			}
			for field, fragment := range tt.refused {
				if !strings.Contains(e.Details[field], fragment) {
					t.Errorf("%s: reason %q does not contain %q", field, e.Details[field], fragment)
				}
				if !strings.Contains(e.Message, field+": ") {
					t.Errorf("message %q does not name %s", e.Message, field)
				}
			}
		})
	}
}

func TestValidateDocumentDetails(t *testing.T) {
	t.Parallel()
	k := registertest.Kinds(t)
	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}
	// 23:30 on 5 March 2026 in Hà Nội, already 6 March nowhere west of it.
	now := time.Date(2026, 3, 5, 23, 30, 0, 0, vntime.Zone)
	type details struct{ issuer, issuerID, symbol, issuedOn, description string }
	tests := []struct {
		name    string
		in      details
		want    details           // when accepted
		refused map[string]string // field → fragment of the reason
	}{
		{name: "none given", in: details{}, want: details{}},
		{
			name: "all given",
			in:   details{"Bộ Nội vụ", "000.00.00.G09", "05/TTr-SNV-VP", "2026-03-05", "Bản chụp"},
			want: details{"Bộ Nội vụ", "000.00.00.G09", "05/TTr-SNV-VP", "2026-03-05", "Bản chụp"},
		},
		{
			name: "normalised text, symbol without its label",
			in:   details{"  Ủy ban nhân dân\n tỉnh Quảng Ninh ", " H49.64.33 ", "Số: 7816/VPCP-TTĐT", " 2025-12-31 ", "Ghi\tchú"},
			want: details{"Ủy ban nhân dân tỉnh Quảng Ninh", "H49.64.33", "7816/VPCP-TTĐT", "2025-12-31", "Ghi chú"},
		},
		{
			name: "decomposed Vietnamese becomes NFC",
			in:   details{issuer: "Bo\u0323\u0302 No\u0302\u0323i vu\u0323", description: "Ba\u0309n chi\u0301nh"},
			want: details{issuer: "Bộ Nội vụ", description: "Bản chính"},
		},
		{
			name: "legal normative symbol and dotted abbreviation",
			in:   details{symbol: "30/2020/NĐ-CP", issuerID: "H49"},
			want: details{symbol: "30/2020/NĐ-CP", issuerID: "H49"},
		},
		{
			name: "longest values",
			in:   details{strings.Repeat("ộ", 200), strings.Repeat("A", 35), "12345678901/" + strings.Repeat("Đ", 30), "", strings.Repeat("ệ", 500)},
			want: details{strings.Repeat("ộ", 200), strings.Repeat("A", 35), "12345678901/" + strings.Repeat("Đ", 30), "", strings.Repeat("ệ", 500)},
		},
		{name: "dated today in Hà Nội", in: details{issuedOn: "2026-03-05"}, want: details{issuedOn: "2026-03-05"}},
		{
			name: "over-long values",
			in:   details{strings.Repeat("a", 201), strings.Repeat("A", 36), "123456789012/QĐ", "", strings.Repeat("a", 501)},
			refused: map[string]string{
				"issuer":      "too long: 201 characters, at most 200",
				"issuer_id":   "too long: 36 characters, at most 35",
				"symbol":      "a number of up to 11 digits",
				"description": "too long: 501 characters, at most 500",
			},
		},
		{
			name:    "symbol notation over 30 characters",
			in:      details{symbol: "1/" + strings.Repeat("A", 31)},
			refused: map[string]string{"symbol": "is not a number and symbol"},
		},
		{
			name: "malformed identifiers and symbols",
			in:   details{issuerID: "000.00.00.g22", symbol: "12 / QĐ-UBND"},
			refused: map[string]string{
				"issuer_id": `"000.00.00.g22" is not an agency identifier`,
				"symbol":    `"12 / QĐ-UBND" is not a number and symbol`,
			},
		},
		{name: "symbol without a number", in: details{symbol: "QĐ-UBND"}, refused: map[string]string{"symbol": "e.g. 12/QĐ-UBND"}},
		{name: "identifier with an empty level", in: details{issuerID: "H49..33"}, refused: map[string]string{"issuer_id": "not an agency identifier"}},
		{name: "not a date", in: details{issuedOn: "05/03/2026"}, refused: map[string]string{"issued_on": "write it as YYYY-MM-DD"}},
		{name: "no such day", in: details{issuedOn: "2026-02-29"}, refused: map[string]string{"issued_on": `"2026-02-29" is not a date`}},
		{name: "tomorrow in Hà Nội", in: details{issuedOn: "2026-03-06"}, refused: map[string]string{"issued_on": "in the future: the document cannot be dated after today, 2026-03-05"}},
		{name: "control characters", in: details{description: "a\x07b"}, refused: map[string]string{"description": "control characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			meta := svc.DocumentMetadata{
				Kind: "CONG_VAN", Subject: "Về việc cử cán bộ dự hội nghị", Urgency: "THUONG", Confidentiality: "NONE",
				Issuer: tt.in.issuer, IssuerID: tt.in.issuerID, Symbol: tt.in.symbol, IssuedOn: tt.in.issuedOn, Description: tt.in.description,
			}
			entry, err := k.Validate(meta, clerk, now)
			if tt.refused == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				got := details{entry.Issuer, entry.IssuerID, entry.Symbol, entry.IssuedOn, entry.Description}
				if got != tt.want {
					t.Errorf("entry %q, want %q", got, tt.want)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errcode.InvalidArgument {
				t.Fatalf("Validate = %v, want invalid_argument", err)
			}
			if got, want := slices.Sorted(maps.Keys(e.Details)), slices.Sorted(maps.Keys(tt.refused)); !slices.Equal(got, want) {
				t.Errorf("fields refused %v, want %v", got, want)
			}
			for field, fragment := range tt.refused {
				if !strings.Contains(e.Details[field], fragment) {
					t.Errorf("%s: reason %q does not contain %q", field, e.Details[field], fragment)
				}
			}
		})
	}
}

// A draft is created by an official and addressed to its recipients; an
// incoming document by a clerk. Neither flow accepts the other's fields.
func TestValidateFlows(t *testing.T) {
	t.Parallel()
	k := registertest.Kinds(t)
	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}
	official := events.Actor{Username: "chuyenvien1", Role: "official", Agency: "000.00.00.G22"}
	base := svc.DocumentMetadata{Kind: "CONG_VAN", Subject: "Về việc báo cáo", Urgency: "THUONG", Confidentiality: "NONE"}
	draft := base
	draft.Recipients = []events.Recipient{{Unit: "tong-hop"}, {Agency: "000.00.00.H49"}}

	entry, err := k.Validate(draft, official, time.Now())
	if err != nil {
		t.Fatalf("an official's draft refused: %v", err)
	}
	if entry.Direction != register.Outgoing || len(entry.Recipients) != 2 || entry.Recipients[1].Agency != "000.00.00.H49" {
		t.Errorf("draft entry %+v", entry)
	}
	entry, err = k.Validate(base, clerk, time.Now())
	if err != nil || entry.Direction != register.Incoming {
		t.Fatalf("a clerk's upload: entry %+v, error %v; want an incoming entry", entry, err)
	}
	const arrival = "9b2f0c1e-5d7a-5e3b-8c41-2f6a9d0e7b13"
	fromExchange := base
	fromExchange.ExchangeArrival = arrival
	if entry, err = k.Validate(fromExchange, clerk, time.Now()); err != nil || entry.ExchangeArrival != arrival {
		t.Fatalf("a clerk registering an exchange arrival: entry %+v, error %v", entry, err)
	}

	with := func(m svc.DocumentMetadata, change func(*svc.DocumentMetadata)) svc.DocumentMetadata {
		m.Recipients = slices.Clone(m.Recipients)
		change(&m)
		return m
	}
	tests := []struct {
		name    string
		meta    svc.DocumentMetadata
		by      events.Actor
		refused map[string]string
	}{
		{"a clerk drafting", with(draft, func(m *svc.DocumentMetadata) { m.Direction = "outgoing" }), clerk,
			map[string]string{"direction": "drafted by officials"}},
		{"an official registering", with(base, func(m *svc.DocumentMetadata) { m.Direction = "incoming" }), official,
			map[string]string{"direction": "only a clerk"}},
		{"an unknown direction", with(base, func(m *svc.DocumentMetadata) { m.Direction = "sideways" }), clerk,
			map[string]string{"direction": "not a direction"}},
		{"a draft without recipients", base, official, map[string]string{"recipients": "required"}},
		{"a recipient both unit and agency", with(draft, func(m *svc.DocumentMetadata) {
			m.Recipients[0] = events.Recipient{Unit: "tong-hop", Agency: "000.00.00.H49"}
		}), official, map[string]string{"recipients[0]": "exactly one"}},
		{"a recipient named twice", with(draft, func(m *svc.DocumentMetadata) {
			m.Recipients = append(m.Recipients, events.Recipient{Unit: "tong-hop"})
		}), official, map[string]string{"recipients[2]": "twice"}},
		{"the drafting agency as a recipient", with(draft, func(m *svc.DocumentMetadata) {
			m.Recipients[1] = events.Recipient{Agency: "000.00.00.G22"}
		}), official, map[string]string{"recipients[1]": "drafting agency itself"}},
		{"a bad unit id", with(draft, func(m *svc.DocumentMetadata) { m.Recipients[0] = events.Recipient{Unit: "Tổng hợp"} }), official,
			map[string]string{"recipients[0]": "not a unit id"}},
		{"a draft with a number already", with(draft, func(m *svc.DocumentMetadata) { m.Symbol = "12/VPCP-TH"; m.IssuedOn = "2026-03-02" }), official,
			map[string]string{"symbol": "not for an outgoing draft", "issued_on": "not for an outgoing draft"}},
		{"recipients on an incoming document", with(draft, func(m *svc.DocumentMetadata) {}), clerk,
			map[string]string{"recipients": "belong to an outgoing draft"}},
		{"an exchange arrival on a draft", with(draft, func(m *svc.DocumentMetadata) { m.ExchangeArrival = arrival }), official,
			map[string]string{"exchange_arrival": "only an incoming document"}},
		{"an exchange arrival that is no id", with(base, func(m *svc.DocumentMetadata) { m.ExchangeArrival = "arrival-1" }), clerk,
			map[string]string{"exchange_arrival": "not an arrival id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := k.Validate(tt.meta, tt.by, time.Now())
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *errs.Error", err)
			}
			if got, want := slices.Sorted(maps.Keys(e.Details)), slices.Sorted(maps.Keys(tt.refused)); !slices.Equal(got, want) {
				t.Errorf("fields refused %v (%v), want %v", got, e.Details, want)
			}
			for field, fragment := range tt.refused {
				if !strings.Contains(e.Details[field], fragment) {
					t.Errorf("%s: reason %q does not contain %q", field, e.Details[field], fragment)
				}
			}
		})
	}
}
