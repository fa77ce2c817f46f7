package deadlines_test

import (
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/routing/internal/deadlines"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
)

func planner(t *testing.T) *deadlines.Planner {
	t.Helper()
	return &deadlines.Planner{Calendar: routingtest.Calendar(t)}
}

func vn(y int, m time.Month, d, h, minute int) time.Time {
	return time.Date(y, m, d, h, minute, 0, 0, vntime.Zone)
}

func TestPlanDeadlines(t *testing.T) {
	t.Parallel()
	p := planner(t)
	tests := []struct {
		name             string
		in               deadlines.Input
		deadline, remind time.Time
	}{
		// Friday 13/02/2026 is the last working day before Tết; the office
		// reopens on Monday 23/02, so three working days end on Wednesday
		// 25/02 and the reminder is on Tuesday morning.
		{"across Tết", deadlines.Input{From: vn(2026, 2, 13, 9, 30), WorkingDays: 3, Urgency: "THUONG"},
			vn(2026, 2, 25, 9, 30), vn(2026, 2, 24, 8, 0)},
		{"no urgency given is normal", deadlines.Input{From: vn(2026, 3, 2, 10, 0), WorkingDays: 5},
			vn(2026, 3, 9, 10, 0), vn(2026, 3, 6, 8, 0)},
		{"reminder skips the weekend", deadlines.Input{From: vn(2026, 3, 4, 10, 0), WorkingDays: 3, Urgency: "THUONG"},
			vn(2026, 3, 9, 10, 0), vn(2026, 3, 6, 8, 0)},
		{"KHAN halves rounding up", deadlines.Input{From: vn(2026, 3, 2, 10, 0), WorkingDays: 5, Urgency: "KHAN"},
			vn(2026, 3, 5, 10, 0), vn(2026, 3, 4, 8, 0)},
		// One working day: 08:00 of the day before the deadline is before
		// the start, so the reminder rings halfway through the deadline's
		// morning, not on Sunday.
		{"THUONG_KHAN is one working day", deadlines.Input{From: vn(2026, 3, 6, 14, 0), WorkingDays: 10, Urgency: "THUONG_KHAN"},
			vn(2026, 3, 9, 14, 0), vn(2026, 3, 9, 11, 0)},
		{"HOA_TOC four hours later", deadlines.Input{From: vn(2026, 3, 2, 9, 0), WorkingDays: 3, Urgency: "HOA_TOC"},
			vn(2026, 3, 2, 13, 0), vn(2026, 3, 2, 11, 0)},
		{"HOA_TOC by the end of the day", deadlines.Input{From: vn(2026, 3, 2, 15, 0), Urgency: "HOA_TOC"},
			vn(2026, 3, 2, 17, 0), vn(2026, 3, 2, 16, 0)},
		{"HOA_TOC after hours counts from the next morning", deadlines.Input{From: vn(2026, 2, 13, 18, 0), Urgency: "HOA_TOC"},
			vn(2026, 2, 23, 12, 0), vn(2026, 2, 23, 10, 0)},
		{"HOA_TOC early morning waits for the office", deadlines.Input{From: vn(2026, 3, 2, 6, 0), Urgency: "HOA_TOC"},
			vn(2026, 3, 2, 12, 0), vn(2026, 3, 2, 10, 0)},
		// A date a leader chose stays the deadline, whatever the urgency;
		// the reminder is still on the working day before.
		// Zero working days: the same working day, by the end of office
		// hours; after hours or on a day off, the next working day's.
		{"the same day", deadlines.Input{From: vn(2026, 3, 2, 10, 0), Urgency: "THUONG"},
			vn(2026, 3, 2, 17, 0), vn(2026, 3, 2, 13, 30)},
		{"the same day, after hours on Friday", deadlines.Input{From: vn(2026, 3, 6, 18, 0), Urgency: "KHAN"},
			vn(2026, 3, 9, 17, 0), vn(2026, 3, 9, 12, 30)},
		{"a chosen date is kept", deadlines.Input{From: vn(2026, 3, 2, 10, 0), WorkingDays: 1, Urgency: "HOA_TOC", Due: vn(2026, 3, 9, 17, 0)},
			vn(2026, 3, 9, 17, 0), vn(2026, 3, 6, 8, 0)},
		{"a chosen date after Tết is reminded after it", deadlines.Input{From: vn(2026, 2, 13, 9, 30), Due: vn(2026, 2, 24, 17, 0)},
			vn(2026, 2, 24, 17, 0), vn(2026, 2, 23, 8, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.PlanDeadlines(t.Context(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Deadline.Equal(tc.deadline) || !got.RemindAt.Equal(tc.remind) {
				t.Fatalf("deadline %s remind %s, want %s and %s", got.Deadline, got.RemindAt, tc.deadline, tc.remind)
			}
			if _, off := got.Deadline.Zone(); off != 7*3600 {
				t.Fatalf("deadline in zone offset %d, want +07:00", off)
			}
		})
	}
}

func TestPlanDeadlinesRefusesBadInput(t *testing.T) {
	t.Parallel()
	p := planner(t)
	for _, in := range []deadlines.Input{
		{From: vn(2026, 3, 2, 9, 0), WorkingDays: -1},
		{From: vn(2026, 3, 2, 9, 0), WorkingDays: 1, Urgency: "SOON"},
		{From: vn(2026, 3, 2, 9, 0), Due: vn(2026, 3, 2, 9, 0)},
	} {
		if _, err := p.PlanDeadlines(t.Context(), in); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("%+v: %v, want an invalid-input error", in, err)
		}
	}
	// A year the calendar does not know: the operator must add it.
	if _, err := p.PlanDeadlines(t.Context(), deadlines.Input{From: vn(2099, 3, 2, 9, 0), WorkingDays: 1}); errs.KindOf(err) != errs.Internal {
		t.Fatalf("uncovered year: %v", err)
	}
}
