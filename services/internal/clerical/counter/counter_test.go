package counter_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/clerical/counter/countertest"
	"github.com/docflow/docflow/services/internal/testkit"
)

// databases are the stores the counters run on.
var databases = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{"sqlite", testkit.SQLite},
	{"postgres", testkit.Postgres},
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			countertest.Run(t, d.dsn)
		})
	}
}

// BenchmarkIssue measures numbers issued per second on one series: one
// issuer after another, and many at once (which queue on the series).
func BenchmarkIssue(b *testing.B) {
	for _, d := range databases {
		b.Run(d.name, func(b *testing.B) {
			store, err := counter.Open(b.Context(), testkit.DB(b, d.dsn(b)))
			if err != nil {
				b.Fatal(err)
			}
			doc := counter.Document{Agency: "000.00.00.G22", Direction: counter.Incoming}
			noop := func(*sql.Tx, int64) error { return nil }
			year := 2000

			b.Run("sequential", func(b *testing.B) {
				year++ // a fresh series for every run of the benchmark
				s := counter.DefaultConfig().SeriesFor(doc, time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC))
				issued := 0
				for b.Loop() {
					if _, err := store.Issue(b.Context(), s, noop); err != nil {
						b.Fatal(err)
					}
					issued++
				}
				report(b, store, s, issued)
			})
			b.Run("parallel", func(b *testing.B) {
				year++
				s := counter.DefaultConfig().SeriesFor(doc, time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC))
				b.SetParallelism(4) // 4 issuers per CPU
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := store.Issue(b.Context(), s, noop); err != nil {
							b.Error(err)
							return
						}
					}
				})
				report(b, store, s, b.N)
			})
		})
	}
}

// report adds the throughput, and checks that every iteration got a number.
func report(b *testing.B, store *counter.Store, s counter.Series, issued int) {
	b.Helper()
	b.ReportMetric(float64(issued)/b.Elapsed().Seconds(), "numbers/s")
	n, err := store.Last(b.Context(), s)
	if err != nil {
		b.Fatal(err)
	}
	if n != int64(issued) {
		b.Fatalf("%d issues left the series at %d", issued, n)
	}
}
