// Package caltest holds the wall-clock helpers the calendar and SLA tests share.
package caltest

import "time"

var helsinki = func() *time.Location {
	l, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic(err)
	}
	return l
}()

// Helsinki parses "2006-01-02 15:04" as Helsinki wall time (not for the repeated hour: use
// UTC).
func Helsinki(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, helsinki)
	if err != nil {
		panic(err)
	}
	return t
}

// UTC parses "2006-01-02 15:04" as UTC.
func UTC(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}
