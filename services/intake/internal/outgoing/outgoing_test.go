package outgoing_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/intake/internal/outgoing"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/intake/internal/register/registertest"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/workflows"
)

const (
	g22 = "000.00.00.G22" // Văn phòng Chính phủ, VPCP
	g99 = "000.00.00.G99" // a test agency without an abbreviation
)

type fixture struct {
	reg     *register.Register
	numbers *outgoing.Register
	db      *sqlstore.DB
	env     *testsuite.TestActivityEnvironment
	now     time.Time
}

func setup(t *testing.T, dsn string) *fixture {
	t.Helper()
	reg, db := registertest.Open(t, dsn)
	dir, err := agencies.Parse([]byte(`{"version":"test","sources":["test"],"agencies":[
		{"id":"` + g22 + `","name":"Văn phòng Chính phủ","abbreviation":"VPCP","valid_from":"","valid_until":"","successor":"","source":"test"},
		{"id":"` + g99 + `","name":"Cơ quan thử","abbreviation":"","valid_from":"","valid_until":"","successor":"","source":"test"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{reg: reg, db: db, now: time.Date(2026, 3, 5, 9, 30, 0, 0, vntime.Zone)}
	f.numbers, err = outgoing.Open(t.Context(), db, counter.DefaultConfig(), reg, dir, func() time.Time { return f.now }, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	f.env = suite.NewTestActivityEnvironment()
	f.numbers.Register(f.env)
	return f
}

// enter registers a document as intake does on upload.
func (f *fixture) enter(t *testing.T, agency, kind, confidentiality string) string {
	t.Helper()
	d := registertest.Document(agency, f.now)
	d.Kind, d.Confidentiality = kind, confidentiality
	if _, _, err := f.reg.Enter(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

var clerk = events.Actor{Username: "vanthu", Role: "clerk", Agency: g22}

func (f *fixture) assign(t *testing.T, id, agency string) (workflows.AssignNumberResult, error) {
	t.Helper()
	val, err := f.env.ExecuteActivity(workflows.ActivityAssignNumber, workflows.AssignNumberInput{DocumentID: id, Agency: agency, By: clerk})
	if err != nil {
		return workflows.AssignNumberResult{}, err
	}
	var res workflows.AssignNumberResult
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}
	return res, nil
}

// onEachDatabase runs test on a fresh fixture in each database the register
// supports.
func onEachDatabase(t *testing.T, test func(t *testing.T, f *fixture)) {
	registertest.OnEachDatabase(t, func(t *testing.T, dsn func(testing.TB) string) {
		test(t, setup(t, dsn(t)))
	})
}

func errType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

func TestAssignNumber(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, f *fixture) {
		qd := f.enter(t, g22, "QUYET_DINH", "NONE")
		first, err := f.assign(t, qd, g22)
		if err != nil {
			t.Fatal(err)
		}
		if first.Number != 1 || first.Symbol != "01/QĐ-VPCP" || first.Register != counter.OutgoingRegister ||
			first.Year != 2026 || !first.IssuedAt.Equal(f.now) {
			t.Fatalf("first number %+v, want 01/QĐ-VPCP in the outgoing register of 2026", first)
		}
		f.now = f.now.Add(time.Hour)
		again, err := f.assign(t, qd, g22)
		if err != nil || again.Number != 1 || again.Symbol != first.Symbol || !again.IssuedAt.Equal(first.IssuedAt) {
			t.Fatalf("numbered again: %+v, %v; want the first number and date", again, err)
		}

		cv := f.enter(t, g22, "CONG_VAN", "NONE")
		if got, err := f.assign(t, cv, g22); err != nil || got.Number != 2 || got.Symbol != "02/VPCP" {
			t.Fatalf("công văn: %+v, %v; want 02/VPCP (no kind abbreviation)", got, err)
		}
		secret := f.enter(t, g22, "QUYET_DINH", "MAT")
		if got, err := f.assign(t, secret, g22); err != nil || got.Number != 1 || got.Register != counter.OutgoingSecretRegister {
			t.Fatalf("secret document: %+v, %v; want 1 in the secret series", got, err)
		}
		copyDoc := f.enter(t, g22, "SAO_Y", "NONE")
		if got, err := f.assign(t, copyDoc, g22); err != nil || got.Symbol != "01/SY-VPCP" || got.Register != counter.OutgoingCopyRegister {
			t.Fatalf("copy: %+v, %v; want 01/SY-VPCP in the copy series", got, err)
		}
		// The year turns in Vietnam, not in UTC.
		f.now = time.Date(2027, 1, 1, 0, 5, 0, 0, vntime.Zone)
		next := f.enter(t, g22, "QUYET_DINH", "NONE")
		if got, err := f.assign(t, next, g22); err != nil || got.Number != 1 || got.Year != 2027 {
			t.Fatalf("first document of 2027: %+v, %v; want number 1 again", got, err)
		}
	})
}

func TestAssignNumberRefuses(t *testing.T) {
	t.Parallel()
	f := setup(t, testkit.SQLite(t))
	series := counter.Series{Agency: g99, Register: counter.OutgoingRegister, Year: 2026}

	if _, err := f.assign(t, uuid.NewString(), g22); errType(err) != workflows.ErrUnregistered {
		t.Errorf("unknown document: %v, want %s", err, workflows.ErrUnregistered)
	}
	qd := f.enter(t, g22, "QUYET_DINH", "NONE")
	if _, err := f.assign(t, qd, g99); errType(err) != workflows.ErrUnregistered {
		t.Errorf("another agency's document: %v, want %s", err, workflows.ErrUnregistered)
	}
	noAbbr := f.enter(t, g99, "QUYET_DINH", "NONE")
	_, err := f.assign(t, noAbbr, g99)
	if errType(err) != workflows.ErrCannotNumber {
		t.Fatalf("agency without an abbreviation: %v, want %s", err, workflows.ErrCannotNumber)
	}
	counters, err := counter.Open(t.Context(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	if last, err := counters.Last(t.Context(), series); err != nil || last != 0 {
		t.Fatalf("the counter is at %d (%v) after a refused number, want 0: a failed issue burns no number", last, err)
	}
}

// Clerks issuing at once, and a retried activity among them, get distinct
// numbers without gaps, one per document.
func TestAssignNumberConcurrently(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, f *fixture) {
		const n = 12
		ids := make([]string, n)
		for i := range ids {
			ids[i] = f.enter(t, g22, "QUYET_DINH", "NONE")
		}
		var (
			mu  sync.Mutex
			got = map[string][]int64{}
			wg  sync.WaitGroup
		)
		for i := range 2 * n {
			wg.Go(func() {
				id := ids[i%n]
				// Called directly: the SDK's test environment runs one
				// activity at a time.
				res, err := f.numbers.AssignNumber(t.Context(), workflows.AssignNumberInput{DocumentID: id, Agency: g22, By: clerk})
				if err != nil {
					t.Errorf("%s: %v", id, err)
					return
				}
				mu.Lock()
				got[id] = append(got[id], res.Number)
				mu.Unlock()
			})
		}
		wg.Wait()
		var numbers []int64
		for _, id := range ids {
			if len(got[id]) != 2 || got[id][0] != got[id][1] {
				t.Errorf("document %s got %v, want the same number twice", id, got[id])
				continue
			}
			numbers = append(numbers, got[id][0])
		}
		registertest.CheckConsecutive(t, numbers, n)
	})
}

// A công văn's symbol carries its drafting unit (12/VPCP-TH); a kind with
// an abbreviation of its own does not. The date line names the agency's
// place, and a repeated request gives the same one.
func TestAssignNumberUnitsAndDateLine(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, f *fixture) {
		f.numbers.Places = map[string]string{"000.00.00.G22": "Hà Nội"}
		number := func(id string) workflows.AssignNumberResult {
			t.Helper()
			val, err := f.env.ExecuteActivity(workflows.ActivityAssignNumber, workflows.AssignNumberInput{
				DocumentID: id, Agency: g22, By: clerk, Units: []string{"TH"},
			})
			if err != nil {
				t.Fatal(err)
			}
			var res workflows.AssignNumberResult
			if err := val.Get(&res); err != nil {
				t.Fatal(err)
			}
			return res
		}
		cv := f.enter(t, g22, "CONG_VAN", "NONE")
		got := number(cv)
		if got.Symbol != "01/VPCP-TH" || got.DateLine != "Hà Nội, ngày 05 tháng 3 năm 2026" {
			t.Errorf("công văn numbered %q dated %q; want 01/VPCP-TH and Hà Nội, ngày 05 tháng 3 năm 2026", got.Symbol, got.DateLine)
		}
		f.now = f.now.AddDate(0, 0, 1)
		if again := number(cv); again.Symbol != got.Symbol || again.DateLine != got.DateLine {
			t.Errorf("numbered again as %q dated %q; want the first number and date", again.Symbol, again.DateLine)
		}
		if qd := number(f.enter(t, g22, "QUYET_DINH", "NONE")); qd.Symbol != "02/QĐ-VPCP" {
			t.Errorf("decision numbered %q; want 02/QĐ-VPCP, without the unit", qd.Symbol)
		}
	})
}

// An agency that numbers per kind (its registers file says so) gives each
// kind its own series; another agency keeps the shared one.
func TestAssignNumberPerKind(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, f *fixture) {
		dir, err := agencies.Load()
		if err != nil {
			t.Fatal(err)
		}
		series := counter.Config{Mode: counter.Shared, Agencies: map[string]counter.Agency{g22: {Mode: counter.PerKind}}}
		numbers, err := outgoing.Open(t.Context(), f.db, series, f.reg, dir, func() time.Time { return f.now }, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		number := func(kind string) workflows.AssignNumberResult {
			t.Helper()
			res, err := numbers.AssignNumber(t.Context(), workflows.AssignNumberInput{DocumentID: f.enter(t, g22, kind, "NONE"), Agency: g22, By: clerk})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		qd1, cv1, qd2 := number("QUYET_DINH"), number("CONG_VAN"), number("QUYET_DINH")
		if qd1.Number != 1 || cv1.Number != 1 || qd2.Number != 2 || qd1.Register != "outgoing/kind/QUYET_DINH" || cv1.Register != "outgoing/kind/CONG_VAN" {
			t.Errorf("per kind: QĐ %d in %s, CV %d in %s, QĐ %d; want 1, 1, 2 in the kinds' registers",
				qd1.Number, qd1.Register, cv1.Number, cv1.Register, qd2.Number)
		}
	})
}
