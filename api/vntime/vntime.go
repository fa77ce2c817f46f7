// Package vntime is the one time zone docflow counts in: Vietnam's, +07:00.
//
// Every date a person reads (registers, symbols, notices, the audit trail),
// every year a number series restarts in and every working day a deadline
// counts is a date in Vietnam, whatever zone the server runs in. Vietnam has
// kept UTC+7 without daylight saving time since 1975, so a fixed zone gives
// the dates the tz database's Asia/Ho_Chi_Minh gives without depending on
// the host having the database installed.
package vntime

import "time"

// Zone is Vietnam's time, UTC+7 all year. It is named "+07", the tz
// database's abbreviation for Asia/Ho_Chi_Minh, so a time prints the same
// either way.
var Zone = time.FixedZone("+07", 7*60*60)

// Year is the calendar year in Vietnam of t: a series of numbers restarts,
// and a record is filed under a new year, at midnight +07:00 on 1 January.
func Year(t time.Time) int { return t.In(Zone).Year() }
