package businesstime

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime/caltest"
)

var helsinki = mustLoc("Europe/Helsinki")

var testLocs sync.Map

func mustLoc(name string) *time.Location {
	if l, ok := testLocs.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	testLocs.Store(name, l)
	return l
}

// hel and utc parse "2006-01-02 15:04" as Helsinki wall time and as UTC.
var hel, utc = caltest.Helsinki, caltest.UTC

// weekly builds a calendar with the same intervals on the given weekdays.
func weekly(zone string, days []time.Weekday, ivs ...Interval) Calendar {
	c := Calendar{TimeZone: zone}
	for _, d := range days {
		c.Hours.SetDay(d, ivs)
	}
	return c
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allDays  = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}

	office     = weekly("Europe/Helsinki", weekdays, Interval{"08:00", "16:00"})
	night      = weekly("Europe/Helsinki", allDays, Interval{"22:00", "06:00"})
	alwaysOpen = weekly("Europe/Helsinki", allDays, Interval{"00:00", "24:00"})
	weekdays24 = weekly("Europe/Helsinki", weekdays, Interval{"00:00", "24:00"})
	early      = weekly("Europe/Helsinki", allDays, Interval{"02:00", "05:00"}) // over the DST changes
	skipped    = weekly("Europe/Helsinki", allDays, Interval{"03:15", "03:45"}) // inside the changing hour
	split      = weekly("Europe/Helsinki", weekdays, Interval{"08:00", "12:00"}, Interval{"13:00", "17:00"})
	easter     = withHolidays(office, "2026-04-03", "2026-04-06")
	nightHol   = withHolidays(night, "2026-03-04") // a Wednesday
)

func withHolidays(c Calendar, dates ...string) Calendar {
	for _, d := range dates {
		c.Holidays = append(c.Holidays, Holiday{Date: d})
	}
	return c
}

