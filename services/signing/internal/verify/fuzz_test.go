package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
)

// fuzzMaxSize keeps each input small enough for the fuzzer to mutate
// quickly; Verify's own limits are what the inputs probe.
const fuzzMaxSize = 1 << 20

// fuzzBudget is far more than any input takes; an input that needs it is a
// hang in the making.
const fuzzBudget = 10 * time.Second

// FuzzVerify feeds signed, tampered and mutated PDFs to Verify: it must
// never panic, never hang, and always return a report (or, only for inputs
// above MaxSize, a FileTooLarge error) that is consistent and serialisable.
func FuzzVerify(f *testing.F) {
	e := newEnv(f)
	plain := pdftest.Document(f, "Quyet dinh phe duyet")
	bb := e.sign(f, plain, "lanhdao", pades.LevelBB)
	two := e.sign(f, bb, "vanthu", pades.LevelBB)
	streams := e.sign(f, pdftest.ObjectStreams(f, pdftest.Document(f, "Cong van", "Phu luc")), "chuyenvien1", pades.LevelBB)
	lta := e.sign(f, plain, "lanhdao", pades.LevelBLTA)
	cStart, _, _ := contents(f, bb)
	for _, seed := range [][]byte{
		plain, bb, two, streams, lta,
		append(slices.Clone(bb), "appended"...),
		bb[:len(bb)/2],
		flipHex(bb, cStart),
		appendUpdate(f, bb, map[int]string{5: "<< /Length 3 >>\nstream\nabc\nendstream"}),
		[]byte("%PDF-1.7\n%%EOF"),
		nil,
	} {
		f.Add(seed)
	}
	opts := verify.Options{Roots: e.Roots(), MaxSize: fuzzMaxSize}

	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(t.Context(), fuzzBudget)
		defer cancel()
		start := time.Now()
		rep, err := verify.Verify(ctx, bytes.NewReader(data), int64(len(data)), opts)
		if took := time.Since(start); took > fuzzBudget {
			t.Fatalf("Verify took %v on %d bytes", took, len(data))
		}
		if err != nil {
			var e *errs.Error
			if len(data) > fuzzMaxSize && errors.As(err, &e) && e.Code == errcode.FileTooLarge {
				return
			}
			t.Fatalf("Verify returned an error instead of a report: %v", err)
		}
		if rep.Valid && (len(rep.Signatures) == 0 || rep.Verified != len(rep.Signatures)) {
			t.Fatalf("valid report without verified signatures: %+v", rep)
		}
		for _, s := range rep.Signatures {
			if rep.Valid && !s.Valid {
				t.Fatalf("valid report with an invalid signature: %+v", s)
			}
			for _, p := range s.Problems {
				if p.Code == "" || p.Message == "" {
					t.Fatalf("problem without code or message: %+v", p)
				}
			}
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Fatalf("report does not serialise: %v", err)
		}
	})
}
