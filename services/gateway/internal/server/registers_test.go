package server_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/server"
)

// The columns of ND30 Appendix IV, word for word (DOMAIN.md §10).
var (
	incomingHeadings = []string{
		"Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu",
		"Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú",
	}
	outgoingHeadings = []string{
		"Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu", "Người ký", "Nơi nhận",
		"Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú",
	}
	followUpHeadings = []string{
		"Số đến", "Tên loại, số, ký hiệu, ngày tháng, cơ quan ban hành", "Đơn vị hoặc người nhận",
		"Thời hạn giải quyết", "Tiến độ giải quyết", "Số, ký hiệu văn bản trả lời", "Ghi chú",
	}
)

// printedAt is the clock of the register tests: after d2's deadline.
var printedAt = time.Date(2026, 4, 15, 10, 0, 0, 0, vntime.Zone)

// registerAPI is an API whose read model holds a small year of incoming
// documents of the demo agency:
//   - d1 (số đến 1, 2 March): a decision of Bộ Nội vụ, assigned to
//     chuyenvien1, approved and archived;
//   - d2 (số đến 2, 23:30 on 31 March in Vietnam, 16:30 UTC): a công văn
//     naming only its issuer's identifier (Bộ Nội vụ's), assigned to
//     chuyenvien2 first and then to lanhdao, still open past its deadline;
//   - d3 (số đến 3): secret, so never in the ordinary register;
//   - d4 (số đến 4, 06:30 on 1 April in Vietnam, still 31 March in UTC): a
//     tờ trình not yet assigned;
//   - a document of another agency.
func registerAPI(t *testing.T, dsn string) *api {
	t.Helper()
	a := newAPI(t, dsn, func(s *server.Server) { s.Now = func() time.Time { return printedAt } })
	at := func(m time.Month, d, h, minute int) time.Time {
		return time.Date(2026, m, d, h, minute, 0, 0, vntime.Zone)
	}
	received := func(doc string, n int64, when time.Time, kind, subject, confidentiality string, self events.DocumentReceivedData) events.Event {
		self.DocumentID, self.Agency, self.ArrivalNumber, self.ArrivalYear = doc, agency, n, 2026
		self.Kind, self.Subject, self.Urgency, self.Confidentiality, self.ReceivedAt = kind, subject, "THUONG", confidentiality, when
		self.By = events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}
		return envelope(t, events.DocumentReceived, agency, doc, when, self)
	}
	assigned := func(task, doc, who string, when, deadline time.Time) events.Event {
		return envelope(t, events.TaskAssigned, agency, doc, when, events.TaskAssignedData{
			TaskID: task, DocumentID: doc, WorkflowID: "approval-" + doc, Assignee: who, AssignedAt: when, Deadline: deadline,
		})
	}
	a.apply(t,
		received("d1", 1, at(time.March, 2, 8, 15), "QUYET_DINH", "Quyết định phê duyệt kế hoạch công tác năm 2026", "NONE",
			events.DocumentReceivedData{Issuer: "Bộ Nội vụ", IssuerID: "000.00.00.G09", Symbol: "12/QĐ-BNV", IssuedOn: "2026-02-27", Description: "Bản chính"}),
		assigned("t1", "d1", "chuyenvien1", at(time.March, 2, 9, 0), at(time.March, 5, 17, 0)),
		envelope(t, events.TaskDecided, agency, "d1", at(time.March, 3, 10, 0), events.TaskDecidedData{
			TaskID: "t1", DocumentID: "d1", Decision: "approve", DecidedAt: at(time.March, 3, 10, 0),
		}),
		envelope(t, events.DocumentArchived, agency, "d1", at(time.March, 3, 11, 0), events.DocumentArchivedData{DocumentID: "d1", RecordID: "r1"}),

		received("d2", 2, at(time.March, 31, 23, 30), "CONG_VAN", "Về việc góp ý dự thảo Thông tư hướng dẫn công tác văn thư", "NONE",
			events.DocumentReceivedData{IssuerID: "000.00.00.G09"}),
		assigned("t2b", "d2", "lanhdao", at(time.April, 2, 8, 0), at(time.April, 20, 17, 0)),
		assigned("t2a", "d2", "chuyenvien2", at(time.April, 1, 8, 0), at(time.April, 3, 17, 0)),

		received("d3", 3, at(time.March, 31, 23, 45), "CONG_VAN", "Về việc bảo vệ bí mật nhà nước", "MAT", events.DocumentReceivedData{}),
		received("d4", 4, at(time.April, 1, 6, 30), "TO_TRINH", "Đề nghị phê duyệt dự toán", "NONE", events.DocumentReceivedData{}),
	)
	elsewhere := envelope(t, events.DocumentReceived, "000.00.00.G09", "x1", at(time.March, 2, 8, 0), events.DocumentReceivedData{
		DocumentID: "x1", Agency: "000.00.00.G09", ArrivalNumber: 1, ArrivalYear: 2026, Kind: "CONG_VAN", Subject: "Của cơ quan khác",
		Urgency: "THUONG", Confidentiality: "NONE", ReceivedAt: at(time.March, 2, 8, 0),
	})
	a.apply(t, elsewhere)
	return a
}