func TestAddBusinessTime(t *testing.T) {
	cases := []struct {
		name  string
		cal   Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside hours", office, hel("2026-03-02 09:00"), 2 * time.Hour, hel("2026-03-02 11:00")},
		{"before opening", office, hel("2026-03-02 07:00"), time.Hour, hel("2026-03-02 09:00")},
		{"at opening", office, hel("2026-03-02 08:00"), 8 * time.Hour, hel("2026-03-02 16:00")},
		{"ends at closing, not next opening", office, hel("2026-03-02 15:00"), time.Hour, hel("2026-03-02 16:00")},
		{"at closing edge", office, hel("2026-03-02 16:00"), time.Hour, hel("2026-03-03 09:00")},
		{"carries to next day", office, hel("2026-03-02 15:00"), 2 * time.Hour, hel("2026-03-03 09:00")},
		{"over the weekend", office, hel("2026-03-06 15:00"), 2 * time.Hour, hel("2026-03-09 09:00")},
		{"start on Saturday", office, hel("2026-03-07 12:00"), 30 * time.Minute, hel("2026-03-09 08:30")},
		{"zero on Saturday is next opening", office, hel("2026-03-07 12:00"), 0, hel("2026-03-09 08:00")},
		{"zero when open is start", office, hel("2026-03-02 10:17"), 0, hel("2026-03-02 10:17")},
		{"negative counts as zero", office, hel("2026-03-02 10:17"), -time.Hour, hel("2026-03-02 10:17")},
		{"sub-second start", office, hel("2026-03-02 09:00").Add(500 * time.Millisecond), time.Hour, hel("2026-03-02 10:00").Add(500 * time.Millisecond)},
		{"four weeks of hours", office, hel("2026-03-02 08:00"), 160 * time.Hour, hel("2026-03-27 16:00")},
		{"lunch break", split, hel("2026-03-02 11:00"), 2 * time.Hour, hel("2026-03-02 14:00")},
		{"holidays Good Friday and Easter Monday", easter, hel("2026-04-02 15:00"), 2 * time.Hour, hel("2026-04-07 09:00")},
		{"overnight inside", night, hel("2026-03-03 23:00"), 2 * time.Hour, hel("2026-03-04 01:00")},
		{"overnight at morning close", night, hel("2026-03-03 05:00"), 2 * time.Hour, hel("2026-03-03 23:00")},
		{"overnight from noon", night, hel("2026-03-03 12:00"), 8 * time.Hour, hel("2026-03-04 06:00")},
		{"overnight into a holiday stops at midnight", nightHol, hel("2026-03-03 23:00"), 2 * time.Hour, hel("2026-03-05 01:00")},
		{"open 24/7", alwaysOpen, hel("2026-03-03 12:34"), 48 * time.Hour, hel("2026-03-05 12:34")},
		{"closed Saturday and Sunday", weekdays24, hel("2026-03-06 23:00"), 2 * time.Hour, hel("2026-03-09 01:00")},
		{"closed weekend, start Sunday", weekdays24, hel("2026-03-08 10:00"), time.Minute, hel("2026-03-09 00:01")},

		// Spring forward, Sunday 29 March 2026: 03:00 EET becomes 04:00 EEST.
		{"24/7 over spring forward", alwaysOpen, hel("2026-03-28 12:00"), 24 * time.Hour, hel("2026-03-29 13:00")},
		{"office over spring forward", office, hel("2026-03-27 15:00"), 2 * time.Hour, hel("2026-03-30 09:00")},
		{"week of office hours over spring forward", office, hel("2026-03-23 08:00"), 48 * time.Hour, hel("2026-03-30 16:00")},
		{"02-05 shortened on spring forward", early, hel("2026-03-29 02:30"), time.Hour, hel("2026-03-29 04:30")},
		{"02-05 full day after", early, hel("2026-03-29 00:00"), 2*time.Hour + time.Minute, hel("2026-03-30 02:01")},
		{"interval inside the skipped hour vanishes", skipped, hel("2026-03-28 04:00"), 30 * time.Minute, hel("2026-03-30 03:45")},
		{"night shift over spring forward", night, hel("2026-03-28 22:00"), 7 * time.Hour, hel("2026-03-29 06:00")},

		// Fall back, Sunday 25 October 2026: 04:00 EEST becomes 03:00 EET; 03:xx happens twice.
		{"24/7 over fall back", alwaysOpen, hel("2026-10-24 12:00"), 24 * time.Hour, hel("2026-10-25 11:00")},
		{"02-05 lengthened on fall back", early, hel("2026-10-25 02:00"), 4 * time.Hour, hel("2026-10-25 05:00")},
		{"repeated hour counts twice", skipped, hel("2026-10-25 00:00"), 45 * time.Minute, utc("2026-10-25 01:30")},
		{"first pass of the repeated hour", skipped, hel("2026-10-25 00:00"), 15 * time.Minute, utc("2026-10-25 00:30")},
		{"night shift over fall back", night, hel("2026-10-24 22:00"), 9 * time.Hour, hel("2026-10-25 06:00")},
		{"office over fall back", office, hel("2026-10-23 15:00"), 2 * time.Hour, hel("2026-10-26 09:00")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.cal.AddBusinessTime(tc.start, tc.d)
			if !ok || !got.Equal(tc.want) {
				t.Fatalf("AddBusinessTime(%s, %s) = %s, %v; want %s", tc.start, tc.d, got, ok, tc.want)
			}
			if got.Location().String() != "Europe/Helsinki" {
				t.Errorf("result in %s, want the calendar's zone", got.Location())
			}
			d := max(tc.d, 0)
			if bt := tc.cal.BusinessTimeBetween(tc.start, got); bt != d {
				t.Errorf("BusinessTimeBetween(start, result) = %s, want %s", bt, d)
			}
		})
	}
}

