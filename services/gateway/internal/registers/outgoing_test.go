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
		Symbol: "12/QĐ-VPCP", IssuedAt: at, Kind: "QUYET_DINH", Subject: "phê duyệt kế hoạch", Signer: "lanhdao",
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