// download gets a file as username, failing unless it comes as
// contentType with a name to save it under.
func (a *api) download(t *testing.T, username, path, contentType, file string) []byte {
	t.Helper()
	res, body := a.get(t, username, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != contentType {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd, want := res.Header.Get("Content-Disposition"), `attachment; filename="`+file+`"`; cd != want {
		t.Errorf("Content-Disposition = %q, want %q", cd, want)
	}
	return body
}

// readCSV checks the file is UTF-8 with a byte-order mark and CRLF line ends
// (RFC 4180), and returns its records.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(body, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("CSV does not start with the UTF-8 byte-order mark: %q", body[:min(len(body), 16)])
	}
	if !bytes.HasSuffix(rest, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(rest, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("CSV lines do not all end with CRLF: %q", rest)
	}
	records, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, rest)
	}
	return records
}

func TestRegisterCSV(t *testing.T) {
	t.Parallel()
	incoming := map[string][]string{
		"d1": {"02/03/2026", "1", "Bộ Nội vụ", "12/QĐ-BNV", "27/02/2026", "Quyết định phê duyệt kế hoạch công tác năm 2026", "Trần Văn Minh", "02/03/2026", "", "Bản chính"},
		"d2": {"31/03/2026", "2", "Bộ Nội vụ", "", "", "Công văn Về việc góp ý dự thảo Thông tư hướng dẫn công tác văn thư", "Lê Thị Hoa", "01/04/2026", "", ""},
		"d4": {"01/04/2026", "4", "", "", "", "Tờ trình Đề nghị phê duyệt dự toán", "", "", "", ""},
	}
	followUp := map[string][]string{
		"d1": {"1", "Quyết định số 12/QĐ-BNV ngày 27/02/2026 của Bộ Nội vụ", "Trần Văn Minh", "05/03/2026", "Đã xong", "", "Bản chính"},
		"d2": {"2", "Công văn của Bộ Nội vụ", "Lê Thị Hoa", "03/04/2026", "Đang xử lý, quá hạn", "", ""},
		"d4": {"4", "Tờ trình", "", "", "Chưa giao xử lý", "", ""},
	}
	tests := []struct {
		name     string
		path     string
		user     string
		file     string
		headings []string
		want     [][]string
	}{
		{"incoming, whole year", "/v1/registers/incoming?year=2026", "vanthu", "so-van-ban-den-2026.csv",
			incomingHeadings, [][]string{incoming["d1"], incoming["d2"], incoming["d4"]}},
		{"incoming, March in Vietnam's calendar", "/v1/registers/incoming?year=2026&from=2026-03-01&to=2026-03-31&format=csv", "lanhdao",
			"so-van-ban-den-2026-2026-03-01-2026-03-31.csv", incomingHeadings, [][]string{incoming["d1"], incoming["d2"]}},
		{"incoming, from April", "/v1/registers/incoming?year=2026&from=2026-04-01", "vanthu",
			"so-van-ban-den-2026-2026-04-01-2026-12-31.csv", incomingHeadings, [][]string{incoming["d4"]}},
		// A records officer reads the archived documents only (need-to-know),
		// and the register prints no other row for them.
		{"incoming, as the records officer", "/v1/registers/incoming?year=2026", "luutru",
			"so-van-ban-den-2026.csv", incomingHeadings, [][]string{incoming["d1"]}},
		{"incoming, another year", "/v1/registers/incoming?year=2025", "vanthu", "so-van-ban-den-2025.csv", incomingHeadings, nil},
		{"follow-up", "/v1/registers/followup?year=2026", "lanhdao", "so-theo-doi-giai-quyet-van-ban-den-2026.csv",
			followUpHeadings, [][]string{followUp["d1"], followUp["d2"], followUp["d4"]}},
		// No outgoing document exists before signing numbers them: the
		// register has its headings and nothing else.
		{"outgoing", "/v1/registers/outgoing?year=2026", "vanthu", "so-van-ban-di-2026.csv", outgoingHeadings, nil},
		// The secret document has its own register, in the same columns
		// with its mark in the note, printed only with what the reader may
		// read: the clerk who registered it, not the leader.
		{"incoming secret", "/v1/registers/incoming-secret?year=2026", "vanthu", "so-van-ban-mat-den-2026.csv", incomingHeadings,
			[][]string{{"31/03/2026", "3", "", "", "", "Công văn Về việc bảo vệ bí mật nhà nước", "", "", "", "MẬT"}}},
		{"incoming secret, as a leader not cleared", "/v1/registers/incoming-secret?year=2026", "lanhdao", "so-van-ban-mat-den-2026.csv",
			incomingHeadings, nil},
		{"outgoing secret", "/v1/registers/outgoing-secret?year=2026", "vanthu", "so-van-ban-mat-di-2026.csv", outgoingHeadings, nil},
	}
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := registerAPI(t, dsn)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					body := a.download(t, tt.user, tt.path, "text/csv; charset=utf-8", tt.file)
					records := readCSV(t, body)
					if !slices.Equal(records[0], tt.headings) {
						t.Errorf("headings = %q\nwant       %q", records[0], tt.headings)
					}
					rows := records[1:]
					if len(rows) != len(tt.want) {
						t.Fatalf("%d rows, want %d:\n%q", len(rows), len(tt.want), rows)
					}
					for i := range rows {
						if !slices.Equal(rows[i], tt.want[i]) {
							t.Errorf("row %d = %q\nwant     %q", i+1, rows[i], tt.want[i])
						}
					}
				})
			}
			entries, err := a.audit.ForTarget(t.Context(), "registers/incoming/2026")
			if err != nil {
				t.Fatal(err)
			}
			var printedBy []string
			for _, e := range entries {
				if e.Action != "register.print" || e.Outcome != audit.Allowed || e.Agency != agency {
					t.Errorf("audit entry %+v", e)
				}
				printedBy = append(printedBy, e.Actor)
			}
			slices.Sort(printedBy)
			if !slices.Equal(printedBy, []string{"lanhdao", "luutru", "vanthu", "vanthu"}) {
				t.Errorf("the audit trail shows prints of the incoming register by %v", printedBy)
			}
		})
	}
}

