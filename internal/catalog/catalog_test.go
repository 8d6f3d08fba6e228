package catalog

import "testing"

func TestLoadAndSearch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := c.Get("99050012104000"); !ok || l.Kind != KindOnline || l.Art != "anmeldung" {
		t.Fatalf("Gewerbe anmelden: %+v", l)
	}
	for q, want := range map[string]string{
		"Gewerbeschein":     "99050012104000",
		"Firma anmelden":    "99050012104000",
		"gewerbe anmelden":  "99050012104000",
		"GEWERBE ABMELDEN":  "99050012106000",
		"Betrieb verlegen":  "99050012105000",
		"schein":            "99050012104000",
		"Hundesteuer":       "99024005000000",
		"Makler":            "99050007000000",
		"selbständig":       "99050012104000",
		"register business": "99050012104000",
		"Gewrbe anmelden":   "99050012104000", // one letter missing
		"Gewerbe anmleden":  "99050012104000", // two letters swapped
		"Hundestuer":        "99024005000000",
	} {
		got := c.Search(q)
		if len(got) == 0 || got[0].Key != want {
			keys := []string{}
			for _, g := range got {
				keys = append(keys, g.Key)
			}
			t.Errorf("Search(%q) = %v, want %s first", q, keys, want)
		}
	}
	if got := c.Search("Raumfahrt"); len(got) != 0 {
		t.Errorf("nonsense found %d services", len(got))
	}
	if len(c.Search("")) != len(c.Leistungen) {
		t.Error("empty query does not list all")
	}
	for _, q := range []string{"%", "_", "  ,;  "} {
		if got := c.Search(q); len(got) != 0 {
			t.Errorf("Search(%q) found %d services", q, len(got))
		}
	}
	for a, b := range map[string]string{"gewerbe": "gewrbe", "anmelden": "anmledne"} {
		if a == "anmelden" {
			if oneEdit(a, b) {
				t.Errorf("oneEdit(%q, %q): two edits taken for one", a, b)
			}
			continue
		}
		if !oneEdit(a, b) {
			t.Errorf("oneEdit(%q, %q) = false", a, b)
		}
	}
	if ll, ok := c.Lebenslage("gewerbe-gruenden"); !ok || len(ll.Keys) < 4 {
		t.Error("Lebenslage gewerbe-gruenden missing")
	}
}

func TestParseRejectsBadCatalogs(t *testing.T) {
	for _, bad := range []string{
		`{"leistungen":[{"key":"123","name":{"de":"a","en":"b"},"kind":"information"}]}`,
		`{"leistungen":[{"key":"99000000000000","name":{"de":"a"},"kind":"information"}]}`,
		`{"leistungen":[{"key":"99000000000000","name":{"de":"a","en":"b"},"kind":"online"}]}`,
		`{"leistungen":[{"key":"99000000000000","name":{"de":"a","en":"b"},"kind":"magic"}]}`,
		`{"leistungen":[],"lebenslagen":[{"id":"x","leistungen":["99000000000000"]}]}`,
		`{"unknown":1}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
