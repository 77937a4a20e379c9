// Package businesstime is the business calendar: weekly opening hours in one time zone minus
// public holidays, and the arithmetic SLA targets and idle rules count on it (adding business
// time, business time between two instants, the next opening). It depends on nothing of Kaiku.
package businesstime

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultTimeZone is the zone of a calendar that names none.
const DefaultTimeZone = "Europe/Helsinki"

// Limits of a calendar, so one stored document stays small and every computation stays fast.
const (
	MaxIntervalsPerDay = 6
	MaxHolidays        = 500
)

// Calendar says when the team is open: weekly opening hours as wall-clock times in one time zone,
// minus public holidays. SLA targets count only open time on it.
//
// Semantics, precisely: an instant is open when its wall-clock reading in the zone falls inside
// one of the intervals that apply to its date and that date is not a holiday. The intervals of a
// date are its weekday's own intervals plus the part after midnight of the previous weekday's
// overnight intervals (22:00–06:00 on Friday opens Saturday 00:00–06:00 too). A holiday closes
// its whole date, 00:00–24:00, including such a spill-over from the day before. So across a
// daylight-saving change an interval over the skipped hour is shorter (one in it vanishes), and
// an open repeated hour counts twice.
//
// The methods assume a calendar that passed Validate. On one that did not, an unknown time zone
// makes the calendar closed and unreadable intervals or dates are skipped.
type Calendar struct {
	// TimeZone is an IANA zone name such as "Europe/Helsinki"; empty means DefaultTimeZone.
	TimeZone string      `bson:"time_zone" json:"time_zone" validate:"max=64"`
	Hours    WeeklyHours `bson:"hours" json:"hours"`
	Holidays []Holiday   `bson:"holidays" json:"holidays" validate:"max=500,dive"`
}

// WeeklyHours holds the opening intervals of each weekday, in wall-clock time.
type WeeklyHours struct {
	Monday    []Interval `bson:"monday" json:"monday" validate:"max=6,dive"`
	Tuesday   []Interval `bson:"tuesday" json:"tuesday" validate:"max=6,dive"`
	Wednesday []Interval `bson:"wednesday" json:"wednesday" validate:"max=6,dive"`
	Thursday  []Interval `bson:"thursday" json:"thursday" validate:"max=6,dive"`
	Friday    []Interval `bson:"friday" json:"friday" validate:"max=6,dive"`
	Saturday  []Interval `bson:"saturday" json:"saturday" validate:"max=6,dive"`
	Sunday    []Interval `bson:"sunday" json:"sunday" validate:"max=6,dive"`
}

// Interval is one opening interval of a weekday, "HH:MM" to "HH:MM". End "24:00" means midnight
// at the end of the day; an end before the start (22:00–06:00, or 22:00–00:00) runs overnight
// into the next day. "00:00"–"24:00" is a whole day. Start and end may not be equal.
type Interval struct {
	Start string `bson:"start" json:"start" validate:"required,max=5"`
	End   string `bson:"end" json:"end" validate:"required,max=5"`
}

// Holiday closes one date (YYYY-MM-DD, in the calendar's zone) entirely.
type Holiday struct {
	Date string `bson:"date" json:"date" validate:"required,max=10"`
	Name string `bson:"name" json:"name" validate:"max=80"`
}

// WeekdayNames are the JSON names of the weekdays, indexed by time.Weekday (Sunday first).
var WeekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Day returns the intervals of one weekday.
func (w WeeklyHours) Day(d time.Weekday) []Interval {
	switch d {
	case time.Monday:
		return w.Monday
	case time.Tuesday:
		return w.Tuesday
	case time.Wednesday:
		return w.Wednesday
	case time.Thursday:
		return w.Thursday
	case time.Friday:
		return w.Friday
	case time.Saturday:
		return w.Saturday
	case time.Sunday:
		return w.Sunday
	}
	return nil
}

// SetDay replaces the intervals of one weekday.
func (w *WeeklyHours) SetDay(d time.Weekday, iv []Interval) {
	switch d {
	case time.Monday:
		w.Monday = iv
	case time.Tuesday:
		w.Tuesday = iv
	case time.Wednesday:
		w.Wednesday = iv
	case time.Thursday:
		w.Thursday = iv
	case time.Friday:
		w.Friday = iv
	case time.Saturday:
		w.Saturday = iv
	case time.Sunday:
		w.Sunday = iv
	}
}

