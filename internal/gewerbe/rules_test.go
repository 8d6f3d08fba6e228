package gewerbe

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	d, ok := parseDate(s)
	if !ok {
		panic(s)
	}
	return d
}

func TestParseDate(t *testing.T) {
	for s, ok := range map[string]bool{
		"2024-02-29": true, "2023-02-29": false, "2026-04-31": false, "2026-12-31": true,
		"2026-1-01": false, "26-01-01": false, "2026/01/01": false, "+026-01-01": false,
		"2026-01-01 ": false, "2026-00-10": false, "2026-13-01": false, "": false,
	} {
		if _, got := parseDate(s); got != ok {
			t.Errorf("parseDate(%q) ok = %v, want %v", s, got, ok)
		}
	}
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-10", 3, "2026-06-10"},
		{"2025-11-30", 3, "2026-02-28"},
		{"2027-11-30", 3, "2028-02-29"},
		{"2026-10-31", 3, "2027-01-31"},
		{"2026-12-31", 2, "2027-02-28"},
		{"2026-05-31", 1, "2026-06-30"},
		{"2026-03-31", -1, "2026-02-28"},
		{"2024-02-29", 12, "2025-02-28"},
	} {
		if got := addMonths(date(tc.from), tc.n).Format(time.DateOnly); got != tc.want {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestAgeOn(t *testing.T) {
	for _, tc := range []struct {
		birth, on string
		want      int
	}{
		{"2008-03-24", "2026-03-24", 18},
		{"2008-03-25", "2026-03-24", 17},
		{"2008-02-29", "2026-02-28", 17},
		{"2008-02-29", "2026-03-01", 18},
		{"2008-02-29", "2028-02-29", 20},
		{"1990-12-31", "2026-01-01", 35},
	} {
		if got := ageOn(date(tc.birth), date(tc.on)); got != tc.want {
			t.Errorf("ageOn(%s, %s) = %d, want %d", tc.birth, tc.on, got, tc.want)
		}
	}
}

func TestBerlinDate(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 3, 9, 22, 59, 0, 0, time.UTC), "2026-03-09"}, // 23:59 CET
		{time.Date(2026, 3, 9, 23, 0, 0, 0, time.UTC), "2026-03-10"},  // 00:00 CET
		{time.Date(2026, 7, 1, 21, 59, 0, 0, time.UTC), "2026-07-01"}, // 23:59 CEST
		{time.Date(2026, 7, 1, 22, 0, 0, 0, time.UTC), "2026-07-02"},  // 00:00 CEST
		{time.Date(2026, 7, 2, 0, 30, 0, 0, time.FixedZone("X", -8*3600)), "2026-07-02"},
	} {
		if got := berlinDate(tc.t).Format(time.DateOnly); got != tc.want {
			t.Errorf("berlinDate(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

// TestBerlinOffsetMatchesTZData checks the fallback rule against the time zone database hour
// by hour over two years around the switches.
func TestBerlinOffsetMatchesTZData(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for u := time.Date(2025, 1, 1, 0, 30, 0, 0, time.UTC); u.Year() < 2027; u = u.Add(time.Hour) {
		_, off := u.In(loc).Zone()
		if got := berlinOffset(u); got != time.Duration(off)*time.Second {
			t.Fatalf("berlinOffset(%v) = %v, tzdata says %ds", u, got, off)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for s, ok := range map[string]bool{
		"a@b.example": true, "first.last+tag@example.org": true,
		"a": false, "@b.de": false, "a@": false, "A <a@b.de>": false, "<a@b.de>": false, "a b@c.de": false,
	} {
		if got := validEmail(s); got != ok {
			t.Errorf("validEmail(%q) = %v, want %v", s, got, ok)
		}
	}
}

func TestEUEEACH(t *testing.T) {
	if len(euEEACH) != 31 {
		t.Errorf("list has %d states, want 27 EU + 3 EEA + CH = 31", len(euEEACH))
	}
	for _, c := range []string{"GB", "UA", "TR", "VN", "US", "EL"} {
		if euEEACH[c] {
			t.Errorf("%s is listed", c)
		}
	}
}
