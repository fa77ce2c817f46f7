package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

const (
	benchAgency = "000.00.00.G22"
	benchTasks  = 100_000
	benchUsers  = 500
	// benchSubstitutes of the people have a substitute ("pho-" and their
	// username) for all their tasks.
	benchSubstitutes = 50
)

var benchNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// BenchmarkInbox measures a person's inbox page with 100,000 open tasks
// spread over 500 people, on each database, and reports the median and
// 99th-percentile latency of one page.
func BenchmarkInbox(b *testing.B) {
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(b), "postgres": testkit.Postgres(b)} {
		b.Run(name, func(b *testing.B) {
			s := seededStore(b, dsn)
			queries := []struct {
				name string
				q    InboxQuery
				next bool // measure the second page, reached with the first's token
			}{
				{"first-page", InboxQuery{}, false},
				{"next-page", InboxQuery{}, true},
				{"overdue-urgent", InboxQuery{Overdue: true, Urgent: true}, false},
				{"kind-agency-by-urgency", InboxQuery{Kind: "CONG_VAN", IssuerID: "000.00.00.G03", Sort: SortUrgency}, false},
				{"latest-assigned", InboxQuery{Sort: SortAssignedAtDesc}, false},
				// A substitute's inbox holds the tasks of the person they act
				// for: a different query, without an index in sort order.
				{"substitute", InboxQuery{Assignee: "pho-"}, false},
			}
			for _, bq := range queries {
				b.Run(bq.name, func(b *testing.B) {
					ctx := b.Context()
					var took []time.Duration
					i := 0
					for b.Loop() {
						q := bq.q
						q.Agency, q.Assignee, q.PageSize, q.Now = benchAgency, bq.q.Assignee+benchUser(i%benchUsers), 20, benchNow
						if bq.q.Assignee != "" {
							q.Assignee = bq.q.Assignee + benchUser(i%benchSubstitutes)
						}
						i++
						if bq.next {
							_, next, err := s.Inbox(ctx, q)
							if err != nil || next == "" {
								b.Fatalf("first page: next %q, %v", next, err)
							}
							q.PageToken = next
						}
						start := time.Now()
						tasks, _, err := s.Inbox(ctx, q)
						took = append(took, time.Since(start))
						if err != nil {
							b.Fatal(err)
						}
						if len(tasks) == 0 && q.Kind == "" {
							b.Fatalf("%s has an empty inbox", q.Assignee)
						}
					}
					reportLatency(b, took)
				})
			}
		})
	}
}

// BenchmarkDocuments measures the first page of the agency's documents,
// 100,000 of them, as people of each kind see it through the need-to-know
// condition: a clerk reads every one; an official only those with a task of
// theirs (200 each) or of someone they stand in for; an official with no
// task at all reads none, the case where the condition must reject every
// row; and the median and 99th-percentile latency of one page.
func BenchmarkDocuments(b *testing.B) {
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(b), "postgres": testkit.Postgres(b)} {
		b.Run(name, func(b *testing.B) {
			s := seededStore(b, dsn)
			readers := []struct {
				name   string
				reader func(i int) Reader
				empty  bool
			}{
				{"clerk", func(int) Reader { return Reader{Username: "vanthu", Role: "clerk"} }, false},
				{"official", func(i int) Reader { return Reader{Username: benchUser(i % benchUsers), Role: "official"} }, false},
				{"substitute", func(i int) Reader { return Reader{Username: "pho-" + benchUser(i%benchSubstitutes), Role: "official"} }, false},
				{"official-without-tasks", func(int) Reader { return Reader{Username: "chuyenvien-moi", Role: "official"} }, true},
			}
			for _, br := range readers {
				b.Run(br.name, func(b *testing.B) {
					ctx := b.Context()
					var took []time.Duration
					i := 0
					for b.Loop() {
						r := br.reader(i)
						i++
						r.Agency, r.Now = benchAgency, benchNow
						start := time.Now()
						docs, _, err := s.Documents(ctx, DocumentQuery{Reader: r, PageSize: 20})
						took = append(took, time.Since(start))
						if err != nil {
							b.Fatal(err)
						}
						if (len(docs) == 0) != br.empty {
							b.Fatalf("%s sees %d documents", r.Username, len(docs))
						}
					}
					reportLatency(b, took)
				})
			}
		})
	}
}