func TestRegisterPDF(t *testing.T) {
	t.Parallel()
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := registerAPI(t, dsn)
			tests := []struct {
				register, file string
				want           []string
			}{
				{"incoming", "so-van-ban-den-2026.pdf", append([]string{
					"Văn phòng Chính phủ (000.00.00.G22)", "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "Năm 2026", "Trang 1/1",
					"Quyết định phê duyệt kế hoạch công tác năm 2026", "Bộ Nội vụ", "Trần Văn Minh", "12/QĐ-BNV", "02/03/2026",
					"Công văn Về việc góp ý dự thảo Thông tư hướng dẫn công tác văn thư", "Lê Thị Hoa",
				}, incomingHeadings...)},
				{"followup", "so-theo-doi-giai-quyet-van-ban-den-2026.pdf", append([]string{
					"SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN", "Đang xử lý, quá hạn", "Đã xong", "Chưa giao xử lý",
				}, followUpHeadings...)},
				{"outgoing", "so-van-ban-di-2026.pdf", append([]string{"SỔ ĐĂNG KÝ VĂN BẢN ĐI"}, outgoingHeadings...)},
			}
			for _, tt := range tests {
				t.Run(tt.register, func(t *testing.T) {
					body := a.download(t, "vanthu", "/v1/registers/"+tt.register+"?year=2026&format=pdf", "application/pdf", tt.file)
					file := filepath.Join(t.TempDir(), tt.file)
					if err := os.WriteFile(file, body, 0o600); err != nil {
						t.Fatal(err)
					}
					text := pdfText(t, file)
					for _, w := range tt.want {
						if !strings.Contains(text, w) {
							t.Errorf("the PDF's text does not contain %q:\n%s", w, text)
						}
					}
					if strings.Contains(text, "bí mật nhà nước") {
						t.Error("the ordinary register prints a secret document")
					}
					checkFontsEmbedded(t, file)
				})
			}
		})
	}
}