func TestBusinessTimeBetween(t *testing.T) {
	cases := []struct {
		name string
		cal  Calendar
		a, b time.Time
		want time.Duration
	}{
		{"empty", office, hel("2026-03-02 10:00"), hel("2026-03-02 10:00"), 0},
		{"reversed", office, hel("2026-03-02 12:00"), hel("2026-03-02 10:00"), 0},
		{"inside", office, hel("2026-03-02 10:00"), hel("2026-03-02 12:30"), 150 * time.Minute},
		{"a week", office, hel("2026-03-02 00:00"), hel("2026-03-09 00:00"), 40 * time.Hour},
		{"weekend only", office, hel("2026-03-07 00:00"), hel("2026-03-09 00:00"), 0},
		{"Easter week", easter, hel("2026-03-30 00:00"), hel("2026-04-13 00:00"), 64 * time.Hour},
		{"night shifts over a week", night, hel("2026-03-02 00:00"), hel("2026-03-09 00:00"), 56 * time.Hour},
		{"holiday cuts the night shift at midnight", nightHol, hel("2026-03-03 12:00"), hel("2026-03-05 12:00"), 8 * time.Hour},
		{"24/7 spring-forward day", alwaysOpen, hel("2026-03-29 00:00"), hel("2026-03-30 00:00"), 23 * time.Hour},
		{"24/7 fall-back day", alwaysOpen, hel("2026-10-25 00:00"), hel("2026-10-26 00:00"), 25 * time.Hour},
		{"02-05 on spring-forward day", early, hel("2026-03-29 00:00"), hel("2026-03-29 12:00"), 2 * time.Hour},
		{"02-05 on fall-back day", early, hel("2026-10-25 00:00"), hel("2026-10-25 12:00"), 4 * time.Hour},
		{"skipped hour on spring-forward day", skipped, hel("2026-03-29 00:00"), hel("2026-03-30 00:00"), 0},
		{"repeated hour on fall-back day", skipped, hel("2026-10-25 00:00"), hel("2026-10-26 00:00"), time.Hour},
		{"night of spring forward", night, hel("2026-03-28 12:00"), hel("2026-03-29 12:00"), 7 * time.Hour},
		{"night of fall back", night, hel("2026-10-24 12:00"), hel("2026-10-25 12:00"), 9 * time.Hour},
		{"closed weekend calendar, one week", weekdays24, hel("2026-03-02 00:00"), hel("2026-03-09 00:00"), 120 * time.Hour},
		{"a year of office hours", office, hel("2026-01-01 00:00"), hel("2027-01-01 00:00"), 261 * 8 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.BusinessTimeBetween(tc.a, tc.b); got != tc.want {
				t.Fatalf("BusinessTimeBetween(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestIsOpenAndNextOpening(t *testing.T) {
	cases := []struct {
		name string
		cal  Calendar
		at   time.Time
		open bool
		next time.Time
	}{
		{"at opening", office, hel("2026-03-02 08:00"), true, hel("2026-03-02 08:00")},
		{"just before opening", office, hel("2026-03-02 08:00").Add(-time.Nanosecond), false, hel("2026-03-02 08:00")},
		{"just before closing", office, hel("2026-03-02 16:00").Add(-time.Nanosecond), true, hel("2026-03-02 16:00").Add(-time.Nanosecond)},
		{"at closing", office, hel("2026-03-02 16:00"), false, hel("2026-03-03 08:00")},
		{"Friday evening", office, hel("2026-03-06 18:00"), false, hel("2026-03-09 08:00")},
		{"holiday", easter, hel("2026-04-03 10:00"), false, hel("2026-04-07 08:00")},
		{"lunch", split, hel("2026-03-02 12:30"), false, hel("2026-03-02 13:00")},
		{"overnight after midnight", night, hel("2026-03-03 03:00"), true, hel("2026-03-03 03:00")},
		{"overnight before start", night, hel("2026-03-03 21:59"), false, hel("2026-03-03 22:00")},
		{"holiday closes the spill-over", nightHol, hel("2026-03-04 03:00"), false, hel("2026-03-05 00:00")},
		{"24/7", alwaysOpen, hel("2026-03-29 03:30"), true, hel("2026-03-29 03:30")},
		{"after the skipped hour", early, hel("2026-03-29 04:30"), true, hel("2026-03-29 04:30")},
		{"skipped interval: next is Monday", skipped, hel("2026-03-29 01:00"), false, hel("2026-03-30 03:15")},
		{"second pass of repeated hour", skipped, utc("2026-10-25 01:20"), true, utc("2026-10-25 01:20")},
		{"between the passes", skipped, utc("2026-10-25 00:50"), false, utc("2026-10-25 01:15")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.IsOpen(tc.at); got != tc.open {
				t.Errorf("IsOpen(%s) = %v, want %v", tc.at, got, tc.open)
			}
			next, ok := tc.cal.NextOpening(tc.at)
			if !ok || !next.Equal(tc.next) {
				t.Errorf("NextOpening(%s) = %s, %v; want %s", tc.at, next, ok, tc.next)
			}
		})
	}
}

func TestNeverOpenTerminates(t *testing.T) {
	start := hel("2026-03-02 09:00")
	closed := Calendar{TimeZone: "Europe/Helsinki"}
	unknownZone := office
	unknownZone.TimeZone = "Mars/Olympus_Mons"
	// Only Mondays open, and the next 500 Mondays are holidays: opens after about ten years.
	mondays := weekly("Europe/Helsinki", []time.Weekday{time.Monday}, Interval{"09:00", "10:00"})
	for i := range 500 {
		mondays.Holidays = append(mondays.Holidays, Holiday{Date: hel("2026-03-02 12:00").AddDate(0, 0, 7*i).Format(time.DateOnly)})
	}
	for name, cal := range map[string]Calendar{"no hours": closed, "unknown zone": unknownZone} {
		t.Run(name, func(t *testing.T) {
			if got, ok := cal.AddBusinessTime(start, time.Hour); ok || !got.IsZero() {
				t.Errorf("AddBusinessTime = %s, %v; want zero, false", got, ok)
			}
			if _, ok := cal.NextOpening(start); ok {
				t.Error("NextOpening ok on a calendar that never opens")
			}
			if cal.IsOpen(start) || cal.BusinessTimeBetween(start, start.AddDate(100, 0, 0)) != 0 {
				t.Error("a closed calendar is open")
			}
		})
	}
	t.Run("500 holiday Mondays", func(t *testing.T) {
		got, ok := mondays.AddBusinessTime(start, 30*time.Minute)
		want := hel("2035-10-01 09:30") // the 501st Monday, 3500 days on
		if !ok || !got.Equal(want) {
			t.Errorf("AddBusinessTime = %s, %v; want %s", got, ok, want)
		}
	})
	t.Run("60 holidays in a row", func(t *testing.T) {
		cal := office
		for i := range 60 {
			cal.Holidays = append(cal.Holidays, Holiday{Date: hel("2026-03-02 12:00").AddDate(0, 0, i).Format(time.DateOnly)})
		}
		got, ok := cal.AddBusinessTime(start, time.Hour)
		if want := hel("2026-05-01 09:00"); !ok || !got.Equal(want) { // 1 May 2026 is a Friday
			t.Errorf("AddBusinessTime = %s, %v; want %s", got, ok, want)
		}
	})
}

func TestCalendarValidate(t *testing.T) {
	if err := DefaultCalendar().Validate(); err != nil {
		t.Fatalf("default calendar: %v", err)
	}
	for _, c := range []Calendar{office, night, alwaysOpen, weekdays24, split, easter, {Hours: office.Hours}} {
		if err := c.Validate(); err != nil {
			t.Errorf("valid calendar refused: %v", err)
		}
	}
	day := func(d time.Weekday, ivs ...Interval) WeeklyHours {
		var w WeeklyHours
		w.SetDay(d, ivs)
		return w
	}
	cases := []struct {
		name  string
		cal   Calendar
		field string
	}{
		{"unknown zone", Calendar{TimeZone: "Europe/Helsingfors_x", Hours: office.Hours}, "time_zone"},
		{"Local zone", Calendar{TimeZone: "Local", Hours: office.Hours}, "time_zone"},
		{"no hours", Calendar{}, "hours"},
		{"bad start", Calendar{Hours: day(time.Monday, Interval{"8:00", "16:00"})}, "hours.monday[0].start"},
		{"24:00 as start", Calendar{Hours: day(time.Monday, Interval{"24:00", "06:00"})}, "hours.monday[0].start"},
		{"bad minutes", Calendar{Hours: day(time.Tuesday, Interval{"08:00", "12:60"})}, "hours.tuesday[0].end"},
		{"signs", Calendar{Hours: day(time.Tuesday, Interval{"+8:00", "12:00"})}, "hours.tuesday[0].start"},
		{"equal ends", Calendar{Hours: day(time.Monday, Interval{"08:00", "08:00"})}, "hours.monday[0].end"},
		{"midnight to midnight", Calendar{Hours: day(time.Monday, Interval{"00:00", "00:00"})}, "hours.monday[0].end"},
		{"overlap", Calendar{Hours: day(time.Monday, Interval{"08:00", "12:00"}, Interval{"11:00", "16:00"})}, "hours.monday[1]"},
		{"too many intervals", Calendar{Hours: day(time.Monday, Interval{"01:00", "02:00"}, Interval{"03:00", "04:00"}, Interval{"05:00", "06:00"},
			Interval{"07:00", "08:00"}, Interval{"09:00", "10:00"}, Interval{"11:00", "12:00"}, Interval{"13:00", "14:00"})}, "hours.monday"},
		{"bad holiday", Calendar{Hours: office.Hours, Holidays: []Holiday{{Date: "2026-02-30"}}}, "holidays[0].date"},
		{"duplicate holiday", Calendar{Hours: office.Hours, Holidays: []Holiday{{Date: "2026-12-24"}, {Date: "2026-12-25"}, {Date: "2026-12-24"}}}, "holidays[2].date"},
	}
	overnight := Calendar{}
	overnight.Hours.Friday = []Interval{{"22:00", "06:00"}}
	overnight.Hours.Saturday = []Interval{{"05:00", "10:00"}}
	cases = append(cases, struct {
		name  string
		cal   Calendar
		field string
	}{"overnight overlaps next day", overnight, "hours.saturday[0]"})
	wrap := Calendar{}
	wrap.Hours.Sunday = []Interval{{"22:00", "06:00"}}
	wrap.Hours.Monday = []Interval{{"05:00", "10:00"}}
	cases = append(cases, struct {
		name  string
		cal   Calendar
		field string
	}{"Sunday night overlaps Monday", wrap, "hours.monday[0]"})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cal.Validate()
			var de *InvalidError
			if !errors.As(err, &de) {
				t.Fatalf("Validate() = %v, want an invalid error", err)
			}
			if _, ok := de.Fields[tc.field]; !ok {
				t.Fatalf("fields %v, want %q", de.Fields, tc.field)
			}
		})
	}
	// Adjacent intervals touch but do not overlap.
	touching := Calendar{Hours: day(time.Monday, Interval{"08:00", "12:00"}, Interval{"12:00", "24:00"})}
	touching.Hours.Tuesday = []Interval{{"00:00", "06:00"}}
	if err := touching.Validate(); err != nil {
		t.Errorf("touching intervals refused: %v", err)
	}
	if got := touching.BusinessTimeBetween(hel("2026-03-02 00:00"), hel("2026-03-04 00:00")); got != 22*time.Hour {
		t.Errorf("touching intervals: %s open, want 22h", got)
	}
}

