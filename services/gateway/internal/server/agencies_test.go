package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/testkit"
)

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return v
}

// The directory shipped with docflow, searched as a clerk addressing a
// document would.
func TestListAgencies(t *testing.T) {
	t.Parallel()
	a := newAPI(t, testkit.SQLite(t), nil)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"by name without diacritics", "bo noi vu", []string{"000.00.00.G09"}},
		{"by name with diacritics", "Quảng Ninh", []string{"000.00.00.H49"}},
		{"by identifier prefix", "000.00.00.G2", []string{"000.00.00.G22"}},
		{"by abbreviation", "vpcp", []string{"000.00.00.G22"}},
		{"nothing matches", "không có cơ quan này", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := a.get(t, "chuyenvien1", "/v1/agencies?q="+url.QueryEscape(tt.query))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			list := decode[httpapi.AgencyList](t, body)
			var ids []string
			for _, item := range list.Items {
				ids = append(ids, string(item.ID))
			}
			if !slices.Equal(ids, tt.want) || list.NextPageToken != "" {
				t.Errorf("agencies %v (next %q), want %v", ids, list.NextPageToken, tt.want)
			}
		})
	}

	t.Run("an entry", func(t *testing.T) {
		t.Parallel()
		_, body := a.get(t, "vanthu", "/v1/agencies?q=000.00.00.G22")
		list := decode[httpapi.AgencyList](t, body)
		want := httpapi.Agency{ID: "000.00.00.G22", LegacyID: "000.00.00.G22", Name: "Văn phòng Chính phủ", Token: "000_00_00_G22"}
		if len(list.Items) != 1 || list.Items[0] != want {
			t.Errorf("entry %s, want %+v", body, want)
		}
	})

	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		_, body := a.get(t, "vanthu", "/v1/agencies?page_size=100")
		all := decode[httpapi.AgencyList](t, body).Items
		if len(all) < 3 {
			t.Fatalf("the directory lists %d agencies; the test needs at least 3", len(all))
		}
		var paged []string
		token := ""
		for pages := 1; ; pages++ {
			res, body := a.get(t, "vanthu", "/v1/agencies?page_size=2&page_token="+url.QueryEscape(token))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("page %d: status %d: %s", pages, res.StatusCode, body)
			}
			page := decode[httpapi.AgencyList](t, body)
			if len(page.Items) > 2 || pages > len(all) {
				t.Fatalf("page %d has %d items", pages, len(page.Items))
			}
			for _, item := range page.Items {
				paged = append(paged, string(item.ID))
			}
			if page.NextPageToken == "" {
				break
			}
			token = page.NextPageToken
		}
		var want []string
		for _, item := range all {
			want = append(want, string(item.ID))
		}
		if !slices.Equal(paged, want) || !slices.IsSorted(paged) {
			t.Errorf("paged through %v, want every agency once in identifier order %v", paged, want)
		}
	})

	t.Run("bad paging", func(t *testing.T) {
		t.Parallel()
		for param, path := range map[string]string{
			"page_token": "/v1/agencies?page_token=%25%25",
			"page_size":  "/v1/agencies?page_size=0",
		} {
			res, body := a.get(t, "vanthu", path)
			if e := wireError(t, body); res.StatusCode != http.StatusBadRequest || e.Details[param] == "" {
				t.Errorf("%s: status %d %+v, want 400 naming %s", path, res.StatusCode, e, param)
			}
		}
	})
}

// Resolving identifiers through mergers and re-issues, on a fixture of
// fictional agencies: Y01 merged into Y03 on 1 March 2025, which was
// re-issued as Y04 (the new form) on 1 July 2025; Y09 was dissolved.
func TestGetAgency(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "agencies.json"))
	if err != nil {
		t.Fatal(err)
	}
	directory, err := agencies.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) {
		s.Directory = directory
		s.Now = func() time.Time { return today }
	})
	tests := []struct {
		name       string
		path       string
		wantID     string
		wantStatus int
		wantText   string // in the error message
		wantDetail string
	}{
		{"valid on the day", "/v1/agencies/000.00.00.Y01?at=2025-02-28", "000.00.00.Y01", http.StatusOK, "", ""},
		{"merged: its successor", "/v1/agencies/000.00.00.Y01?at=2025-03-01", "000.00.00.Y03", http.StatusOK, "", ""},
		{"today: two successors on, in the new form", "/v1/agencies/000.00.00.Y01", "Y04", http.StatusOK, "", ""},
		{"a current code", "/v1/agencies/Y04", "Y04", http.StatusOK, "", ""},
		{"dissolved without successor", "/v1/agencies/000.00.00.Y09", "", http.StatusNotFound, "has no successor", ""},
		{"not yet valid", "/v1/agencies/Y04?at=2025-01-01", "", http.StatusNotFound, "not yet valid", ""},
		{"unknown", "/v1/agencies/000.00.00.Y77", "", http.StatusNotFound, "not in the directory", ""},
		{"not an identifier", "/v1/agencies/ubnd-quang-ninh", "", http.StatusBadRequest, "not an agency identifier", "id"},
		{"at not a date", "/v1/agencies/Y04?at=05-03-2026", "", http.StatusBadRequest, "YYYY-MM-DD", "at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := a.get(t, "vanthu", tt.path)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus != http.StatusOK {
				e := wireError(t, body)
				if !strings.Contains(e.Message, tt.wantText) || (tt.wantDetail != "" && e.Details[tt.wantDetail] == "") {
					t.Errorf("error %+v, want a message saying %q and detail %q", e, tt.wantText, tt.wantDetail)
				}
				if tt.wantStatus == http.StatusNotFound && e.Code != errcode.NotFound {
					t.Errorf("code %s, want not_found", e.Code)
				}
				return
			}
			got := decode[httpapi.Agency](t, body)
			if string(got.ID) != tt.wantID {
				t.Errorf("resolved to %s, want %s: %s", got.ID, tt.wantID, body)
			}
		})
	}

	t.Run("an entry in full", func(t *testing.T) {
		t.Parallel()
		_, body := a.get(t, "vanthu", "/v1/agencies/000.00.00.Y03?at=2025-04-01")
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"id": "000.00.00.Y03", "legacy_id": "000.00.00.Y03", "name": "Sở Thí điểm Hợp nhất", "valid_from": "2025-03-01",
			"valid_until": "2025-06-30", "successor_id": "Y04", "token": "000_00_00_Y03",
		}
		if len(got) != len(want) {
			t.Errorf("fields %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	})
}