// DefaultCalendar is Monday to Friday 08:00–16:00 in Europe/Helsinki, without holidays (add them
// per year, for example with FinnishHolidays).
func DefaultCalendar() Calendar {
	c := Calendar{TimeZone: DefaultTimeZone, Holidays: []Holiday{}}
	for d := time.Sunday; d <= time.Saturday; d++ {
		iv := []Interval{}
		if d != time.Saturday && d != time.Sunday {
			iv = []Interval{{Start: "08:00", End: "16:00"}}
		}
		c.Hours.SetDay(d, iv)
	}
	return c
}

// Normalized returns a copy with the default zone filled in, empty lists instead of nil (so JSON
// shows []), intervals sorted by start and holidays by date. It does not validate.
func (c Calendar) Normalized() Calendar {
	out := Calendar{TimeZone: strings.TrimSpace(c.TimeZone)}
	if out.TimeZone == "" {
		out.TimeZone = DefaultTimeZone
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		iv := make([]Interval, 0, len(c.Hours.Day(d)))
		for _, i := range c.Hours.Day(d) {
			iv = append(iv, Interval{Start: strings.TrimSpace(i.Start), End: strings.TrimSpace(i.End)})
		}
		slices.SortStableFunc(iv, func(a, b Interval) int { return strings.Compare(a.Start, b.Start) })
		out.Hours.SetDay(d, iv)
	}
	out.Holidays = make([]Holiday, 0, len(c.Holidays))
	for _, h := range c.Holidays {
		out.Holidays = append(out.Holidays, Holiday{Date: strings.TrimSpace(h.Date), Name: strings.TrimSpace(h.Name)})
	}
	slices.SortStableFunc(out.Holidays, func(a, b Holiday) int { return strings.Compare(a.Date, b.Date) })
	return out
}

// InvalidError says what is wrong with a calendar: a message per field, keyed by JSON path
// relative to the calendar ("time_zone", "hours.monday[1].end", "holidays[3].date").
type InvalidError struct {
	Fields map[string]string
}

func (e *InvalidError) Error() string { return "the calendar is not valid" }

// Validate checks the calendar and returns an *InvalidError when something is wrong.
func (c Calendar) Validate() error {
	fields := c.AddFieldErrors("", nil)
	if len(fields) > 0 {
		return &InvalidError{Fields: fields}
	}
	return nil
}