// reportLatency reports the median and 99th percentile of took.
func reportLatency(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	ms := func(p float64) float64 {
		return float64(took[int(p*float64(len(took)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

func benchUser(i int) string { return fmt.Sprintf("chuyenvien%03d", i) }

// seededStore is a read model holding benchTasks open tasks, written in
// multi-row inserts a few thousand at a time: projecting that many events
// one by one would take minutes.
func seededStore(b *testing.B, dsn string) *Store {
	b.Helper()
	ctx := b.Context()
	db := testkit.DB(b, dsn)
	s, err := Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"CONG_VAN", "QUYET_DINH", "TO_TRINH", "KE_HOACH"}
	urgencies := []string{"THUONG", "THUONG", "THUONG", "THUONG", "KHAN", "THUONG_KHAN", "HOA_TOC"}
	const perStatement, perTx = 500, 5000
	for first := 0; first < benchTasks; first += perTx {
		if err := db.InTx(ctx, func(tx *sql.Tx) error {
			for at := first; at < first+perTx; at += perStatement {
				if err := insertBenchTasks(ctx, tx, rng, at, perStatement, kinds, urgencies); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	// Each task's document, registered by the clerk and not secret: the
	// documents list reads them through the need-to-know condition.
	if _, err := db.ExecContext(ctx, `INSERT INTO documents (id, agency, kind, subject, urgency, confidentiality,
		arrival_number, arrival_year, status, bucket, object_key, sha256, size, created_at, updated_at, drafter)
		SELECT document_id, agency, kind, subject, urgency, 'NONE', 0, 2026, $1, 'documents', document_id, '', 0,
			assigned_at, assigned_at, 'vanthu' FROM tasks`, StatusInApproval); err != nil {
		b.Fatal(err)
	}
	for i := range benchSubstitutes {
		if _, err := db.ExecContext(ctx, `INSERT INTO task_substitutes (task_id, username, valid_from, valid_until)
			SELECT id, $1, $2, $3 FROM tasks WHERE assignee = $4`,
			"pho-"+benchUser(i), sqlstore.Time(benchNow.Add(-24*time.Hour)), sqlstore.Time(benchNow.Add(240*time.Hour)), benchUser(i)); err != nil {
			b.Fatal(err)
		}
	}
	// Fresh statistics, as a database that has lived with these tasks has.
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d tasks in %v", benchTasks, time.Since(start).Round(time.Millisecond))
	return s
}

func insertBenchTasks(ctx context.Context, tx *sql.Tx, rng *rand.Rand, first, n int, kinds, urgencies []string) error {
	const columns = 13
	var (
		rows = make([]string, 0, n)
		args = make([]any, 0, n*columns)
	)
	for i := first; i < first+n; i++ {
		urgency := urgencies[rng.IntN(len(urgencies))]
		assigned := benchNow.Add(-time.Duration(rng.IntN(60*24)) * time.Minute * 30)
		deadline := assigned.Add(time.Duration(1+rng.IntN(15*24)) * time.Hour)
		doc := fmt.Sprintf("doc-%06d", i)
		args = append(args, fmt.Sprintf("task-%06d", i), doc, "approval-"+doc, benchAgency, benchUser(i%benchUsers),
			"Về việc "+doc, kinds[rng.IntN(len(kinds))], urgency, sqlstore.Time(assigned), sqlstore.Time(deadline),
			fmt.Sprintf("000.00.00.G%02d", rng.IntN(20)), urgencyOrder(urgency), "open")
		marks := make([]string, columns)
		for c := range marks {
			marks[c] = fmt.Sprintf("$%d", len(args)-columns+c+1)
		}
		rows = append(rows, "("+strings.Join(marks, ", ")+")")
	}
	// Only placeholders are joined in; the values travel as arguments.
	var insert strings.Builder
	insert.WriteString(`INSERT INTO tasks (id, document_id, workflow_id, agency, assignee, subject, kind, urgency,
		assigned_at, deadline, issuer_id, urgency_order, status) VALUES `)
	insert.WriteString(strings.Join(rows, ", "))
	_, err := tx.ExecContext(ctx, insert.String(), args...)
	return err
}
