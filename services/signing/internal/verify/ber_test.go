package verify

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestBERToDER(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ber, der string // hex; der empty: refused
	}{
		{"DER stays as it is", "3006020105040100", "3006020105040100"},
		{"indefinite lengths", "3080020105308004010000000000", "30080201053003040100"},
		{"constructed octet string joined", "30800201052480040 2aabb0401cc00000000", "3008020105040 3aabbcc"},
		{"long-form length", "308103020105", "3003020105"},
		{"padding after the element dropped", "3003020105000000", "3003020105"},
		{"high tag number", "bf8a3d03020105", "bf8a3d03020105"},
		{"truncated", "30800201", ""},
		{"no end of contents", "3080020105", ""},
		{"length beyond the input", "30850105", ""},
		{"primitive indefinite", "0480aabb0000", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := hexBytes(t, tt.ber)
			got, err := berToDER(in)
			if tt.der == "" {
				if err == nil {
					t.Fatalf("berToDER(%s) = %x, want an error", tt.ber, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("berToDER(%s): %v", tt.ber, err)
			}
			if want := hexBytes(t, tt.der); !bytes.Equal(got, want) {
				t.Errorf("berToDER(%s) = %x, want %x", tt.ber, got, want)
			}
		})
	}
}

func TestBERDepthIsBounded(t *testing.T) {
	t.Parallel()
	var nested []byte
	for range maxBERDepth + 2 {
		nested = append(nested, 0x30, 0x80)
	}
	if _, err := berToDER(nested); err == nil {
		t.Error("nesting beyond the limit was accepted")
	}
}

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