// AddFieldErrors adds the calendar's field errors, with each key prefixed, to fields (a nil map
// is made when there is one) and returns fields.
func (c Calendar) AddFieldErrors(prefix string, fields map[string]string) map[string]string {
	add := func(k, msg string) {
		if fields == nil {
			fields = map[string]string{}
		}
		if _, seen := fields[prefix+k]; !seen {
			fields[prefix+k] = msg
		}
	}
	zone := strings.TrimSpace(c.TimeZone)
	switch {
	case zone == "":
	case zone == "Local" || len(zone) > 64:
		add("time_zone", "must be an IANA time zone name such as Europe/Helsinki")
	default:
		if _, err := loadLocation(zone); err != nil {
			add("time_zone", "unknown time zone (use an IANA name such as Europe/Helsinki)")
		}
	}

	// Every interval as minutes of the week [start, end), end possibly past the week's end.
	type span struct {
		start, end int
		key        string
	}
	var spans []span
	for d := time.Sunday; d <= time.Saturday; d++ {
		ivs := c.Hours.Day(d)
		base := "hours." + WeekdayNames[d]
		if len(ivs) > MaxIntervalsPerDay {
			add(base, fmt.Sprintf("must have at most %d intervals", MaxIntervalsPerDay))
		}
		for i, iv := range ivs {
			key := fmt.Sprintf("%s[%d]", base, i)
			s, okS := parseClock(strings.TrimSpace(iv.Start), false)
			e, okE := parseClock(strings.TrimSpace(iv.End), true)
			if !okS {
				add(key+".start", "must be a time of day as HH:MM, 00:00 to 23:59")
			}
			if !okE {
				add(key+".end", "must be a time of day as HH:MM, 00:00 to 24:00")
			}
			if !okS || !okE {
				continue
			}
			if s == e {
				add(key+".end", "must differ from the start (use 00:00 to 24:00 for a whole day)")
				continue
			}
			if e == 0 {
				e = 1440 // 22:00–00:00 runs to midnight
			}
			if e < s {
				e += 1440 // overnight
			}
			w := int(d) * 1440
			spans = append(spans, span{w + s, w + e, key})
		}
	}
	if len(spans) == 0 {
		add("hours", "must have at least one opening interval")
	}
	// Overlaps, including an overnight interval of Saturday running into Sunday.
	const week = 7 * 1440
	all := slices.Clone(spans)
	for _, s := range spans {
		if s.end > week {
			all = append(all, span{s.start - week, s.end - week, s.key})
		}
	}
	slices.SortFunc(all, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(all); i++ {
		for j := 0; j < i; j++ {
			if all[j].end > all[i].start && all[j].key != all[i].key {
				add(all[i].key, "overlaps "+all[j].key)
			}
		}
	}

	if len(c.Holidays) > MaxHolidays {
		add("holidays", fmt.Sprintf("must have at most %d dates", MaxHolidays))
	}
	seen := map[int64]int{}
	for i, h := range c.Holidays {
		key := fmt.Sprintf("holidays[%d]", i)
		day, ok := parseDate(strings.TrimSpace(h.Date))
		if !ok {
			add(key+".date", "must be a date as YYYY-MM-DD")
			continue
		}
		if j, dup := seen[day]; dup {
			add(key+".date", fmt.Sprintf("repeats holidays[%d]", j))
			continue
		}
		seen[day] = i
		if len(h.Name) > 80 {
			add(key+".name", "must be at most 80 characters")
		}
	}
	return fields
}

// Location is the calendar's time zone (UTC when it names an unknown one).
func (c Calendar) Location() *time.Location { return c.compile().locOrUTC() }

// IsOpen reports whether t is inside opening hours.
func (c Calendar) IsOpen(t time.Time) bool { return c.compile().isOpen(t) }

func (bc *bizCal) isOpen(t time.Time) bool {
	if !bc.open {
		return false
	}
	sec, _ := bc.wallOf(t)
	day := floorDiv(sec, secondsPerDay)
	sod := sec - day*secondsPerDay
	for _, r := range bc.rangesOn(day) {
		if r.from <= sod && sod < r.to {
			return true
		}
	}
	return false
}

// NextOpening returns t if it is inside opening hours, else the next instant the calendar opens.
// ok is false when the calendar never opens again (no opening hours, or an unknown zone).
func (c Calendar) NextOpening(t time.Time) (time.Time, bool) {
	bc := c.compile()
	if bc.isOpen(t) {
		return t.In(bc.loc), true
	}
	return bc.add(t, 0)
}

// AddBusinessTime returns the instant at which d of open time has elapsed, counting from start
// (from the next opening if start is outside hours). With d = 0 that is NextOpening(start); a
// result at a closing time is that closing time, not the next opening. A negative d counts as 0.
// ok is false, with the zero time, when the calendar never opens again. The result is in the
// calendar's zone. Cost grows with the number of calendar days crossed (a few nanoseconds each)
// and, once, with the number of holidays.
func (c Calendar) AddBusinessTime(start time.Time, d time.Duration) (time.Time, bool) {
	return c.compile().add(start, d)
}

func (bc *bizCal) add(start time.Time, d time.Duration) (time.Time, bool) {
	if !bc.open {
		return time.Time{}, false
	}
	if d < 0 {
		d = 0
	}
	var result time.Time
	found := false
	bc.walk(start, func(from, to time.Time) bool {
		span := to.Sub(from)
		if span >= d {
			result, found = from.Add(d), true
			return false
		}
		d -= span
		return true
	})
	if !found {
		return time.Time{}, false
	}
	return result.In(bc.loc), true
}

// BusinessTimeBetween returns how much open time lies in [a, b); 0 if b is not after a. It
// saturates at the largest time.Duration (about 292 years).
func (c Calendar) BusinessTimeBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	bc := c.compile()
	if !bc.open {
		return 0
	}
	var total time.Duration
	bc.walk(a, func(from, to time.Time) bool {
		if !from.Before(b) {
			return false
		}
		if to.After(b) {
			to = b
		}
		span := to.Sub(from)
		if total > math.MaxInt64-span {
			total = math.MaxInt64 // over 292 years of open time: saturate
			return false
		}
		total += span
		return to.Before(b)
	})
	return total
}

// WeeklyOpenTime returns the open time of an ordinary week (no holidays, no clock change).
func (c Calendar) WeeklyOpenTime() time.Duration {
	bc := c.compile()
	var sum int64
	for _, rs := range bc.days {
		for _, r := range rs {
			sum += r.to - r.from
		}
	}
	return time.Duration(sum) * time.Second
}

