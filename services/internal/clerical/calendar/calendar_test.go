package calendar_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/errs"
)

func load(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at is a time of day in Vietnam.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, vntime.Zone)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCovers(t *testing.T) {
	t.Parallel()
	c := load(t)
	for year, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: true, 2028: false} {
		if got := c.Covers(year); got != want {
			t.Errorf("Covers(%d) = %v, want %v", year, got, want)
		}
	}
	for _, y := range c.Years() {
		if y.Version == "" {
			t.Errorf("%d: no data version", y.Year)
		}
	}
}

// Every covered year has the Labour Code's eleven holidays: Tết Dương lịch
// (1), Tết Nguyên Đán (5), Giỗ Tổ (1), 30/4 and 1/5 (2), Quốc khánh (2).
func TestElevenHolidaysAYear(t *testing.T) {
	t.Parallel()
	c := load(t)
	for _, y := range c.Years() {
		counts := map[string]int{}
		total := 0
		for d := time.Date(y.Year, 1, 1, 12, 0, 0, 0, vntime.Zone); d.Year() == y.Year; d = d.AddDate(0, 0, 1) {
			day, ok := c.Day(d)
			if !ok || day.Type != calendar.Holiday {
				continue
			}
			total++
			for _, name := range []string{"Tết Dương lịch", "Tết Nguyên Đán", "Giỗ Tổ Hùng Vương", "30/4", "1/5", "Quốc khánh"} {
				if strings.Contains(day.Name, name) {
					counts[name]++
				}
			}
		}
		want := map[string]int{"Tết Dương lịch": 1, "Tết Nguyên Đán": 5, "Giỗ Tổ Hùng Vương": 1, "30/4": 1, "1/5": 1, "Quốc khánh": 2}
		if total != 11 {
			t.Errorf("%d: %d holidays, want 11", y.Year, total)
		}
		for name, n := range want {
			if counts[name] != n {
				t.Errorf("%d: %d days of %s, want %d", y.Year, counts[name], name, n)
			}
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	t.Parallel()
	c := load(t)
	tests := []struct {
		day     string
		working bool
		holiday string // part of the name Holiday reports; "" for none
	}{
		{"2025-04-26 09:00", true, ""},          // make-up Saturday for Friday 02/05/2025
		{"2025-05-02 09:00", false, "hoán đổi"}, // swapped with it
		{"2025-04-30 09:00", false, "Chiến thắng"},
		{"2025-05-03 09:00", false, ""}, // an ordinary Saturday
		{"2025-06-08 09:00", false, ""}, // an ordinary Sunday
		{"2025-06-09 09:00", true, ""},  // an ordinary Monday
		{"2026-01-02 09:00", false, "Tết Dương lịch"},
		{"2026-01-10 09:00", true, ""}, // make-up Saturday for 02/01/2026
		{"2026-02-13 09:00", true, ""}, // the last working day before Tết Bính Ngọ
		{"2026-02-16 09:00", false, "Tết Nguyên Đán"},
		{"2026-02-17 09:00", false, "mùng 1"},
		{"2026-02-23 09:00", true, ""}, // back to work
		{"2026-04-27 09:00", false, "Nghỉ bù Giỗ Tổ"},
		{"2026-08-22 09:00", true, ""},
		{"2026-08-31 09:00", false, "Quốc khánh"},
		{"2026-09-02 09:00", false, "Quốc khánh"},
	}
	for _, tc := range tests {
		d := at(t, tc.day)
		if got := c.IsWorkingDay(d); got != tc.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.day, got, tc.working)
		}
		name, ok := c.Holiday(d)
		if ok != (tc.holiday != "") || !strings.Contains(name, tc.holiday) {
			t.Errorf("Holiday(%s) = %q, %v; want a name containing %q", tc.day, name, ok, tc.holiday)
		}
	}
}

// The day is Vietnam's: 20:00 UTC on 31 December is already 1 January in
// Hà Nội, a holiday.
func TestDayIsTakenInVietnam(t *testing.T) {
	t.Parallel()
	c := load(t)
	utc := time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)
	if c.IsWorkingDay(utc) {
		t.Fatal("2025-12-31 20:00 UTC is 2026-01-01 in Vietnam, a holiday")
	}
}

