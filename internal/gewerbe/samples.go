package gewerbe

import (
	"embed"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// samplesFS holds valid example notices, one per kind of case. They are filed with Dresden
// (AGS 14612000) and use WZ 2008 codes from the shipped list. Dates that must lie near the
// filing day are placeholders (see Sample).
//
//go:embed samples/*.json
var samplesFS embed.FS

// SampleFiledWith is the AGS of the municipality every sample is filed with (Dresden).
const SampleFiledWith = "14612000"

// SampleNames returns the names of the example notices, sorted:
// abmeldung, anmeldung-einzelunternehmen, anmeldung-gmbh, anmeldung-verlegung, ummeldung.
func SampleNames() []string {
	entries, _ := fs.ReadDir(samplesFS, "samples") // embedded: cannot fail
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
	}
	return names
}

// placeholder is a date relative to the filing day: "@TODAY", "@TODAY+14", "@TODAY-2M",
// "@TODAY-18Y" (days unless M for calendar months or Y for years follows).
var placeholder = regexp.MustCompile(`@TODAY(?:([+-][0-9]{1,5})([DMY]?))?`)

// Sample returns the example notice called name with every date placeholder replaced by the
// date it stands for, counted from today's calendar day in Europe/Berlin. Validated with the
// same day, FiledWith SampleFiledWith and the shipped municipalities and WZ list, each sample
// has no errors and no warnings. Sample returns nil for an unknown name.
func Sample(name string, today time.Time) []byte {
	raw, err := samplesFS.ReadFile("samples/" + name + ".json")
	if err != nil {
		return nil
	}
	return expandDates(raw, berlinDate(today))
}

// expandDates replaces every date placeholder in raw by the date it stands for from day.
func expandDates(raw []byte, day time.Time) []byte {
	return placeholder.ReplaceAllFunc(raw, func(m []byte) []byte {
		sub := placeholder.FindSubmatch(m)
		n, _ := strconv.Atoi(string(sub[1])) // "" → 0
		var d time.Time
		switch string(sub[2]) {
		case "M":
			d = addMonths(day, n)
		case "Y":
			d = addMonths(day, 12*n)
		default:
			d = day.AddDate(0, 0, n)
		}
		return []byte(d.Format(time.DateOnly))
	})
}

// Samples returns every example notice by name, dated as Sample does.
func Samples(today time.Time) map[string][]byte {
	out := map[string][]byte{}
	for _, n := range SampleNames() {
		out[n] = Sample(n, today)
	}
	return out
}
