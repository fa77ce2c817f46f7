package vntime_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the tz database to compare with, whatever the host has

	"github.com/docflow/docflow/api/vntime"
)

// The fixed zone gives what the tz database gives for Vietnam, in every
// season of the years docflow deals in.
func TestZoneIsAsiaHoChiMinh(t *testing.T) {
	t.Parallel()
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	for year := 1976; year <= 2040; year++ {
		for _, month := range []time.Month{time.January, time.April, time.July, time.October} {
			at := time.Date(year, month, 15, 12, 0, 0, 0, time.UTC)
			wantName, wantOffset := at.In(hcm).Zone()
			name, offset := at.In(vntime.Zone).Zone()
			if offset != wantOffset {
				t.Fatalf("%s: offset %d, the tz database says %d", at.Format(time.DateOnly), offset, wantOffset)
			}
			if year >= 2018 && name != wantName {
				// The database has called the zone "+07" since 2017 ("ICT" before).
				t.Fatalf("%s: zone name %q, the tz database says %q", at.Format(time.DateOnly), name, wantName)
			}
		}
	}
}

func TestYear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		want int
	}{
		{time.Date(2025, 12, 31, 23, 59, 59, 0, vntime.Zone), 2025},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, vntime.Zone), 2026},
		{time.Date(2025, 12, 31, 16, 59, 59, 0, time.UTC), 2025},
		{time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC), 2026}, // midnight in Hà Nội
		{time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("Paris", 3600)), 2026},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.FixedZone("New York", -5*3600)), 2027},
	}
	for _, tt := range tests {
		if got := vntime.Year(tt.at); got != tt.want {
			t.Errorf("Year(%s) = %d, want %d", tt.at, got, tt.want)
		}
	}
}

// What a person reads carries the offset +07:00.
func TestFormat(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 5, 2, 30, 0, 0, time.UTC).In(vntime.Zone)
	if got, want := at.Format(time.RFC3339), "2026-03-05T09:30:00+07:00"; got != want {
		t.Errorf("RFC 3339 = %s, want %s", got, want)
	}
}
