package gewerbe

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	raw := edited(t, sGmbH,
		set("/art", " Anmeldung "),
		set("/betrieb/rechtsform", "GmbH"),
		set("/betrieb/register/art", "hrb"),
		set("/betrieb/register/nummer", " 45678 b "),
		set("/betrieb/betriebsstaette/plz", " 01099"),
		set("/betrieb/betriebsstaette/strasse", "Königsbrücker Straße  "),
		set("/betrieb/betriebsart/0", "Sonstiges"),
		set("/personen/1/staatsangehoerigkeiten", []any{"pl", " de"}),
		set("/personen/1/geburtsland", "pl"),
		set("/personen/1/funktion", "Gesetzlicher_Vertreter"),
		set("/taetigkeit/wz2008", " 4791 "),
	)
	a, errs := Decode(raw)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	a.Normalize()
	b := a.Betrieb
	got := []string{string(a.Art), b.Rechtsform, b.Register.Art, b.Register.Nummer, b.Betriebsstaette.PLZ,
		b.Betriebsstaette.Strasse, b.Betriebsart[0], a.Personen[1].Staatsangehoerigkeiten[0],
		a.Personen[1].Staatsangehoerigkeiten[1], a.Personen[1].Geburtsland, a.Personen[1].Funktion, a.Taetigkeit.WZ2008}
	want := []string{"anmeldung", "gmbh", "HRB", "45678 B", "01099", "Königsbrücker Straße", "sonstiges", "PL", "DE", "PL",
		"gesetzlicher_vertreter", "4791"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize:\n got  %q\n want %q", got, want)
	}
	// Check normalises before validating: only the WZ code written without dots remains.
	_, errs, _ = Check(raw, env(t))
	assertKeys(t, "Check", errs, []string{"/taetigkeit/wz2008 pattern"})

	// Normalising a sample changes nothing, and doing it twice is the same as once.
	for _, n := range SampleNames() {
		a, _ := Decode(Sample(n, today))
		before := *a
		a.Normalize()
		if !reflect.DeepEqual(before, *a) {
			t.Errorf("%s changed by Normalize", n)
		}
	}
	(&Anzeige{}).Normalize() // no panic on nil sections
}

func TestDisplayName(t *testing.T) {
	person := func(f, dr, vor, fam string) Person {
		return Person{Funktion: f, Doktorgrad: dr, Vornamen: vor, Familienname: fam}
	}
	for _, tc := range []struct {
		a    Anzeige
		want string
	}{
		{Anzeige{Betrieb: Betrieb{Name: "X GmbH", Geschaeftsbezeichnung: "X"}}, "X GmbH"},
		{Anzeige{Betrieb: Betrieb{Geschaeftsbezeichnung: " Lotus "}}, "Lotus"},
		{Anzeige{Personen: []Person{person("betriebsleiter", "", "Bea", "Boss"), person("inhaber", "Dr.", "Anna ", "Arm")}}, "Dr. Anna Arm"},
		{Anzeige{Personen: []Person{person("gesetzlicher_vertreter", "", "Gert", "Ge"), person("gesellschafter", "", "Sue", "So")}}, "Sue So"},
		{Anzeige{Personen: []Person{person("betriebsleiter", "", "Bea", "Boss")}}, "Bea Boss"},
		{Anzeige{Personen: []Person{person("inhaber", "", "", "")}}, ""},
		{Anzeige{}, ""},
	} {
		if got := tc.a.DisplayName(); got != tc.want {
			t.Errorf("DisplayName() = %q, want %q", got, tc.want)
		}
	}
}
