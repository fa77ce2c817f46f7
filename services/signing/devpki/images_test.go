package devpki_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pades"
)

// The demo images are PNGs with transparency; the seal records its
// resolution so that it prints at its real size.
func TestDemoImages(t *testing.T) {
	t.Parallel()
	seal, err := devpki.SealPNG()
	if err != nil {
		t.Fatal(err)
	}
	w, h, err := pades.PNGSize(seal)
	if err != nil {
		t.Fatal(err)
	}
	want := float64(devpki.SealDiameterMM) / 25.4 * 72
	if w < want-1 || w > want+1 || h < want-1 || h > want+1 {
		t.Errorf("seal is %.1f×%.1f points, want %.1f across", w, h, want)
	}
	a, err := devpki.SignaturePNG("lanhdao")
	if err != nil {
		t.Fatal(err)
	}
	b, err := devpki.SignaturePNG("chuyenvien1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Error("two people have the same handwriting")
	}
	for name, data := range map[string][]byte{"seal": seal, "signature": a} {
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, _, alpha := img.At(0, 0).RGBA(); alpha != 0 {
			t.Errorf("%s: the corner is not transparent", name)
		}
	}
}
