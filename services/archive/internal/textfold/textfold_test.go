package textfold

import (
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"decision subject", "Quyết định phê duyệt kế hoạch", "quyet dinh phe duyet ke hoach"},
		{"d with stroke, both cases", "ĐỀ ÁN đường", "de an duong"},
		{"horn and breve vowels", "Thư công Ủy ban Nhân dân tỉnh Quảng Ninh ăn ơ ư", "thu cong uy ban nhan dan tinh quang ninh an o u"},
		{"decomposed input folds like composed", "Quye\u0302\u0301t đi\u0323nh", "quyet dinh"},
		{"number and symbol split on punctuation", "Số: 12/QĐ-UBND", "so 12 qd ubnd"},
		{"already folded", "quyet dinh", "quyet dinh"},
		{"only punctuation", " -- / ", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	got := Words("  Phê duyệt,  KẾ HOẠCH 2026 ")
	want := []string{"phe", "duyet", "ke", "hoach", "2026"}
	if !slices.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}

func TestNFC(t *testing.T) {
	t.Parallel()
	decomposed := "Quye\u0302\u0301t"
	if got, want := NFC(decomposed), "Quyết"; got != want {
		t.Errorf("NFC(%q) = %q (% x), want %q", decomposed, got, got, want)
	}
}
