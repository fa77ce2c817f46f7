package devpki

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Demo images for visible signatures (DOMAIN.md §6), made from nothing so
// the development PKI needs no artwork: a signer's handwriting is blue
// strokes on a transparent background, an agency's seal a red round stamp
// whose PNG records its resolution, so it prints at its real size.

// imageDPI is the resolution the demo images record.
const imageDPI = 300

// SealDiameterMM is the demo seal's real size.
const SealDiameterMM = 40

// SignaturePNG draws a demo handwritten signature, different for each
// name, blue on transparent.
func SignaturePNG(name string) ([]byte, error) {
	const w, h = 600, 300
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	blue := color.NRGBA{R: 0x10, G: 0x2a, B: 0xb0, A: 0xff}
	var seed uint32 = 2166136261
	for _, c := range []byte(name) {
		seed = (seed ^ uint32(c)) * 16777619
	}
	// A looping stroke whose loops and slant come from the name, then an
	// underline flourish.
	loops := 3 + float64(seed%4)
	slant := 0.15 + float64(seed>>8%20)/100
	for t := 0.0; t <= 1; t += 0.0002 {
		x := 40 + t*480 + 40*math.Sin(2*math.Pi*loops*t)
		y := 150 - 70*math.Cos(2*math.Pi*loops*t)*(1-t*0.4) + (x-300)*slant*0.3
		dot(img, x, y, 4, blue)
	}
	for t := 0.0; t <= 1; t += 0.0005 {
		dot(img, 60+t*480, 240-20*math.Sin(math.Pi*t), 3, blue)
	}
	return encode(img)
}

// SealPNG draws a demo round seal: two red rings with a star in the middle,
// SealDiameterMM across at imageDPI.
func SealPNG() ([]byte, error) {
	d := int(math.Round(SealDiameterMM / 25.4 * imageDPI))
	img := image.NewNRGBA(image.Rect(0, 0, d, d))
	red := color.NRGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xe0}
	c, r := float64(d)/2, float64(d)/2
	for y := 0; y < d; y++ {
		for x := 0; x < d; x++ {
			dx, dy := float64(x)+0.5-c, float64(y)+0.5-c
			dist := math.Hypot(dx, dy)
			switch {
			case dist <= r-1 && dist >= r-14, dist <= r*0.62 && dist >= r*0.62-7:
				img.SetNRGBA(x, y, red)
			case inStar(dx, dy, r*0.3):
				img.SetNRGBA(x, y, red)
			}
		}
	}
	return encode(img)
}

// inStar says whether (x, y) is inside a five-pointed star of radius r
// centred on the origin, point up.
func inStar(x, y, r float64) bool {
	angle := math.Atan2(x, -y) // 0 at the top, clockwise
	dist := math.Hypot(x, y)
	sector := math.Mod(angle+2*math.Pi, 2*math.Pi/5) - math.Pi/5
	// The star's edge runs from a point (r) to a notch (0.38 r) and back;
	// a straight blend is close enough for a demo stamp.
	edge := r - (r-r*0.38)*(1-math.Abs(sector)/(math.Pi/5))
	return dist <= edge
}

func dot(img *image.NRGBA, cx, cy, r float64, c color.NRGBA) {
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if math.Hypot(float64(x)-cx, float64(y)-cy) <= r {
				img.SetNRGBA(x, y, c)
			}
		}
	}
}

// encode writes img as a PNG with a pHYs chunk recording imageDPI, which
// the image/png encoder does not write.
func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	// Signature (8) then IHDR (4 length + 4 type + 13 data + 4 CRC).
	const afterIHDR = 8 + 25
	ppm := uint32(math.Round(imageDPI / 0.0254))
	chunk := make([]byte, 0, 21)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(data)+len(chunk))
	out = append(out, data[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, data[afterIHDR:]...), nil
}
