package catalog_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/archive/internal/catalog/catalogtest"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
)

const (
	agencyA = "000.00.00.G22"
	agencyB = "000.00.00.H49"
)

// databases runs the conformance test on every SQL dialect the catalog
// supports, each on a fresh database.
func databases(t *testing.T, test func(t *testing.T, c *catalog.Catalog)) {
	t.Helper()
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{
		{"sqlite", testkit.SQLite},
		{"postgres", testkit.Postgres},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			test(t, catalogtest.Open(t, db.dsn(t)))
		})
	}
}

var base = time.Date(2026, 3, 5, 2, 30, 0, 123456789, time.UTC)

func record(n int, agency, subject string, archivedAt time.Time) catalog.Record {
	return catalog.Record{
		ID:            fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		DocumentID:    fmt.Sprintf("10000000-0000-4000-8000-%012d", n),
		Agency:        agency,
		Kind:          "QUYET_DINH",
		Subject:       subject,
		ArrivalNumber: int64(n),
		Object: events.Object{
			Bucket: "docflow-archive", Key: fmt.Sprintf("records/%s/2026/doc-%d.pdf", events.AgencyToken(agency), n),
			VersionID: fmt.Sprintf("v%d", n), Size: 1000 + int64(n),
			SHA256: fmt.Sprintf("%064x", n),
		},
		RetentionMode: "COMPLIANCE",
		RetainUntil:   archivedAt.AddDate(10, 0, 0).Truncate(time.Second),
		Signer:        "lanhdao",
		SignedAt:      archivedAt.Add(-time.Minute),
		ArchivedAt:    archivedAt,
		// The mark travels with the record; the test records vary it.
		Confidentiality: []string{"NONE", "MAT", "TOI_MAT"}[n%3],
	}
}

func insert(t *testing.T, c *catalog.Catalog, recs ...catalog.Record) {
	t.Helper()
	for _, r := range recs {
		if _, created, err := c.Insert(t.Context(), r); err != nil || !created {
			t.Fatalf("Insert(%s) = created %v, %v", r.DocumentID, created, err)
		}
	}
}

func equalRecords(a, b catalog.Record) bool {
	return a.ID == b.ID && a.DocumentID == b.DocumentID && a.Agency == b.Agency && a.Kind == b.Kind &&
		a.Subject == b.Subject && a.ArrivalNumber == b.ArrivalNumber && a.Object == b.Object &&
		a.RetentionMode == b.RetentionMode && a.RetainUntil.Equal(b.RetainUntil) && a.Signer == b.Signer &&
		a.SignedAt.Equal(b.SignedAt) && a.ArchivedAt.Equal(b.ArchivedAt) && a.Confidentiality == b.Confidentiality
}

func TestInsertIsIdempotentPerDocument(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		first := record(1, agencyA, "Quyết định phê duyệt kế hoạch", base)
		got, created, err := c.Insert(t.Context(), first)
		if err != nil || !created {
			t.Fatalf("first Insert = created %v, %v", created, err)
		}
		if !equalRecords(got, first) {
			t.Errorf("first Insert returned %+v, want %+v", got, first)
		}

		again := first
		again.ID = "00000000-0000-4000-8000-999999999999"
		again.ArchivedAt = base.Add(time.Hour)
		got, created, err = c.Insert(t.Context(), again)
		if err != nil {
			t.Fatal(err)
		}
		if created {
			t.Error("second Insert of the same document created another record")
		}
		if !equalRecords(got, first) {
			t.Errorf("second Insert returned %+v, want the first record %+v", got, first)
		}
		page, err := c.Search(t.Context(), agencyA, "", 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 {
			t.Errorf("catalog has %d records after inserting one document twice, want 1", len(page.Items))
		}
	})
}

func TestInsertStoresSubjectInNFC(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		r := record(1, agencyA, "Quye\u0302\u0301t đi\u0323nh", base) // typed with combining marks
		got, _, err := c.Insert(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != "Quyết định" {
			t.Errorf("stored subject = %q, want NFC %q", got.Subject, "Quyết định")
		}
	})
}

func TestInsertRefusesIncompleteRecord(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		r := record(1, agencyA, "Quyết định", base)
		r.DocumentID = ""
		r.Object.SHA256 = ""
		_, _, err := c.Insert(t.Context(), r)
		if errs.KindOf(err) != errs.Invalid {
			t.Fatalf("Insert without document id = %v, want an Invalid error", err)
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.Details["document_id"] == "" || e.Details["object.sha256"] == "" {
			t.Errorf("error %v does not name every missing field", err)
		}
	})
}

func TestGet(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		r := record(1, agencyA, "Quyết định phê duyệt", base)
		insert(t, c, r)
		tests := []struct {
			name     string
			agency   string
			id       string
			wantKind errs.Kind // Other means success
		}{
			{"own agency", agencyA, r.ID, errs.Other},
			{"other agency sees nothing", agencyB, r.ID, errs.NotFound},
			{"unknown id", agencyA, "00000000-0000-4000-8000-000000000099", errs.NotFound},
			{"no id", agencyA, "", errs.Invalid},
			{"no agency", "", r.ID, errs.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				got, err := c.Get(t.Context(), tt.agency, tt.id)
				if tt.wantKind == errs.Other {
					if err != nil {
						t.Fatal(err)
					}
					if !equalRecords(got, r) {
						t.Errorf("Get = %+v, want %+v", got, r)
					}
					return
				}
				if errs.KindOf(err) != tt.wantKind {
					t.Errorf("Get = %v, want kind %v", err, tt.wantKind)
				}
			})
		}
	})
}

