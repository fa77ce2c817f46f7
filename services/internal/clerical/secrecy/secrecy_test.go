package secrecy_test

import (
	"strings"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/clerical/secrecy"
	"github.com/docflow/docflow/services/internal/errs"
)

func TestEverySecretMarkIsRefusedForSending(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level secrecy.Level
		label string
	}{{secrecy.Mat, "MẬT"}, {secrecy.ToiMat, "TỐI MẬT"}, {secrecy.TuyetMat, "TUYỆT MẬT"}} {
		err := secrecy.RefuseSecret("sent", tc.level)
		w := errs.Wire(err)
		if errs.KindOf(err) != errs.Forbidden || w.Code != errcode.Confidential || !strings.Contains(w.Message, tc.label) {
			t.Errorf("%s: %v (%+v)", tc.level, err, w)
		}
	}
	if err := secrecy.RefuseSecret("sent", secrecy.None); err != nil {
		t.Fatalf("an unmarked document was refused: %v", err)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"NONE", "MAT", "TOI_MAT", "TUYET_MAT"} {
		if _, err := secrecy.ParseLevel(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "mat", "SECRET"} {
		if _, err := secrecy.ParseLevel(s); errs.Wire(err).Details["confidentiality"] == "" {
			t.Errorf("%q accepted or without a field detail: %v", s, err)
		}
	}
	if _, err := secrecy.ParseUrgency("GAP"); errs.Wire(err).Details["urgency"] == "" {
		t.Errorf("unknown urgency: %v", err)
	}
}

// The edXML Priority mapping of QCVN 102, including the legacy 4.
func TestPriority(t *testing.T) {
	t.Parallel()
	for p, want := range []secrecy.Urgency{secrecy.Normal, secrecy.Khan, secrecy.ThuongKhan, secrecy.HoaToc} {
		u, timed, err := secrecy.FromPriority(p)
		if err != nil || u != want || timed || u.Priority() != p {
			t.Errorf("priority %d → %s %v %v", p, u, timed, err)
		}
	}
	if u, timed, err := secrecy.FromPriority(4); err != nil || u != secrecy.HoaToc || !timed {
		t.Errorf("legacy priority 4 → %s %v %v", u, timed, err)
	}
	if _, _, err := secrecy.FromPriority(5); err == nil {
		t.Error("priority 5 accepted")
	}
	if secrecy.Normal.Urgent() || !secrecy.Khan.Urgent() || secrecy.HoaToc.Label() != "HỎA TỐC" {
		t.Error("urgency labels")
	}
}
