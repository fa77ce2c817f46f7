// Package deadlines computes a task's deadline and reminder time on the
// working-day calendar, for workflows that cannot read the calendar
// themselves (workflow code stays deterministic; this runs as an activity).
//
// The deadline of a step of n working days depends on the urgency:
//
//   - THUONG (or none): n working days after the task starts, at the same
//     time of day (calendar.AddWorkingDays).
//   - KHAN: half of n working days, rounded up (5 → 3, 1 → 1).
//   - THUONG_KHAN: one working day, whatever n is.
//   - HOA_TOC: the same working day, 4 hours after the task starts, and no
//     later than the end of office hours (17:00); a task that starts outside
//     office hours counts from 08:00 of the next working day.
//
// Zero working days is the same working day at any other urgency: by the end
// of office hours of the day the task starts, or of the next working day
// when it starts after hours or on a day off (a signed document is issued
// the day it is signed, ND30 Art. 18).
//
// A deadline a person chose (Input.Due, such as the handling deadline a
// leader gives an incoming document) is kept as it is, whatever the urgency.
//
// The reminder is at the start of office hours (08:00) of the last working day
// before the deadline's day. When that is not after the start (a deadline of
// a day or less), the reminder falls halfway through the deadline's day
// until the deadline (from the start, if it starts that day), so it never
// rings at night or on a holiday.
package deadlines

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows"
)

// Urgency levels (DOMAIN.md §3), as documents carry them.
const (
	Normal      = "THUONG"
	Urgent      = "KHAN"
	VeryUrgent  = "THUONG_KHAN"
	Immediate   = "HOA_TOC"
	officeOpens = 8  // hour office hours start, +07:00
	officeEnds  = 17 // hour office hours end, +07:00
	// immediateHours is the time allowed for a HOA_TOC task.
	immediateHours = 4
)

// Input asks for the deadline of a task that starts at From and is given
// WorkingDays working days at the document's Urgency: the approval chain's
// PlanDeadlines activity input.
type Input = workflows.PlanDeadlinesInput

// Result is when the task is due and when to remind its assignee, in +07:00.
type Result = workflows.PlanDeadlinesResult

// Planner computes deadlines on a calendar.
type Planner struct {
	Calendar *calendar.Calendar
}

// PlanDeadlines is the activity. Its errors are classified: an invalid input
// is not worth retrying; a calendar lacking the year's data is Internal, and
// a retry succeeds once the operator adds the data.
func (p *Planner) PlanDeadlines(_ context.Context, in Input) (Result, error) {
	const op = "deadlines.PlanDeadlines"
	if in.WorkingDays < 0 {
		return Result{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("working days must be 0 or more, got %d", in.WorkingDays)).WithDetail("working_days", "must be 0 or more")
	}
	from := in.From.In(vntime.Zone)
	if !in.Due.IsZero() {
		due := in.Due.In(vntime.Zone)
		if !due.After(from) {
			return Result{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("the deadline %s is not after %s", due.Format(time.RFC3339), from.Format(time.RFC3339))).WithDetail("due", "must be in the future")
		}
		return Result{Deadline: due, RemindAt: p.remindAt(from, due)}, nil
	}
	var (
		deadline time.Time
		err      error
	)
	if in.WorkingDays == 0 && slices.Contains([]string{Normal, "", Urgent, VeryUrgent}, in.Urgency) {
		deadline, err = p.sameDay(from)
	} else {
		deadline, err = p.byUrgency(from, in)
	}
	if err != nil {
		return Result{}, errs.Wrap(op, err)
	}
	return Result{Deadline: deadline, RemindAt: p.remindAt(from, deadline)}, nil
}

// byUrgency is the deadline of a task of in.WorkingDays at in.Urgency.
func (p *Planner) byUrgency(from time.Time, in Input) (deadline time.Time, err error) {
	const op = "deadlines.PlanDeadlines"
	switch in.Urgency {
	case Normal, "":
		deadline, err = p.Calendar.AddWorkingDays(from, in.WorkingDays)
	case Urgent:
		deadline, err = p.Calendar.AddWorkingDays(from, (in.WorkingDays+1)/2)
	case VeryUrgent:
		deadline, err = p.Calendar.AddWorkingDays(from, 1)
	case Immediate:
		deadline, err = p.immediate(from)
	default:
		return time.Time{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("unknown urgency %q: use THUONG, KHAN, THUONG_KHAN or HOA_TOC", in.Urgency)).WithDetail("urgency", "unknown")
	}
	return deadline, err
}

// sameDay is the end of office hours of the working day a task starts on,
// or of the next working day when it starts after hours or on a day off.
func (p *Planner) sameDay(from time.Time) (time.Time, error) {
	if p.Calendar.IsWorkingDay(from) && from.Before(at(from, officeEnds)) {
		return at(from, officeEnds), nil
	}
	next, err := p.Calendar.AddWorkingDays(from, 1)
	if err != nil {
		return time.Time{}, err
	}
	return at(next, officeEnds), nil
}

func at(d time.Time, hour int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, vntime.Zone)
}

// immediate is the HOA_TOC deadline: within the working day the task starts
// on, or the next one when it starts after hours.
func (p *Planner) immediate(from time.Time) (time.Time, error) {
	start := from
	switch {
	case !p.Calendar.IsWorkingDay(from) || !from.Before(at(from, officeEnds)):
		next, err := p.Calendar.AddWorkingDays(from, 1)
		if err != nil {
			return time.Time{}, err
		}
		start = at(next, officeOpens)
	case from.Before(at(from, officeOpens)):
		start = at(from, officeOpens)
	}
	due, end := start.Add(immediateHours*time.Hour), at(start, officeEnds)
	if due.After(end) {
		return end, nil
	}
	return due, nil
}

// remindAt is 08:00 of the last working day before the deadline's day, or
// halfway there when that is too early to be useful.
// The days between start and deadline were counted by the calendar, so they
// are covered.
func (p *Planner) remindAt(from, deadline time.Time) time.Time {
	d := at(deadline, officeOpens)
	for {
		d = d.AddDate(0, 0, -1)
		if !d.After(from) {
			start := from
			if opens := at(deadline, officeOpens); opens.After(from) {
				start = opens
			}
			return start.Add(deadline.Sub(start) / 2)
		}
		if p.Calendar.IsWorkingDay(d) {
			return d
		}
	}
}
