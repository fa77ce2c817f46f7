// Package calendar is the Vietnamese working-day calendar deadlines are
// counted on (DOMAIN.md §11): Saturday and Sunday are days off, except the
// make-up working days the Government announces; public holidays,
// compensatory days and swapped days are off.
//
// The exceptions are data, one file per year under data/, each entry with
// its source and whether it is official or still provisional. Outside the
// years the files cover there is no way to know the holidays, so counting
// working days there is an error rather than a guess.
package calendar

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/refdata"
	"github.com/docflow/docflow/services/internal/errs"
)

// DayType says what an entry of the data changes about a day.
type DayType string

const (
	// Holiday is a public holiday of the Labour Code (Tết, Giỗ Tổ, 30/4, 1/5,
	// Quốc khánh). It may fall on a weekend; the day off then moves to a
	// DayOff entry.
	Holiday DayType = "holiday"
	// DayOff is a weekday off: a compensatory day for a holiday on a weekend,
	// or a working day swapped with a make-up Saturday.
	DayOff DayType = "day_off"
	// WorkingDay is a make-up working day on a Saturday or Sunday.
	WorkingDay DayType = "working_day"
)

// Status says how far an entry can be trusted.
type Status string

// The statuses.
const (
	Official    Status = "official"    // announced by the Government, or fixed by the Labour Code
	Provisional Status = "provisional" // expected but not yet announced; replace when it is
)

// Day is one entry of the data: a day that is not what its weekday says.
type Day struct {
	Date   time.Time // midnight in Vietnam (vntime.Zone)
	Type   DayType
	Name   string // e.g. "Tết Nguyên Đán (mùng 1 Tết Bính Ngọ)"
	Status Status
	Source string // the announcement or law it comes from
}

// Year is what one data file says about its year.
type Year struct {
	Year    int
	Version string
	Notes   []string
}

// ErrNotCovered is the cause of every error about a date outside the years
// the data files cover; test for it with errors.Is.
var ErrNotCovered = errors.New("date outside the working-day calendar")

// Calendar answers working-day questions for the years its data covers.
// It is immutable and safe for concurrent use.
type Calendar struct {
	years map[int]Year
	days  map[civil]Day
}

// civil is a calendar date in Vietnam, the key of the exceptions.
type civil struct {
	year  int
	month time.Month
	day   int
}

func civilOf(t time.Time) civil {
	y, m, d := t.In(vntime.Zone).Date()
	return civil{y, m, d}
}

//go:embed data/*.json
var data embed.FS

// Load reads the calendar shipped with the code.
func Load() (*Calendar, error) {
	sub, err := fs.Sub(data, "data")
	if err != nil {
		return nil, fmt.Errorf("calendar.Load: %w", err)
	}
	return New(sub)
}

var fileName = regexp.MustCompile(`^([0-9]{4})\.json$`)

// New reads every <year>.json at the root of fsys and checks the whole: a
// date appears once and inside its file's year, a make-up working day is a
// Saturday or Sunday, a day off a weekday. Every problem is reported.
func New(fsys fs.FS) (*Calendar, error) {
	const op = "calendar.New"
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no <year>.json data files", op)
	}
	c := &Calendar{years: map[int]Year{}, days: map[civil]Day{}}
	var problems []error
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		problems = append(problems, c.add(path.Base(name), raw))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return c, nil
}

type fileDay struct {
	Date   string  `json:"date"`
	Type   DayType `json:"type"`
	Name   string  `json:"name"`
	Status Status  `json:"status"`
	Source string  `json:"source"`
}

type file struct {
	Year    int       `json:"year"`
	Version string    `json:"version"`
	Notes   []string  `json:"notes"`
	Days    []fileDay `json:"days"`
}

