package routing

import (
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
)

func TestReadinessNeedsCalendarDataAhead(t *testing.T) {
	t.Parallel()
	cal := routingtest.Calendar(t)
	at := func(y int, m time.Month, d int) func() time.Time {
		return func() time.Time { return time.Date(y, m, d, 12, 0, 0, 0, vntime.Zone) }
	}
	if err := calendarCovers(cal, at(2026, 6, 1))(t.Context()); err != nil {
		t.Fatalf("mid-2026: %v", err)
	}
	// Late in the last covered year, deadlines would run into a year with
	// no data: the service says so before it happens.
	last := cal.Years()[len(cal.Years())-1].Year
	err := calendarCovers(cal, at(last, 11, 15))(t.Context())
	if err == nil || !strings.Contains(err.Error(), "no data for") {
		t.Fatalf("November of the last covered year (%d): %v", last, err)
	}
}
