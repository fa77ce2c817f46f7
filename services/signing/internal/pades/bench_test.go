package pades_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// benchSizes are the documents signed: a short letter, a decision with
// annexes, a large scanned-size file. Each is pages of 8 KB of text, so the
// same bytes are produced on every run.
var benchSizes = []struct {
	name  string
	pages int
}{
	{"50KB", 6},
	{"1MB", 128},
	{"20MB", 2560},
}

func benchDocument(b *testing.B, pages int) []byte {
	b.Helper()
	texts := make([]string, pages)
	for i := range texts {
		texts[i] = fmt.Sprintf("Trang %d ", i+1) + strings.Repeat("noi dung van ban ", 8<<10/17)
	}
	return pdftest.Document(b, texts...)
}

// BenchmarkSign measures signatures per second and peak memory of our
// signer at B-B and B-LT (with the development TSA, OCSP responder and CRL
// on loopback), side by side with poppler's `pdfsig -add-signature` signing
// the same files with the same key from an NSS database. pdfsig writes an
// adbe.pkcs7.detached signature without timestamp or validation data, so it
// compares with B-B.
//
// The key is RSA-2048, not the development PKI's P-256: poppler 22.12 sizes
// the signature's placeholder from a trial signature, and an ECDSA
// signature one byte longer than the trial makes about half of its runs
// fail ("unable update signature"); RSA signatures have a fixed length.
//
// Metrics: sig/s; for our signer alloc-MB/op (bytes allocated per
// signature) and peak-heap-MB (the live heap's high-water mark above its
// level before, sampled every 50µs over one extra untimed signature); for
// pdfsig peak-RSS-MB, the largest resident set of its processes.
func BenchmarkSign(b *testing.B) {
	tr := pdftest.NewTrust(b, zap.NewNop())
	id := rsaUser(b, tr, "bench-rsa")
	nss := pdftest.NSSWithSigner(b, tr.RootFile(), id.P12File, devpki.P12Password)
	for _, size := range benchSizes {
		pdf := benchDocument(b, size.pages)
		in := filepath.Join(b.TempDir(), "in.pdf")
		if err := os.WriteFile(in, pdf, 0o600); err != nil {
			b.Fatal(err)
		}
		for _, level := range []pades.Level{pades.LevelBB, pades.LevelBLT} {
			b.Run(fmt.Sprintf("size=%s/signer=docflow/level=%s", size.name, level), func(b *testing.B) {
				req := padestest.Request(tr, "lanhdao", level)
				req.Key, req.Cert = id.Key, id.Cert
				signer := pades.NewPDFSign()
				sign := func() {
					if _, err := signer.Sign(b.Context(), bytes.NewReader(pdf), int64(len(pdf)), io.Discard, req); err != nil {
						b.Fatal(err)
					}
				}
				allocs := heapAllocs()
				for b.Loop() {
					sign()
				}
				b.ReportMetric(float64(heapAllocs()-allocs)/float64(b.N)/(1<<20), "alloc-MB/op")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
				// Outside the timed loop: the sampler would slow it down.
				runtime.GC()
				peak := watchHeap()
				sign()
				b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
			})
		}
		b.Run(fmt.Sprintf("size=%s/signer=pdfsig", size.name), func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "out.pdf")
			var maxRSS int64
			for b.Loop() {
				_ = os.Remove(out) // pdfsig refuses to overwrite
				cmd := exec.CommandContext(b.Context(), "pdfsig", "-nssdir", "sql:"+nss.Dir, "-add-signature",
					"-nick", nss.Nick, "-reason", "Phê duyệt", in, out)
				if msg, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("pdfsig -add-signature: %v\n%s", err, msg)
				}
				// Maxrss is in kilobytes on Linux.
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					maxRSS = max(maxRSS, ru.Maxrss)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
			b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MB")
		})
	}
}

// heapAllocs is the bytes allocated on the heap since the program started.
func heapAllocs() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// watchHeap samples the live heap every 50µs until the returned
// function is called, which returns the highest level seen above the
// level at the start.
func watchHeap() (peak func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var high uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(50 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if v := read(); v > base {
					high = max(high, v-base)
				}
			}
		}
	})
	return func() uint64 {
		close(stop)
		wg.Wait()
		return high
	}
}

// rsaUser issues an RSA-2048 personal certificate from the development
// root and writes it into the PKI directory as user username (with its
// PKCS#12 file), where the development OCSP responder and CRL know it.
func rsaUser(b *testing.B, tr *pdftest.Trust, username string) *devpki.Identity {
	b.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	rootKey, err := tr.PKI.RootKey()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "Benchmark Signer (RSA)", SerialNumber: username, Country: []string{"VN"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		OCSPServer:            []string{tr.URL + devpki.OCSPPath},
		CRLDistributionPoints: []string{tr.URL + devpki.CRLPath},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tr.PKI.Root, &key.PublicKey, rootKey)
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		b.Fatal(err)
	}
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{tr.PKI.Root}, devpki.P12Password)
	if err != nil {
		b.Fatal(err)
	}
	base := filepath.Join(tr.PKI.Dir, "users", username)
	for file, data := range map[string][]byte{
		base + ".key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8}),
		base + ".crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		base + ".p12": p12,
	} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return &devpki.Identity{Cert: cert, Key: key, CertFile: base + ".crt", KeyFile: base + ".key", P12File: base + ".p12"}
}
