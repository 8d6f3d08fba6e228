package tenant

import (
	"testing"

	"github.com/rathaus-egov/rathaus/internal/refdata"
)

func saxony(t *testing.T) *Directory {
	t.Helper()
	gs, err := refdata.Gemeinden()
	if err != nil {
		t.Fatal(err)
	}
	ts := make([]Tenant, len(gs))
	for i, g := range gs {
		ts[i] = Tenant{AGS: g.AGS, Name: g.Name, Kreis: g.Kreis, PLZ: g.PLZ, Einwohner: g.Einwohner}
	}
	return NewDirectory(ts)
}

// TestSearch: the municipality finder takes what people type — a postal code with the place,
// "Stadt" in the wrong place, ß as ss, the Kurort in front — and says when it shows only some.
func TestSearch(t *testing.T) {
	d := saxony(t)
	for q, want := range map[string]string{
		"01067":                 "14612000",
		"01067 Dresden":         "14612000",
		"Dresden Stadt":         "14612000",
		"dresden":               "14612000",
		"Kurort Oberwiesenthal": "14521440",
		"Oberwiesenthal":        "14521440",
		"Weissenberg":           "14625610",
		"Weißenberg":            "14625610",
		"01454 Wachau":          "14625600",
	} {
		got, _ := d.Search(q, 10)
		if len(got) == 0 || got[0].AGS != want {
			t.Errorf("Search(%q) = %v, want %s first", q, names(got), want)
		}
	}
	if got, more := d.Search("S", 10); len(got) != 10 || !more || got[0].AGS == "14713000" {
		t.Errorf("Search(S): %d shown, more %v, first %s (\"Stadt\" must not match)", len(got), more, names(got[:1]))
	}
	if got, more := d.Search("01067 Leipzig", 10); len(got) != 0 || more {
		t.Errorf("a postal code and another place: %v", names(got))
	}
	if got, _ := d.Search("  ", 10); len(got) != 0 {
		t.Error("blank query found something")
	}
}

func names(ts []*Tenant) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestKnowsPLZRegion(t *testing.T) {
	d := saxony(t)
	for plz, want := range map[string]bool{"01998": true, "04109": true, "80331": false, "50667": false, "1": false} {
		if got := d.KnowsPLZRegion(plz); got != want {
			t.Errorf("KnowsPLZRegion(%q) = %v, want %v", plz, got, want)
		}
	}
}

func TestAGSForOrt(t *testing.T) {
	d := saxony(t)
	for ort, want := range map[string]string{"Leipzig": "14713000", "leipzig, Stadt": "14713000", "Leipzig-Gohlis": "14713000",
		"Dresden Klotzsche": "14612000", "Leipzig (Sachsen)": "14713000", "Annaberg-Buchholz": "14521020"} {
		if got := d.AGSForOrt(ort); len(got) != 1 || got[0] != want {
			t.Errorf("AGSForOrt(%q) = %v, want %s", ort, got, want)
		}
	}
	if got := d.AGSForOrt("Gera"); len(got) != 0 {
		t.Errorf("Gera: %v", got)
	}
}
