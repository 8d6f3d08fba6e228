package gewerbe

import (
	"testing"
)

// TestCodesAsWritten: the contract says an invalid document is rejected. Code values in
// another case or with spaces around them, and codes written otherwise than the schema's
// pattern, are errors naming the field and the allowed values; nothing is "repaired" into a
// valid document (Check did that once). Text around which a person typed spaces is valid and
// kept as written.
func TestCodesAsWritten(t *testing.T) {
	raw := edited(t, sGmbH,
		set("/art", " Anmeldung "),
		set("/betrieb/rechtsform", "GmbH"),
		set("/betrieb/register/art", "hrb"),
		set("/betrieb/register/nummer", " 45678 b "),
		set("/betrieb/betriebsstaette/strasse", "Königsbrücker Straße  "),
		set("/betrieb/betriebsart/0", "Sonstiges"),
		set("/personen/1/staatsangehoerigkeiten", []any{"pl", " de"}),
		set("/personen/1/geburtsland", "pl"),
		set("/personen/1/funktion", "Gesetzlicher_Vertreter"),
		set("/taetigkeit/wz2008", " 4791 "),
	)
	_, errs, _ := Check(raw, env(t))
	assertKeys(t, "Check", errs, []string{"/art enum", "/betrieb/rechtsform enum", "/betrieb/register/art enum", "/betrieb/register/nummer pattern",
		"/betrieb/betriebsart/0 enum", "/personen/1/funktion enum", "/personen/1/geburtsland pattern", "/personen/1/staatsangehoerigkeiten/0 pattern",
		"/personen/1/staatsangehoerigkeiten/1 pattern", "/taetigkeit/wz2008 pattern"})
	a, errs, _ := Check(edited(t, sGmbH, set("/betrieb/betriebsstaette/strasse", "Königsbrücker Straße  ")), env(t))
	if len(errs) != 0 || a.Betrieb.Betriebsstaette.Strasse != "Königsbrücker Straße  " {
		t.Fatalf("text with spaces: %+v %q", errs, a.Betrieb.Betriebsstaette.Strasse)
	}
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

func TestAddressee(t *testing.T) {
	owner := Person{Funktion: "inhaber", Vornamen: "Erika", Familienname: "Müller"}
	for _, tc := range []struct {
		a    Anzeige
		want string
	}{
		{Anzeige{Betrieb: Betrieb{Name: "X GmbH", Geschaeftsbezeichnung: "X"}}, "X GmbH"},
		{Anzeige{Betrieb: Betrieb{Geschaeftsbezeichnung: "Bäckerei „Süße Ähre“"}, Personen: []Person{owner}}, "Erika Müller\nBäckerei „Süße Ähre“"},
		{Anzeige{Betrieb: Betrieb{}, Personen: []Person{{Funktion: "gesellschafter", Vornamen: "A", Familienname: "B"}, {Funktion: "gesellschafter", Vornamen: "C", Familienname: "D"}}}, "A B, C D"},
		{Anzeige{Betrieb: Betrieb{Geschaeftsbezeichnung: "Nur Name"}}, "Nur Name"},
	} {
		if got := tc.a.Addressee(); got != tc.want {
			t.Errorf("Addressee() = %q, want %q", got, tc.want)
		}
	}
}