// --- compiled form -------------------------------------------------------------------------

const secondsPerDay = 86400

// wallRange is an open range of one date, in seconds after its midnight: [from, to).
type wallRange struct{ from, to int64 }

// bizCal is a calendar parsed for computing: per weekday the merged wall ranges of a date (its
// own intervals and the previous weekday's overnight spill-over), and holidays as day numbers
// (days since 1970-01-01 in wall time), sorted.
type bizCal struct {
	loc      *time.Location
	days     [7][]wallRange
	holidays []int64
	open     bool // some weekday has open time
}

// locOrUTC is the calendar's zone, or UTC for a calendar whose zone is unknown.
func (bc *bizCal) locOrUTC() *time.Location {
	if bc.loc == nil {
		return time.UTC
	}
	return bc.loc
}

func (c Calendar) compile() *bizCal {
	bc := &bizCal{}
	zone := strings.TrimSpace(c.TimeZone)
	if zone == "" {
		zone = DefaultTimeZone
	}
	loc, err := loadLocation(zone)
	if err != nil || zone == "Local" {
		return bc // closed
	}
	bc.loc = loc
	var own, spill [7][]wallRange
	for d := time.Sunday; d <= time.Saturday; d++ {
		for _, iv := range c.Hours.Day(d) {
			s, okS := parseClock(strings.TrimSpace(iv.Start), false)
			e, okE := parseClock(strings.TrimSpace(iv.End), true)
			if !okS || !okE || s == e {
				continue
			}
			if e == 0 {
				e = 1440
			}
			if e > s {
				own[d] = append(own[d], wallRange{int64(s) * 60, int64(e) * 60})
				continue
			}
			own[d] = append(own[d], wallRange{int64(s) * 60, secondsPerDay})
			next := (d + 1) % 7
			spill[next] = append(spill[next], wallRange{0, int64(e) * 60})
		}
	}
	for d := range 7 {
		bc.days[d] = mergeRanges(append(own[d], spill[d]...))
		if len(bc.days[d]) > 0 {
			bc.open = true
		}
	}
	if len(c.Holidays) > 0 {
		bc.holidays = make([]int64, 0, len(c.Holidays))
		for _, h := range c.Holidays {
			if day, ok := parseDate(strings.TrimSpace(h.Date)); ok {
				bc.holidays = append(bc.holidays, day)
			}
		}
		slices.Sort(bc.holidays)
		bc.holidays = slices.Compact(bc.holidays)
	}
	return bc
}

func mergeRanges(rs []wallRange) []wallRange {
	if len(rs) == 0 {
		return nil
	}
	slices.SortFunc(rs, func(a, b wallRange) int {
		switch {
		case a.from < b.from:
			return -1
		case a.from > b.from:
			return 1
		}
		return 0
	})
	out := []wallRange{rs[0]}
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.from <= last.to {
			last.to = max(last.to, r.to)
			continue
		}
		out = append(out, r)
	}
	return out
}

// rangesOn returns the open wall ranges of a day number.
func (bc *bizCal) rangesOn(day int64) []wallRange {
	if _, hol := slices.BinarySearch(bc.holidays, day); hol {
		return nil
	}
	// 1970-01-01 was a Thursday.
	return bc.days[(day%7+7+4)%7]
}

// wallOf returns t's wall-clock reading as seconds since 1970-01-01 00:00 of the same reading,
// and its UTC offset.
func (bc *bizCal) wallOf(t time.Time) (int64, int64) {
	_, off := t.In(bc.loc).Zone()
	return t.Unix() + int64(off), int64(off)
}

