package models

import (
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/businesstime/caltest"
)

// Calendars and times for the SLA and idle tests; the calendar's own tests are in businesstime.

// hel and utc parse "2006-01-02 15:04" as Helsinki wall time and as UTC.
var hel, utc = caltest.Helsinki, caltest.UTC

// everyDay builds a Helsinki calendar with the same intervals on the given weekdays.
func everyDay(days []time.Weekday, ivs ...businesstime.Interval) businesstime.Calendar {
	c := businesstime.Calendar{TimeZone: "Europe/Helsinki"}
	for _, d := range days {
		c.Hours.SetDay(d, ivs)
	}
	return c
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allDays  = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}

	office     = everyDay(weekdays, businesstime.Interval{Start: "08:00", End: "16:00"})
	night      = everyDay(allDays, businesstime.Interval{Start: "22:00", End: "06:00"})
	alwaysOpen = everyDay(allDays, businesstime.Interval{Start: "00:00", End: "24:00"})
	early      = everyDay(allDays, businesstime.Interval{Start: "02:00", End: "05:00"}) // over the DST changes
	split      = everyDay(weekdays, businesstime.Interval{Start: "08:00", End: "12:00"}, businesstime.Interval{Start: "13:00", End: "17:00"})
)