// AddWorkingDays gives the deadline in +07:00, or refuses a negative count
// (Invalid) and dates outside the data (Internal, ErrNotCovered).
func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	c := load(t)
	tests := []struct {
		name       string
		from       time.Time
		n          int
		want       string    // the deadline, when there is one
		kind       errs.Kind // the error's kind, when refused
		notCovered bool
	}{
		{
			// Given on the last working day before Tết, due three working
			// days after the 9-day break.
			name: "across Tết 2026", from: at(t, "2026-02-13 15:30"), n: 3, want: "2026-02-25 15:30",
		},
		{name: "given during Tết", from: at(t, "2026-02-18 10:00"), n: 1, want: "2026-02-23 10:00"},
		{name: "Friday to Monday", from: at(t, "2025-06-06 16:00"), n: 1, want: "2025-06-09 16:00"},
		{name: "given on a Saturday", from: at(t, "2025-06-07 08:00"), n: 1, want: "2025-06-09 08:00"},
		{name: "make-up Saturday counts", from: at(t, "2025-04-25 09:00"), n: 1, want: "2025-04-26 09:00"},
		{name: "across 30/4–1/5 2025", from: at(t, "2025-04-29 09:00"), n: 1, want: "2025-05-05 09:00"},
		{name: "year boundary 2025→2026", from: at(t, "2025-12-31 14:00"), n: 1, want: "2026-01-05 14:00"},
		{name: "make-up Saturday 10/01/2026", from: at(t, "2026-01-09 14:00"), n: 1, want: "2026-01-10 14:00"},
		{name: "UTC input, Vietnamese day", from: time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC), n: 1, want: "2026-01-05 03:00"},
		{name: "ten working days", from: at(t, "2026-04-24 09:00"), n: 10, want: "2026-05-13 09:00"},
		{name: "zero days is the same time, even on a day off", from: at(t, "2026-02-14 10:00"), n: 0, want: "2026-02-14 10:00"},
		{name: "negative", from: at(t, "2026-03-02 09:00"), n: -1, kind: errs.Invalid},
		{name: "before the data", from: at(t, "2024-12-30 09:00"), n: 1, kind: errs.Internal, notCovered: true},
		{name: "after the data", from: at(t, "2028-01-03 09:00"), n: 0, kind: errs.Internal, notCovered: true},
		{name: "running past the data", from: at(t, "2027-12-30 09:00"), n: 5, kind: errs.Internal, notCovered: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.AddWorkingDays(tc.from, tc.n)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("AddWorkingDays(%s, %d) = %s, want an error", tc.from, tc.n, got)
				}
				if errs.KindOf(err) != tc.kind || errors.Is(err, calendar.ErrNotCovered) != tc.notCovered {
					t.Errorf("AddWorkingDays(%s, %d): %v (kind %v)", tc.from, tc.n, err, errs.KindOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := at(t, tc.want); !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, want)
			}
			if _, off := got.Zone(); off != 7*3600 {
				t.Errorf("deadline %s is not in +07:00", got)
			}
		})
	}
}

func TestNextWorkingDayAtTheEndOfTheData(t *testing.T) {
	t.Parallel()
	_, err := load(t).NextWorkingDay(at(t, "2027-12-31 09:00"))
	if !errors.Is(err, calendar.ErrNotCovered) || !strings.Contains(err.Error(), "2028") {
		t.Errorf("NextWorkingDay at the end of the data: %v", err)
	}
}

func TestNextWorkingDay(t *testing.T) {
	t.Parallel()
	c := load(t)
	got, err := c.NextWorkingDay(at(t, "2026-04-29 11:00"))
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Format("2006-01-02 15:04"); s != "2026-05-04 11:00" {
		t.Errorf("NextWorkingDay = %s, want 2026-05-04 11:00 (after 30/4, 1/5 and the weekend)", s)
	}
}

func TestEveryEntryIsSourced(t *testing.T) {
	t.Parallel()
	c := load(t)
	for _, y := range c.Years() {
		for d := time.Date(y.Year, 1, 1, 0, 0, 0, 0, vntime.Zone); d.Year() == y.Year; d = d.AddDate(0, 0, 1) {
			if day, ok := c.Day(d); ok && (day.Source == "" || (day.Status != calendar.Official && day.Status != calendar.Provisional)) {
				t.Errorf("%s: %+v", d.Format(time.DateOnly), day)
			}
		}
	}
}

func TestNewRejectsBadData(t *testing.T) {
	t.Parallel()
	entry := func(date, typ string) string {
		return `{"date":"` + date + `","type":"` + typ + `","name":"x","status":"official","source":"s"}`
	}
	file := func(year string, days ...string) string {
		return `{"year":` + year + `,"version":"1","days":[` + strings.Join(days, ",") + `]}`
	}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"no files", fstest.MapFS{}, "no <year>.json"},
		{"duplicate date", fstest.MapFS{"2025.json": {Data: []byte(file("2025", entry("2025-01-01", "holiday"), entry("2025-01-01", "holiday")))}}, "already listed"},
		{"date outside its year", fstest.MapFS{"2025.json": {Data: []byte(file("2025", entry("2026-01-01", "holiday")))}}, "not in 2025"},
		{"make-up day on a weekday", fstest.MapFS{"2025.json": {Data: []byte(file("2025", entry("2025-04-25", "working_day")))}}, "Saturday or Sunday"},
		{"day off on a weekend", fstest.MapFS{"2025.json": {Data: []byte(file("2025", entry("2025-04-26", "day_off")))}}, "is a weekday"},
		{"unknown type", fstest.MapFS{"2025.json": {Data: []byte(file("2025", entry("2025-04-25", "bridge")))}}, "not one of"},
		{"bad date", fstest.MapFS{"2025.json": {Data: []byte(file("2025", entry("2025-4-25", "holiday")))}}, "YYYY-MM-DD"},
		{"year mismatch", fstest.MapFS{"2025.json": {Data: []byte(file("2026"))}}, "says year 2026"},
		{"bad file name", fstest.MapFS{"holidays.json": {Data: []byte(file("2026"))}}, "<year>.json"},
		{"no source", fstest.MapFS{"2025.json": {Data: []byte(file("2025", `{"date":"2025-01-01","type":"holiday","name":"x","status":"official"}`))}}, "source"},
		{"bad status", fstest.MapFS{"2025.json": {Data: []byte(file("2025", `{"date":"2025-01-01","type":"holiday","name":"x","status":"rumour","source":"s"}`))}}, "status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := calendar.New(tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v; want an error mentioning %q", err, tc.want)
			}
		})
	}
}