func TestSearchIgnoresCaseAndDiacritics(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		approve := record(1, agencyA, "Quyết định phê duyệt kế hoạch năm 2026", base)
		road := record(2, agencyA, "Công văn về việc sửa chữa đường tỉnh 335", base.Add(time.Minute))
		report := record(3, agencyA, "Báo cáo tình hình thực hiện Quyết định số 12/QĐ-UBND", base.Add(2*time.Minute))
		other := record(4, agencyB, "Quyết định phê duyệt kế hoạch của tỉnh khác", base.Add(3*time.Minute))
		insert(t, c, approve, road, report, other)

		tests := []struct {
			query string
			want  []catalog.Record
		}{
			{"quyet dinh phe duyet", []catalog.Record{approve}},
			{"Quyết định phê duyệt", []catalog.Record{approve}},
			{"QUYẾT ĐỊNH", []catalog.Record{report, approve}},
			{"phe duyet quyet dinh", []catalog.Record{approve}},
			{"duong tinh", []catalog.Record{road}},
			{"đường", []catalog.Record{road}},
			{"12/QĐ-UBND", []catalog.Record{report}},
			{"quyet dinh xay dung", nil},
			{"", []catalog.Record{report, road, approve}},
			{"  ,  ", []catalog.Record{report, road, approve}},
			{"100%_", nil},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				t.Parallel()
				page, err := c.Search(t.Context(), agencyA, tt.query, 0, "")
				if err != nil {
					t.Fatal(err)
				}
				if got, want := ids(page.Items), ids(tt.want); !slices.Equal(got, want) {
					t.Errorf("Search(%q) = %v, want %v", tt.query, got, want)
				}
				if page.NextPageToken != "" {
					t.Errorf("Search(%q) has a next page token on its only page", tt.query)
				}
			})
		}
	})
}

func TestSearchPagesNewestFirst(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		var all []catalog.Record
		for i := range 45 {
			// Pairs share an archive time, so the order must also break ties.
			all = append(all, record(i+1, agencyA, fmt.Sprintf("Quyết định số %d", i+1), base.Add(time.Duration(i/2)*time.Second)))
		}
		insert(t, c, all...)
		insert(t, c, record(100, agencyB, "Quyết định của cơ quan khác", base.Add(time.Hour)))

		want := slices.Clone(all)
		slices.SortFunc(want, func(a, b catalog.Record) int {
			if c := b.ArchivedAt.Compare(a.ArchivedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})

		tests := []struct {
			name      string
			pageSize  int
			wantSizes []int
		}{
			{"default page size", 0, []int{20, 20, 5}},
			{"explicit page size", 7, []int{7, 7, 7, 7, 7, 7, 3}},
			{"page size over the maximum is capped", 1000, []int{45}},
			{"exact multiple", 15, []int{15, 15, 15}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var got []catalog.Record
				var sizes []int
				token := ""
				for {
					page, err := c.Search(t.Context(), agencyA, "quyet dinh", tt.pageSize, token)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page.Items...)
					sizes = append(sizes, len(page.Items))
					if page.NextPageToken == "" {
						break
					}
					if len(sizes) > 50 {
						t.Fatal("paging does not end")
					}
					token = page.NextPageToken
				}
				if !slices.Equal(sizes, tt.wantSizes) {
					t.Errorf("page sizes = %v, want %v", sizes, tt.wantSizes)
				}
				if g, w := ids(got), ids(want); !slices.Equal(g, w) {
					t.Errorf("records over all pages =\n%v\nwant newest first\n%v", g, w)
				}
			})
		}
	})
}

func TestSearchMaxPageSize(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		for i := range catalog.MaxPageSize + 5 {
			insert(t, c, record(i+1, agencyA, "Thông báo", base.Add(time.Duration(i)*time.Millisecond)))
		}
		page, err := c.Search(t.Context(), agencyA, "", 500, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != catalog.MaxPageSize || page.NextPageToken == "" {
			t.Errorf("page of 500 asked = %d items, next token %q; want %d and a token", len(page.Items), page.NextPageToken, catalog.MaxPageSize)
		}
	})
}

func TestSearchRefusesBadRequests(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, c *catalog.Catalog) {
		insert(t, c, record(1, agencyA, "Quyết định", base))
		long := strings.Repeat("tu ", 17)
		tests := []struct {
			name, agency, query, token string
			pageSize                   int
			field                      string
		}{
			{"garbage page token", agencyA, "", "not-a-token!", 0, "page_token"},
			{"page token of valid base64 but not ours", agencyA, "", "aGVsbG8", 0, "page_token"},
			{"negative page size", agencyA, "", "", -1, "page_size"},
			{"no agency", "", "quyet", "", 0, "agency"},
			{"too many words", agencyA, long, "", 0, "query"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				_, err := c.Search(t.Context(), tt.agency, tt.query, tt.pageSize, tt.token)
				var e *errs.Error
				if errs.KindOf(err) != errs.Invalid || !errors.As(err, &e) || e.Details[tt.field] == "" {
					t.Errorf("Search = %v, want an Invalid error naming %s", err, tt.field)
				}
			})
		}
	})
}

func ids(rs []catalog.Record) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.DocumentID)
	}
	return out
}