// add checks one year's file and adds it, returning its problems.
func (c *Calendar) add(name string, raw []byte) error {
	check := refdata.Check{File: name}
	m := fileName.FindStringSubmatch(name)
	if m == nil {
		check.Bad("a data file is named <year>.json")
		return check.Err()
	}
	var f file
	if err := refdata.Decode(raw, "the file", &f); err != nil {
		check.Bad("%w", err)
		return check.Err()
	}
	if strconv.Itoa(f.Year) != m[1] {
		check.Bad("the file says year %d", f.Year)
		return check.Err()
	}
	if _, dup := c.years[f.Year]; dup {
		check.Bad("year %d is given twice", f.Year)
		return check.Err()
	}
	check.Version("the file", f.Version)
	for i, d := range f.Days {
		at := fmt.Sprintf("day %d (%s)", i+1, d.Date)
		date, err := time.ParseInLocation(time.DateOnly, d.Date, vntime.Zone)
		if err != nil {
			check.Bad("%s: the date is written YYYY-MM-DD", at)
			continue
		}
		if date.Year() != f.Year {
			check.Bad("%s: the date is not in %d", at, f.Year)
			continue
		}
		key := civilOf(date)
		if prev, dup := c.days[key]; dup {
			check.Bad("%s: the date is already listed as %q", at, prev.Name)
			continue
		}
		weekend := date.Weekday() == time.Saturday || date.Weekday() == time.Sunday
		switch d.Type {
		case Holiday:
		case DayOff:
			if weekend {
				check.Bad("%s: a day off is a weekday; %s is already off", at, date.Weekday())
			}
		case WorkingDay:
			if !weekend {
				check.Bad("%s: a make-up working day is a Saturday or Sunday, not a %s", at, date.Weekday())
			}
		default:
			check.Bad("%s: type %q is not one of holiday, day_off, working_day", at, d.Type)
		}
		if d.Status != Official && d.Status != Provisional {
			check.Bad("%s: status %q is not official or provisional", at, d.Status)
		}
		check.Name(at, d.Name)
		if strings.TrimSpace(d.Source) == "" {
			check.Bad("%s: every entry says where it comes from (source)", at)
		}
		c.days[key] = Day{Date: date, Type: d.Type, Name: d.Name, Status: d.Status, Source: d.Source}
	}
	c.years[f.Year] = Year{Year: f.Year, Version: f.Version, Notes: f.Notes}
	return check.Err()
}

// Covers says whether the data has the given year.
func (c *Calendar) Covers(year int) bool {
	_, ok := c.years[year]
	return ok
}

// Years lists the covered years in order, with their data versions.
func (c *Calendar) Years() []Year {
	out := make([]Year, 0, len(c.years))
	for _, y := range c.years {
		out = append(out, y)
	}
	slices.SortFunc(out, func(a, b Year) int { return a.Year - b.Year })
	return out
}

// Day returns the data's entry for the day of t in Vietnam, if it has one.
func (c *Calendar) Day(t time.Time) (Day, bool) {
	d, ok := c.days[civilOf(t)]
	return d, ok
}

// IsWorkingDay says whether the day of t, in Vietnam, is a working day.
// Outside the covered years it knows only weekends; callers that must be
// sure check Covers, or use AddWorkingDays, which refuses.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	if d, ok := c.days[civilOf(t)]; ok {
		return d.Type == WorkingDay
	}
	wd := t.In(vntime.Zone).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Holiday returns the name of the holiday or day off that the day of t is,
// and false on a working day or an ordinary weekend.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	d, ok := c.days[civilOf(t)]
	if !ok || d.Type == WorkingDay {
		return "", false
	}
	return d.Name, true
}

// AddWorkingDays is the deadline n working days after the day of t: the
// n-th working day after it, at the same time of day, in +07:00. A task
// given on Friday afternoon with n = 1 is due on Monday at the same hour (or
// later, if Monday is a holiday). n = 0 returns t. Every day counted must be
// in a covered year, or the error wraps ErrNotCovered.
func (c *Calendar) AddWorkingDays(t time.Time, n int) (time.Time, error) {
	const op = "calendar.AddWorkingDays"
	if n < 0 {
		return time.Time{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("working days: must be 0 or more, got %d", n)).WithDetail("working_days", "must be 0 or more")
	}
	local := t.In(vntime.Zone)
	if !c.Covers(local.Year()) {
		return time.Time{}, c.notCovered(op, local)
	}
	if n == 0 {
		return t, nil
	}
	d := local
	for counted := 0; counted < n; {
		d = d.AddDate(0, 0, 1)
		if !c.Covers(d.Year()) {
			return time.Time{}, c.notCovered(op, d)
		}
		if c.IsWorkingDay(d) {
			counted++
		}
	}
	return d, nil
}

// NextWorkingDay is the first working day after the day of t, at the same
// time of day: AddWorkingDays(t, 1).
func (c *Calendar) NextWorkingDay(t time.Time) (time.Time, error) {
	next, err := c.AddWorkingDays(t, 1)
	if err != nil {
		return time.Time{}, errs.Wrap("calendar.NextWorkingDay", err)
	}
	return next, nil
}

// notCovered is an internal error: the request is fine, the data is
// missing, and only an operator adding the year's file can fix it.
func (c *Calendar) notCovered(op string, d time.Time) error {
	var covered []string
	for _, y := range c.Years() {
		covered = append(covered, strconv.Itoa(y.Year))
	}
	msg := fmt.Sprintf("the working-day calendar covers %s and has no data for %d (needed for %s): add the year's holidays to the calendar data",
		strings.Join(covered, ", "), d.Year(), d.Format(time.DateOnly))
	return errs.E(op, errs.Internal, errcode.Internal, msg).WithCause(ErrNotCovered)
}
