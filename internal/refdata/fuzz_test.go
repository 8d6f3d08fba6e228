package refdata

import (
	"strings"
	"testing"
)

// FuzzParseGemeinden: `rathaus tenant import` reads operator-supplied CSV files.
func FuzzParseGemeinden(f *testing.F) {
	f.Add("ags,name,kreis,plz,einwohner\n14713000,\"Leipzig, Stadt\",\"Leipzig, Stadt\",04109 04103,619879\n")
	f.Add("ags,name,kreis,plz,einwohner\n")
	f.Add("\ufeffags,name,kreis,plz,einwohner\n1,2,3,4,5\n")
	f.Add("ags,name\n\"unterminated")
	f.Fuzz(func(t *testing.T, in string) {
		gs, err := ParseGemeinden(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, g := range gs {
			if len(g.AGS) != 8 || g.Name == "" || g.Einwohner < 0 {
				t.Fatalf("accepted invalid row %+v", g)
			}
		}
	})
}
