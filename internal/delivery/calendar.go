package delivery

import (
	"time"

	"github.com/rathaus-egov/rathaus/internal/clock"
)

var berlin = clock.Berlin

// StatistikDeadline is the latest day a statistics message for a notice filed at filed may be
// sent (§ 3 Abs. 5 GewAnzV): the first working day of the following month, as midnight in
// Europe/Berlin. Working days are Monday to Friday except the public holidays of Saxony.
func StatistikDeadline(filed time.Time) time.Time {
	f := filed.In(berlin)
	d := time.Date(f.Year(), f.Month()+1, 1, 0, 0, 0, 0, berlin)
	for !WorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// WorkingDay reports whether the calendar day of d (in its location) is a working day in
// Saxony.
func WorkingDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !Feiertag(d)
}

// Feiertag reports whether the calendar day of d is a public holiday in Saxony (SächsSFG):
// Neujahr, Karfreitag, Ostermontag, 1. Mai, Christi Himmelfahrt, Pfingstmontag, Tag der
// Deutschen Einheit, Reformationstag, Buß- und Bettag, 1. and 2. Weihnachtstag.
func Feiertag(d time.Time) bool {
	y, m, day := d.Date()
	switch {
	case m == time.January && day == 1, m == time.May && day == 1, m == time.October && day == 3,
		m == time.October && day == 31, m == time.December && (day == 25 || day == 26):
		return true
	}
	date := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	easter := easterSunday(y)
	for _, off := range []int{-2, 1, 39, 50} {
		if date.Equal(easter.AddDate(0, 0, off)) {
			return true
		}
	}
	// Buß- und Bettag: the Wednesday before 23 November.
	bb := time.Date(y, time.November, 22, 0, 0, 0, 0, time.UTC)
	for bb.Weekday() != time.Wednesday {
		bb = bb.AddDate(0, 0, -1)
	}
	return date.Equal(bb)
}

// easterSunday computes Easter Sunday (Gregorian calendar, anonymous algorithm).
func easterSunday(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
