package agencies_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/errs"
)

func shipped(t *testing.T) *agencies.Directory {
	t.Helper()
	d, err := agencies.Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fixture is a directory of fictional agencies with closed codes and
// successors, which the shipped data cannot yet vouch for.
func fixture(t *testing.T) *agencies.Directory {
	t.Helper()
	raw, err := os.ReadFile("testdata/directory.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := agencies.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(time.DateOnly, s, vntime.Zone)
	if err != nil {
		t.Fatal(err)
	}
	return v.Add(10 * time.Hour)
}

func TestDomainExamples(t *testing.T) {
	t.Parallel()
	d := shipped(t)
	if d.Version == "" {
		t.Error("the directory has no version")
	}
	tests := map[string]string{
		"000.00.00.G22": "Văn phòng Chính phủ",
		"000.00.00.G09": "Bộ Nội vụ",
		"000.00.00.G12": "Bộ Tài chính",
		"000.00.00.G06": "Bộ Khoa học và Công nghệ",
		"000.00.00.H49": "Ủy ban nhân dân tỉnh Quảng Ninh",
	}
	for id, name := range tests {
		a, err := d.Get(id)
		if err != nil {
			t.Errorf("Get(%s): %v", id, err)
			continue
		}
		if a.Name != name || a.Form != agencies.Legacy {
			t.Errorf("Get(%s) = %+v, want %q in the legacy form", id, a, name)
		}
		if now, err := d.Resolve(id, day(t, "2026-11-23")); err != nil || now.ID != id {
			t.Errorf("Resolve(%s, today) = %+v, %v", id, now, err)
		}
	}
}

func TestFormOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		form agencies.Form
		says string // for a refusal
	}{
		{"000.00.00.G22", agencies.Legacy, ""},
		{"000.01.12.H49", agencies.Legacy, ""},
		{"H49.64.33", agencies.Modern, ""},
		{"G22", agencies.Modern, ""},
		{"H49.64.33.2026.01.TCCB", agencies.Modern, ""},
		{"H49." + strings.Repeat("1234.", 6) + "1", agencies.Modern, ""}, // 35 characters
		{"H49." + strings.Repeat("1234.", 6) + "12", 0, "at most 35"},
		{"", 0, "required"},
		{"000.00.00.g22", 0, "capitals, 000.00.00.G22"},
		{"h49.64.33", 0, "capitals"},
		{"00.00.00.G22", 0, "not an agency identifier"},
		{"000.00.00.G2", 0, "not an agency identifier"},
		{"H49..64", 0, "not an agency identifier"},
		{"H49.64.", 0, "not an agency identifier"},
		{"H49_64_33", 0, "not an agency identifier"},
		{"49H.64", 0, "not an agency identifier"},
	}
	for _, tc := range tests {
		form, err := agencies.FormOf(tc.id)
		if tc.says == "" {
			if err != nil || form != tc.form {
				t.Errorf("FormOf(%q) = %v, %v; want %v", tc.id, form, err, tc.form)
			}
			continue
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Code != errcode.InvalidArgument || !strings.Contains(e.Details["id"], tc.says) {
			t.Errorf("FormOf(%q) = %v; want an invalid id saying %q", tc.id, err, tc.says)
		}
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	d := shipped(t)
	if _, err := d.Get("000.00.00.G99"); errs.KindOf(err) != errs.NotFound {
		t.Errorf("Get of an unknown agency: %v", err)
	}
	if _, err := d.Get("G 22"); errs.KindOf(err) != errs.Invalid {
		t.Errorf("Get of a malformed id: %v", err)
	}
}

func TestResolveFollowsSuccessors(t *testing.T) {
	t.Parallel()
	d := fixture(t)
	tests := []struct {
		id   string
		at   string
		want string
		kind errs.Kind // for a refusal
	}{
		{"000.00.00.Z01", "2024-06-01", "000.00.00.Z01", 0}, // still valid
		{"000.00.00.Z01", "2025-02-28", "000.00.00.Z01", 0}, // its last day
		{"000.00.00.Z01", "2025-03-01", "000.00.00.Z03", 0}, // merged
		{"000.00.00.Z02", "2025-05-10", "000.00.00.Z03", 0}, // the other merged code
		{"000.00.00.Z01", "2026-01-15", "Z04", 0},           // two links: merged, then re-issued in the new form
		{"000.00.00.Z03", "2025-07-01", "Z04", 0},           // the re-issue day
		{"Z04", "2025-06-30", "", errs.NotFound},            // not yet valid: no predecessors are guessed
		{"000.00.00.Z09", "2025-01-01", "", errs.NotFound},  // dissolved, no successor
		{"000.00.00.Z09", "2024-12-31", "000.00.00.Z09", 0}, // open start, closed end
		{"000.00.00.Z77", "2025-01-01", "", errs.NotFound},  // unknown
	}
	for _, tc := range tests {
		a, err := d.Resolve(tc.id, day(t, tc.at))
		if tc.kind != 0 {
			if errs.KindOf(err) != tc.kind {
				t.Errorf("Resolve(%s, %s) = %+v, %v; want a %v error", tc.id, tc.at, a, err, tc.kind)
			}
			continue
		}
		if err != nil || a.ID != tc.want {
			t.Errorf("Resolve(%s, %s) = %s, %v; want %s", tc.id, tc.at, a.ID, err, tc.want)
		}
	}
	// The day is Vietnam's: 17:00 UTC on 28 February is 1 March in Hà Nội.
	a, err := d.Resolve("000.00.00.Z01", time.Date(2025, 2, 28, 17, 0, 0, 0, time.UTC))
	if err != nil || a.ID != "000.00.00.Z03" {
		t.Errorf("Resolve at 2025-02-28T17:00Z = %s, %v; want the successor", a.ID, err)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	d := shipped(t)
	ids := func(as []agencies.Agency) string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		query string
		want  string
	}{
		{"", "000.00.00.G06 000.00.00.G09 000.00.00.G12 000.00.00.G22 000.00.00.H49"},
		{"quang ninh", "000.00.00.H49"},
		{"QUẢNG NINH", "000.00.00.H49"},
		{"uy ban", "000.00.00.H49"},
		{"bo", "000.00.00.G06 000.00.00.G09 000.00.00.G12"},
		{"van phong chinh phu", "000.00.00.G22"},
		{"vpcp", "000.00.00.G22"},
		{"000.00.00.G2", "000.00.00.G22"},
		{"000.00.00.g2", "000.00.00.G22"},
		{"tai chinh", "000.00.00.G12"},
		{"nothing like this", ""},
	}
	for _, tc := range tests {
		if got := ids(d.List(tc.query)); got != tc.want {
			t.Errorf("List(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"000.00.00.G22", "H49.64.33"} {
		tok, err := agencies.Token(id)
		if err != nil {
			t.Fatal(err)
		}
		if tok != events.AgencyToken(id) || strings.Contains(tok, ".") {
			t.Errorf("Token(%s) = %q", id, tok)
		}
		back, err := agencies.FromToken(tok)
		if err != nil || back != id {
			t.Errorf("FromToken(%q) = %q, %v; want %s", tok, back, err, id)
		}
	}
	if tok, err := agencies.Token("000_00_00_G22"); err == nil {
		t.Errorf("Token of a token = %q; want an error", tok)
	}
	for _, tok := range []string{"000.00.00.G22", "not_an_agency", ""} {
		if id, err := agencies.FromToken(tok); errs.KindOf(err) != errs.Invalid {
			t.Errorf("FromToken(%q) = %q, %v; want an invalid error", tok, id, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	agency := func(id, name, until, successor string) string {
		return `{"id":"` + id + `","name":"` + name + `","abbreviation":"","valid_from":"","valid_until":"` + until + `","successor":"` + successor + `","source":"s"}`
	}
	file := func(entries ...string) string {
		return `{"version":"1","agencies":[` + strings.Join(entries, ",") + `]}`
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"not json", `[`, "not valid JSON"},
		{"no version", `{"agencies":[]}`, "no version"},
		{"bad id", file(agency("G 22", "x", "", "")), "not an agency identifier"},
		{"duplicate", file(agency("G22", "x", "", ""), agency("G22", "y", "", "")), "listed twice"},
		{"long name", file(agency("G22", strings.Repeat("a", 201), "", "")), "longer than 200"},
		{"decomposed name", file(agency("G22", "Quye\u0302\u0301t", "", "")), "NFC"},
		{"bad date", file(agency("G22", "x", "2025/01/01", "")), "YYYY-MM-DD"},
		{"dates out of order", `{"version":"1","agencies":[{"id":"G22","name":"x","valid_from":"2025-02-01","valid_until":"2025-01-01","source":"s"}]}`, "before valid_from"},
		{"open code with a successor", file(agency("G21", "x", "", "G22"), agency("G22", "y", "", "")), "give its valid_until"},
		{"missing successor", file(agency("G21", "x", "2025-01-01", "G23")), "not in the directory"},
		{"self successor", file(agency("G21", "x", "2025-01-01", "G21")), "succeed itself"},
		{"loop", file(agency("G21", "x", "2025-01-01", "G22"), agency("G22", "y", "2025-01-01", "G21")), "successors loop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := agencies.Parse([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want an error mentioning %q", err, tc.want)
			}
		})
	}
}