// walk calls fn with the open spans [from, to) that end after start, in chronological order,
// the first one clipped to start, until fn returns false or no open time can follow. Spans may
// touch (at midnight of a calendar open round the clock).
//
// It goes through the zone's offset periods (between clock changes) and, within each, through
// the dates in wall-clock order: inside one period wall time is UTC plus a constant offset, so
// each wall range maps to one span. A date split by a clock change is visited once per side.
func (bc *bizCal) walk(start time.Time, fn func(from, to time.Time) bool) {
	u := start.Unix() // lower bound of the instants still to visit, in whole seconds
	startDay := floorDiv(u+int64(offsetAt(bc.loc, u)), secondsPerDay)
	// Past the last holiday, a weekly schedule with open time opens within a week (two, if the
	// only open hours fall into a skipped hour once). So if nothing was open for that long after
	// both the last open day and the last holiday, nothing ever will be.
	lastHoliday := int64(math.MinInt64)
	if n := len(bc.holidays); n > 0 {
		lastHoliday = bc.holidays[n-1]
	}
	lastOpen := startDay
	first := true
	for {
		tu := time.Unix(u, 0).In(bc.loc)
		_, off32 := tu.Zone()
		off := int64(off32)
		segEnd := int64(math.MaxInt64)
		if _, end := tu.ZoneBounds(); !end.IsZero() && end.Unix() > u {
			segEnd = end.Unix()
		}
		for day := floorDiv(u+off, secondsPerDay); ; day++ {
			dayStart := day*secondsPerDay - off // the instant this date's midnight would have
			if dayStart >= segEnd {
				break
			}
			if day > max(lastOpen, lastHoliday)+15 {
				return
			}
			for _, r := range bc.rangesOn(day) {
				a, b := dayStart+r.from, dayStart+r.to
				a, b = max(a, u), min(b, segEnd)
				if a >= b {
					continue
				}
				lastOpen = day
				from, to := time.Unix(a, 0), time.Unix(b, 0)
				if first {
					first = false
					if from.Before(start) {
						from = start // start inside this second
						if !from.Before(to) {
							continue
						}
					}
				}
				if !fn(from, to) {
					return
				}
			}
		}
		if segEnd == math.MaxInt64 {
			return // cannot happen: the day loop returns first
		}
		u = segEnd
	}
}

func offsetAt(loc *time.Location, unix int64) int {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return off
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// parseClock reads "HH:MM" as minutes after midnight; "24:00" only when allowEnd.
func parseClock(s string, allowEnd bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	switch {
	case h == 24 && m == 0 && allowEnd:
		return 1440, true
	case h > 23 || m > 59:
		return 0, false
	}
	return h*60 + m, true
}

// parseDate reads "YYYY-MM-DD" as days since 1970-01-01, rejecting dates that do not exist.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	n := 0
	for i, ch := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	y, m, d := n/10000, time.Month(n/100%100), n%100
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(int64(y), int64(m), int64(d)), true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// daysFromCivil is the number of days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// locations caches loaded zones: time.LoadLocation reads the zone file on every call.
var locations sync.Map // name -> *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l) // only names that exist, so the cache stays bounded
	return l, nil
}

// --- Finnish public holidays -----------------------------------------------------------------

// FinnishHolidays returns the Finnish public holidays of a year, and the two eves that are days
// off in practice (Midsummer Eve, Christmas Eve), sorted by date. Weekends are included as they
// fall; a calendar closed on weekends is unaffected by them.
func FinnishHolidays(year int) []Holiday {
	easter := easterSunday(year)
	date := func(t time.Time) string { return t.Format(time.DateOnly) }
	fixed := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	// The weekday on or after a date.
	onOrAfter := func(t time.Time, wd time.Weekday) time.Time {
		return t.AddDate(0, 0, (int(wd)-int(t.Weekday())+7)%7)
	}
	hs := []Holiday{
		{date(fixed(time.January, 1)), "New Year's Day"},
		{date(fixed(time.January, 6)), "Epiphany"},
		{date(easter.AddDate(0, 0, -2)), "Good Friday"},
		{date(easter), "Easter Sunday"},
		{date(easter.AddDate(0, 0, 1)), "Easter Monday"},
		{date(fixed(time.May, 1)), "May Day"},
		{date(easter.AddDate(0, 0, 39)), "Ascension Day"},
		{date(easter.AddDate(0, 0, 49)), "Whit Sunday"},
		{date(onOrAfter(fixed(time.June, 19), time.Friday)), "Midsummer Eve"},
		{date(onOrAfter(fixed(time.June, 20), time.Saturday)), "Midsummer Day"},
		{date(onOrAfter(fixed(time.October, 31), time.Saturday)), "All Saints' Day"},
		{date(fixed(time.December, 6)), "Independence Day"},
		{date(fixed(time.December, 24)), "Christmas Eve"},
		{date(fixed(time.December, 25)), "Christmas Day"},
		{date(fixed(time.December, 26)), "Boxing Day"},
	}
	slices.SortStableFunc(hs, func(a, b Holiday) int { return strings.Compare(a.Date, b.Date) })
	return hs
}

// easterSunday is the Gregorian Easter Sunday (the anonymous Gregorian algorithm).
func easterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