// pdfText is the PDF's text as poppler extracts it in drawing order, with
// runs of white space (the cells' line breaks) made single spaces.
func pdfText(t *testing.T, file string) string {
	t.Helper()
	out := run(t, "pdftotext", "-raw", "-enc", "UTF-8", file, "-")
	return strings.Join(strings.Fields(out), " ")
}

// checkFontsEmbedded fails unless pdffonts lists fonts and every one of them
// is embedded, so the register prints the same on a machine without them.
func checkFontsEmbedded(t *testing.T, file string) {
	t.Helper()
	out := run(t, "pdffonts", file)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no fonts:\n%s", out)
	}
	for _, line := range lines[2:] {
		// name type… encoding emb sub uni object-id generation
		f := strings.Fields(line)
		if len(f) < 6 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %s", line)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is needed to check the printed registers: install Debian's poppler-utils (make test-deps)", name)
	}
	out, err := exec.CommandContext(t.Context(), name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestRegisterRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		user, path  string
		wantStatus  int
		wantCode    errcode.Code
		wantDetails []string
	}{
		{"an official may not print", "chuyenvien1", "/v1/registers/incoming?year=2026", http.StatusForbidden, errcode.Forbidden, nil},
		{"unknown register", "vanthu", "/v1/registers/secret?year=2026", http.StatusBadRequest, errcode.InvalidArgument, []string{"register"}},
		{"unknown format", "vanthu", "/v1/registers/incoming?year=2026&format=docx", http.StatusBadRequest, errcode.InvalidArgument, []string{"format"}},
		{"no year", "vanthu", "/v1/registers/incoming", http.StatusBadRequest, errcode.InvalidArgument, []string{"year"}},
		{"year not a number", "vanthu", "/v1/registers/incoming?year=nam-nay", http.StatusBadRequest, errcode.InvalidArgument, []string{"year"}},
		{"year out of range", "vanthu", "/v1/registers/incoming?year=1999", http.StatusBadRequest, errcode.InvalidArgument, []string{"year"}},
		{"from in another year", "vanthu", "/v1/registers/incoming?year=2026&from=2025-12-31", http.StatusBadRequest, errcode.InvalidArgument, []string{"from"}},
		{"from not a date", "vanthu", "/v1/registers/incoming?year=2026&from=01/03/2026", http.StatusBadRequest, errcode.InvalidArgument, []string{"from"}},
		{"to before from", "vanthu", "/v1/registers/incoming?year=2026&from=2026-05-01&to=2026-04-30", http.StatusBadRequest, errcode.InvalidArgument, []string{"to"}},
		{"everything wrong at once", "vanthu", "/v1/registers/secret?year=2026&format=docx&to=2027-01-01", http.StatusBadRequest, errcode.InvalidArgument,
			[]string{"format", "register", "to"}},
	}
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t, dsn, nil)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					res, body := a.get(t, tt.user, tt.path)
					if res.StatusCode != tt.wantStatus {
						t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, body)
					}
					e := wireError(t, body)
					if e.Code != tt.wantCode || e.Message == "" {
						t.Errorf("error %+v, want code %s with a message", e, tt.wantCode)
					}
					var fields []string
					for f := range e.Details {
						fields = append(fields, f)
					}
					slices.Sort(fields)
					if !slices.Equal(fields, tt.wantDetails) {
						t.Errorf("details name %v, want %v: %+v", fields, tt.wantDetails, e)
					}
				})
			}
			entries, err := a.audit.ForTarget(t.Context(), "registers/incoming/2026")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(entries, func(e audit.Entry) bool {
				return e.Actor == "chuyenvien1" && e.Action == "register.print" && e.Outcome == audit.Refused
			}) {
				t.Errorf("the refused print by chuyenvien1 is not in the audit trail: %+v", entries)
			}
		})
	}
}