func TestCalendarJSON(t *testing.T) {
	c := easter.Normalized()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"time_zone":"Europe/Helsinki"`, `"monday":[{"start":"08:00","end":"16:00"}]`, `"saturday":[]`, `"holidays":[{"date":"2026-04-03","name":""}`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s lacks %s", s, want)
		}
	}
	var back Calendar
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.BusinessTimeBetween(hel("2026-03-30 00:00"), hel("2026-04-13 00:00")) != 64*time.Hour {
		t.Error("round-tripped calendar computes differently")
	}
	if d := (Calendar{Hours: office.Hours}).Normalized(); d.TimeZone != DefaultTimeZone || d.Holidays == nil || d.Hours.Sunday == nil {
		t.Errorf("Normalized() = %+v", d)
	}
	if w := office.WeeklyOpenTime(); w != 40*time.Hour {
		t.Errorf("WeeklyOpenTime = %s", w)
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"1970-01-01", "2026-02-28", "2024-02-29", "2000-02-29", "1900-03-01", "0001-01-01", "9999-12-31", "1969-12-31"} {
		want, _ := time.Parse(time.DateOnly, s)
		if got, ok := parseDate(s); !ok || got != floorDiv(want.Unix(), secondsPerDay) {
			t.Errorf("parseDate(%s) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-4-01", "2026/04/01", "20260401xx", "2026-04-0a", ""} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
}

func TestFinnishHolidays(t *testing.T) {
	got := map[string]string{}
	for _, h := range FinnishHolidays(2026) {
		got[h.Date] = h.Name
	}
	for date, name := range map[string]string{
		"2026-01-01": "New Year's Day", "2026-04-03": "Good Friday", "2026-04-05": "Easter Sunday",
		"2026-04-06": "Easter Monday", "2026-05-14": "Ascension Day", "2026-05-24": "Whit Sunday",
		"2026-06-19": "Midsummer Eve", "2026-06-20": "Midsummer Day", "2026-10-31": "All Saints' Day",
		"2026-12-06": "Independence Day", "2026-12-24": "Christmas Eve",
	} {
		if got[date] != name {
			t.Errorf("%s: %q, want %q", date, got[date], name)
		}
	}
	if len(got) != 15 {
		t.Errorf("%d holidays, want 15", len(got))
	}
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2027: "2027-03-28", 2038: "2038-04-25"} {
		if e := easterSunday(year).Format(time.DateOnly); e != want {
			t.Errorf("Easter %d = %s, want %s", year, e, want)
		}
	}
	cal := office
	cal.Holidays = FinnishHolidays(2026)
	if err := cal.Validate(); err != nil {
		t.Errorf("calendar with Finnish holidays: %v", err)
	}
}

// naiveOpen is an independent reading of the calendar's meaning, for cross-checks: the wall
// clock of t, its weekday's intervals and the previous weekday's overnight spill-over.
func naiveOpen(c Calendar, t time.Time) bool {
	zone := c.TimeZone
	if zone == "" {
		zone = DefaultTimeZone
	}
	w := t.In(mustLoc(zone))
	date := w.Format(time.DateOnly)
	for _, h := range c.Holidays {
		if h.Date == date {
			return false
		}
	}
	hm := w.Format("15:04")
	for _, iv := range c.Hours.Day(w.Weekday()) {
		end := iv.End
		if end <= iv.Start { // overnight, or to midnight
			end = "24:00"
		}
		if iv.Start <= hm && hm < end {
			return true
		}
	}
	for _, iv := range c.Hours.Day((w.Weekday() + 6) % 7) {
		if iv.End < iv.Start && iv.End != "00:00" && hm < iv.End {
			return true
		}
	}
	return false
}

// TestBusinessTimeAgainstMinuteCount counts open minutes one by one over windows around both
// Helsinki clock changes (and in zones with other kinds of change) and compares.
func TestBusinessTimeAgainstMinuteCount(t *testing.T) {
	lordHowe := night
	lordHowe.TimeZone = "Australia/Lord_Howe" // 30-minute DST shift
	santiago := weekly("America/Santiago", allDays, Interval{"00:00", "01:30"}, Interval{"23:00", "24:00"})
	windows := []struct {
		cal   Calendar
		start time.Time
	}{
		{office, utc("2026-03-27 00:00")}, {night, utc("2026-03-27 00:00")}, {early, utc("2026-03-28 00:00")},
		{skipped, utc("2026-03-28 00:00")}, {split, utc("2026-10-22 00:00")}, {night, utc("2026-10-23 00:00")},
		{early, utc("2026-10-24 00:00")}, {skipped, utc("2026-10-24 00:00")}, {nightHol, utc("2026-03-02 00:00")},
		{lordHowe, utc("2026-04-03 00:00")}, {lordHowe, utc("2026-10-02 00:00")},
		{santiago, utc("2026-04-03 00:00")}, {santiago, utc("2026-09-04 00:00")},
	}
	for _, w := range windows {
		name := fmt.Sprintf("%s %s", w.cal.TimeZone, w.start.Format(time.DateOnly))
		t.Run(name, func(t *testing.T) {
			var open time.Duration
			for m := range 3 * 24 * 60 {
				at := w.start.Add(time.Duration(m) * time.Minute)
				isOpen := w.cal.IsOpen(at)
				if naive := naiveOpen(w.cal, at); naive != isOpen {
					t.Fatalf("IsOpen(%s) = %v, naive reading %v", at.In(mustLoc(w.cal.TimeZone)), isOpen, naive)
				}
				if isOpen {
					open += time.Minute
				}
				if m%97 == 0 {
					if got := w.cal.BusinessTimeBetween(w.start, at); got != open-btIf(isOpen) {
						t.Fatalf("BusinessTimeBetween(start, %s) = %s, minute count %s", at, got, open-btIf(isOpen))
					}
				}
			}
			if got := w.cal.BusinessTimeBetween(w.start, w.start.Add(72*time.Hour)); got != open {
				t.Fatalf("BusinessTimeBetween = %s, minute count %s", got, open)
			}
		})
	}
}

func btIf(b bool) time.Duration {
	if b {
		return time.Minute
	}
	return 0
}

// fuzzCalendar builds a calendar from fuzz input: one of the fixed ones, or one generated from
// seed bits (per weekday: none, a day interval, or an overnight one, in one of several zones).
func fuzzCalendar(kind uint8, seed uint64) Calendar {
	fixed := []Calendar{office, night, alwaysOpen, weekdays24, early, skipped, split, easter, nightHol}
	if int(kind) < len(fixed) {
		return fixed[kind]
	}
	zones := []string{"Europe/Helsinki", "UTC", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia", "Asia/Kathmandu"}
	c := Calendar{TimeZone: zones[int(kind)%len(zones)]}
	for d := time.Sunday; d <= time.Saturday; d++ {
		bits := seed >> (9 * uint(d))
		startQ := int(bits&0x3f) % 48  // half hours
		length := int(bits>>6&0x7) * 6 // 0..42 half hours
		if length == 0 {
			continue
		}
		endQ := (startQ + length) % 48
		c.Hours.SetDay(d, []Interval{{fmt.Sprintf("%02d:%02d", startQ/2, startQ%2*30), fmt.Sprintf("%02d:%02d", endQ/2, endQ%2*30)}})
	}
	if seed>>63 == 1 {
		for i := range int(seed>>56&0x1f) + 1 { // a run of holidays
			c.Holidays = append(c.Holidays, Holiday{Date: time.Date(2026, 3, 20+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)})
		}
	}
	return c
}

func FuzzBusinessTime(f *testing.F) {
	f.Add(hel("2026-03-27 15:00").Unix(), int64(7200), int64(3600), uint8(0), uint64(0))
	f.Add(hel("2026-03-28 22:30").Unix(), int64(5*3600), int64(60), uint8(1), uint64(0))
	f.Add(hel("2026-10-24 23:59").Unix(), int64(25*3600), int64(1), uint8(2), uint64(0))
	f.Add(hel("2026-10-25 02:59").Unix(), int64(1800), int64(1800), uint8(5), uint64(0))
	f.Add(hel("2026-03-29 02:45").Unix(), int64(900), int64(7200), uint8(4), uint64(0))
	f.Add(hel("2026-04-02 15:30").Unix(), int64(4*3600), int64(0), uint8(7), uint64(0))
	f.Add(hel("2026-03-03 23:00").Unix(), int64(9*3600), int64(77), uint8(8), uint64(0))
	f.Add(int64(0), int64(160*3600), int64(3600), uint8(3), uint64(0))
	f.Add(utc("2011-12-29 10:00").Unix(), int64(30*3600), int64(900), uint8(14), uint64(0x0123456789abcdef))
	f.Add(utc("2026-09-05 12:00").Unix(), int64(12*3600), int64(333), uint8(13), uint64(0xfedcba9876543210))
	f.Add(utc("2026-10-04 12:00").Unix(), int64(100*3600), int64(12345), uint8(12), uint64(0x8a5a5a5a5a5a5a5a))
	f.Fuzz(func(t *testing.T, startUnix, dSec, extraSec int64, kind uint8, seed uint64) {
		cal := fuzzCalendar(kind, seed)
		if cal.Validate() != nil {
			return
		}
		const span = 200 * 365 * 86400 // starts between 1900 and 2100
		base := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		start := time.Unix(base+((startUnix%span)+span)%span, (startUnix&0xff)*3_000_000)
		d := time.Duration((dSec%(60*86400)+60*86400)%(60*86400)) * time.Second
		d2 := d + time.Duration((extraSec%(7*86400)+7*86400)%(7*86400))*time.Second

		got, ok := cal.AddBusinessTime(start, d)
		if !ok {
			t.Fatalf("AddBusinessTime(%s, %s) not ok on an open calendar", start, d)
		}
		if got.Before(start) {
			t.Fatalf("AddBusinessTime(%s, %s) = %s, before the start", start, d, got)
		}
		if bt := cal.BusinessTimeBetween(start, got); bt != d {
			t.Fatalf("BusinessTimeBetween(%s, Add(%s)=%s) = %s", start, d, got, bt)
		}
		if d > 0 && !cal.IsOpen(got.Add(-time.Nanosecond)) {
			t.Fatalf("closed just before AddBusinessTime(%s, %s) = %s", start, d, got)
		}
		if d > 0 && naiveOpen(cal, got.Add(-time.Nanosecond)) != true {
			t.Fatalf("naive reading: closed just before %s", got)
		}
		got2, ok2 := cal.AddBusinessTime(start, d2)
		if !ok2 || got2.Before(got) {
			t.Fatalf("not monotonic: Add(%s)=%s, Add(%s)=%s", d, got, d2, got2)
		}
		if bt := cal.BusinessTimeBetween(got, got2); bt != d2-d {
			t.Fatalf("BusinessTimeBetween(Add(d), Add(d2)) = %s, want %s", bt, d2-d)
		}
		next, ok := cal.NextOpening(start)
		if !ok || next.Before(start) || !cal.IsOpen(next) || cal.BusinessTimeBetween(start, next) != 0 {
			t.Fatalf("NextOpening(%s) = %s, %v", start, next, ok)
		}
		if cal.IsOpen(start) != naiveOpen(cal, start) {
			t.Fatalf("IsOpen(%s) = %v, naive reading differs", start, cal.IsOpen(start))
		}
		if !next.Equal(start) && cal.IsOpen(start) {
			t.Fatalf("open at %s but NextOpening is %s", start, next)
		}
		mid := start.Add((got2.Sub(start)) / 3)
		if a, b, c := cal.BusinessTimeBetween(start, mid), cal.BusinessTimeBetween(mid, got2), cal.BusinessTimeBetween(start, got2); a+b != c {
			t.Fatalf("not additive at %s: %s + %s != %s", mid, a, b, c)
		}
	})
}

func BenchmarkAddBusinessTimeFourWeeks(b *testing.B) {
	cal := office
	cal.Holidays = FinnishHolidays(2026)
	start := hel("2026-03-02 09:13")
	for b.Loop() {
		if _, ok := cal.AddBusinessTime(start, 160*time.Hour); !ok {
			b.Fatal("not ok")
		}
	}
}

func BenchmarkBusinessTimeBetweenYear(b *testing.B) {
	cal := office
	cal.Holidays = FinnishHolidays(2026)
	a, z := hel("2026-01-01 00:00"), hel("2027-01-01 00:00")
	for b.Loop() {
		cal.BusinessTimeBetween(a, z)
	}
}
