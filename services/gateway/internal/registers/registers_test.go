package registers_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/registers"
	"github.com/docflow/docflow/services/internal/errs"
)

var vn = vntime.Zone

func TestNewPeriod(t *testing.T) {
	t.Parallel()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		year        int
		from, to    time.Time
		wantSince   time.Time
		wantUntil   time.Time
		wantDetails []string
	}{
		{"whole year", 2026, time.Time{}, time.Time{}, time.Date(2026, 1, 1, 0, 0, 0, 0, vn), time.Date(2027, 1, 1, 0, 0, 0, 0, vn), nil},
		{"one day", 2026, d(2026, 3, 5), d(2026, 3, 5), time.Date(2026, 3, 5, 0, 0, 0, 0, vn), time.Date(2026, 3, 6, 0, 0, 0, 0, vn), nil},
		{"to 31 December", 2026, time.Time{}, d(2026, 12, 31), time.Date(2026, 1, 1, 0, 0, 0, 0, vn), time.Date(2027, 1, 1, 0, 0, 0, 0, vn), nil},
		{"year too early", 1999, time.Time{}, time.Time{}, time.Time{}, time.Time{}, []string{"year"}},
		{"from the year before", 2026, d(2025, 12, 31), time.Time{}, time.Time{}, time.Time{}, []string{"from"}},
		{"to the year after", 2026, time.Time{}, d(2027, 1, 1), time.Time{}, time.Time{}, []string{"to"}},
		{"to before from", 2026, d(2026, 3, 5), d(2026, 3, 4), time.Time{}, time.Time{}, []string{"to"}},
		{"both outside", 2026, d(2025, 1, 1), d(2027, 1, 1), time.Time{}, time.Time{}, []string{"from", "to"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := registers.NewPeriod(tt.year, tt.from, tt.to)
			if tt.wantDetails != nil {
				var e *errs.Error
				if errs.KindOf(err) != errs.Invalid || !errors.As(err, &e) {
					t.Fatalf("err = %v, want Invalid", err)
				}
				var got []string
				for k := range e.Details {
					got = append(got, k)
				}
				slices.Sort(got)
				if !slices.Equal(got, tt.wantDetails) || e.Message == "" {
					t.Errorf("details %v (%q), want %v", got, e.Message, tt.wantDetails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			since, until := p.Bounds()
			if !since.Equal(tt.wantSince) || !until.Equal(tt.wantUntil) {
				t.Errorf("bounds [%v, %v), want [%v, %v)", since, until, tt.wantSince, tt.wantUntil)
			}
		})
	}
}

func TestIncomingRowsNameTheKindOnce(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, vn)
	tests := []struct {
		kind, subject, want string
	}{
		{"QUYET_DINH", "Quyết định phê duyệt kế hoạch", "Quyết định phê duyệt kế hoạch"},
		{"QUYET_DINH", "quyết định phê duyệt kế hoạch", "quyết định phê duyệt kế hoạch"},
		{"QUYET_DINH", "Quyết địnhx", "Quyết định Quyết địnhx"},
		{"CONG_VAN", "V/v góp ý dự thảo", "Công văn V/v góp ý dự thảo"},
		{"TO_TRINH", "Đề nghị phê duyệt", "Tờ trình Đề nghị phê duyệt"},
		{"THU_CONG", "Chúc mừng năm mới", "Thư công Chúc mừng năm mới"},
		{"NOT_A_KIND", "Về việc khác", "NOT_A_KIND Về việc khác"},
	}
	for _, tt := range tests {
		rows := registers.IncomingRows([]readmodel.Arrival{{ArrivalNumber: 1, ReceivedAt: at, Kind: tt.kind, Subject: tt.subject}}, registers.Names{})
		if got := rows[0][5]; got != tt.want {
			t.Errorf("%s %q: Tên loại và trích yếu = %q, want %q", tt.kind, tt.subject, got, tt.want)
		}
	}
}

// A subject is typed by the sender; a spreadsheet must show it, not run it.
func TestCSVCellsAreNeverFormulas(t *testing.T) {
	t.Parallel()
	reg, err := registers.Lookup("incoming")
	if err != nil {
		t.Fatal(err)
	}
	p, err := registers.NewPeriod(2026, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	row := []string{"=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Bình thường", "a\nb", "", "", "", "tab\there"}
	var buf bytes.Buffer
	if err := registers.WriteCSV(&buf, registers.Sheet{Register: reg, Period: p, Rows: [][]string{row}}); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Bình thường", "a b", "", "", "", "tab here"}
	if !slices.Equal(records[1], want) {
		t.Errorf("row = %q\nwant  %q", records[1], want)
	}
}

// A long register runs over several pages: each page repeats the headings
// and says "Trang n/N", and a cell too long for one page continues on the
// next without losing a word.
func TestPDFOverSeveralPages(t *testing.T) {
	t.Parallel()
	reg, err := registers.Lookup("incoming")
	if err != nil {
		t.Fatal(err)
	}
	p, err := registers.NewPeriod(2026, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var docs []readmodel.Arrival
	for i := range 30 {
		docs = append(docs, readmodel.Arrival{
			ArrivalNumber: int64(i + 1), ReceivedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, vn), Kind: "CONG_VAN",
			Subject: fmt.Sprintf("Về việc triển khai nhiệm vụ số %d của kế hoạch chuyển đổi số", i+1),
			Self:    readmodel.SelfDescription{Issuer: "Ủy ban nhân dân tỉnh Quảng Ninh", Symbol: fmt.Sprintf("%d/UBND-VP", 100+i)},
		})
	}
	// Ghi chú is a narrow column: 120 words there are taller than a page.
	var long []string
	for i := range 120 {
		long = append(long, fmt.Sprintf("w%03d", i))
	}
	docs[3].Self.Description = strings.Join(long, " ")

	var buf bytes.Buffer
	printed := time.Date(2026, 4, 1, 9, 30, 0, 0, vn)
	if err := registers.WritePDF(&buf, registers.Sheet{Register: reg, Agency: "Văn phòng Chính phủ", Period: p, Rows: registers.IncomingRows(docs, registers.Names{})}, printed); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "register.pdf")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(pdftotext(t, file), "\f")
	if last := len(pages) - 1; strings.TrimSpace(pages[last]) == "" {
		pages = pages[:last]
	}
	if len(pages) < 3 {
		t.Fatalf("%d pages; 30 rows and a page-long note should need at least 3", len(pages))
	}
	text := strings.Join(pages, " ")
	for i, page := range pages {
		for _, want := range []string{"Ngày đến", "Tên loại và trích yếu", fmt.Sprintf("Trang %d/%d", i+1, len(pages)), "In lúc 09:30 01/04/2026"} {
			if !strings.Contains(page, want) {
				t.Errorf("page %d lacks %q:\n%s", i+1, want, page)
			}
		}
	}
	if !strings.Contains(pages[0], "Từ ngày 01/03/2026 đến ngày 31/03/2026") {
		t.Errorf("the first page does not state the period:\n%s", pages[0])
	}
	for _, w := range long {
		if !strings.Contains(text, w) {
			t.Errorf("the long note lost %q", w)
		}
	}
	for i := range 30 {
		if !strings.Contains(text, fmt.Sprintf("nhiệm vụ số %d của", i+1)) {
			t.Errorf("row %d is missing", i+1)
		}
	}
}

func pdftotext(t *testing.T, file string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is needed to check the printed registers: install Debian's poppler-utils (make test-deps)")
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-raw", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.FieldsFunc(string(out), func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }), " ")
}
