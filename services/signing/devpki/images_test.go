package devpki_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
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

// Init puts the demo images where the signing service reads them, and
// keeps an image an operator put there instead.
func TestInitWritesDemoImages(t *testing.T) {
	t.Parallel()
	dir, _ := initDemo(t)
	seal, err := devpki.SealPNG()
	if err != nil {
		t.Fatal(err)
	}
	signature, err := devpki.SignaturePNG("Phạm Minh Đức")
	if err != nil {
		t.Fatal(err)
	}
	sealFile := filepath.Join(dir, "org", "000_00_00_G22.seal.png")
	for file, want := range map[string][]byte{sealFile: seal, filepath.Join(dir, "users", "lanhdao.signature.png"): signature} {
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("no demo image: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not the demo image", file)
		}
	}

	own := []byte("the agency's own seal")
	if err := os.WriteFile(sealFile, own, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := devpki.Init(dir, devpki.DemoOptions(), now); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(sealFile); err != nil || !bytes.Equal(got, own) {
		t.Errorf("after a second Init the seal is %q, %v; want the operator's image kept", got, err)
	}
}
