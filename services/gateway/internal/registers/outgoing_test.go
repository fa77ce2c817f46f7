package registers_test

import (
	"slices"
	"testing"
	"time"

	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/registers"
)

// An issued document prints with its symbol, date, kind and subject and its
// signer's name; what docflow does not know stays blank.
func TestOutgoingRows(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC) // 5 March in Vietnam
	rows := registers.OutgoingRows([]readmodel.Issued{{
		Symbol: "12/QĐ-VPCP", IssuedAt: at, Kind: "QUYET_DINH", Subject: "phê duyệt kế hoạch", Signer: "lanhdao", Confidentiality: "NONE",
	}}, registers.Names{Person: func(u string) string { return map[string]string{"lanhdao": "Phạm Minh Đức"}[u] }})
	want := []string{"12/QĐ-VPCP", "05/03/2026", "Quyết định phê duyệt kế hoạch", "Phạm Minh Đức", "", "", "", "", "", ""}
	reg, err := registers.Lookup("outgoing")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !slices.Equal(rows[0], want) || len(rows[0]) != len(reg.Columns) {
		t.Fatalf("rows %q, want %q (one cell per column)", rows, want)
	}
}

// A dispatched document prints its recipients by name, who keeps its file
// copy, how many copies went out and when the first was sent.
func TestOutgoingRowsWithRecipients(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	names := registers.Names{
		Person: func(u string) string {
			return map[string]string{"lanhdao": "Phạm Quốc Hùng", "chuyenvien2": "Lê Thị Hoa"}[u]
		},
		Agency: func(id string) string {
			return map[string]string{"000.00.00.H49": "Ủy ban nhân dân tỉnh Quảng Ninh"}[id]
		},
		Unit: func(id string) string {
			return map[string]string{"tong-hop": "Phòng Tổng hợp", "hanh-chinh": "Phòng Hành chính"}[id]
		},
	}
	rows := registers.OutgoingRows([]readmodel.Issued{{
		Symbol: "07/VPCP-TH", IssuedAt: at, Kind: "CONG_VAN", Subject: "Về việc báo cáo", Signer: "lanhdao",
		Drafter: "chuyenvien2", Unit: "tong-hop", Confidentiality: "NONE",
		Recipients: []readmodel.Recipient{
			{Unit: "hanh-chinh", Status: "delivered", StatusAt: at.Add(48 * time.Hour)},
			{Agency: "000.00.00.H49", Status: "queued", StatusAt: at.Add(24 * time.Hour)},
			{Agency: "000.00.00.G09", Status: "pending"},
		},
	}}, names)
	want := []string{"07/VPCP-TH", "05/03/2026", "Công văn Về việc báo cáo", "Phạm Quốc Hùng",
		"Phòng Hành chính; Ủy ban nhân dân tỉnh Quảng Ninh; 000.00.00.G09", "Phòng Tổng hợp (Lê Thị Hoa)", "3", "06/03/2026", "", ""}
	if len(rows) != 1 || !slices.Equal(rows[0], want) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
}
