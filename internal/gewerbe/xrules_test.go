package gewerbe

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestXRules has failing (and borderline passing) examples for R1–R9. Today is 2026-03-10.
func TestXRules(t *testing.T) {
	g, err := loadSaxony()
	if err != nil {
		t.Fatal(err)
	}
	withOrt := func(e *Env) { e.Gemeinden = g }
	withRegions := func(e *Env) { e.Gemeinden = gemeindenMitRegion{g} }
	annaberg := func(e *Env) { e.FiledWith = "14521020"; e.Gemeinden = g }
	inAnnaberg := []edit{
		set("/betrieb/betriebsstaette", map[string]any{"strasse": "Markt", "hausnummer": "1", "plz": "09456", "ort": "Annaberg-Buchholz", "ags": "14521020"}),
		set("/ummeldung/fruehereBetriebsstaette", map[string]any{"strasse": "Dorfstraße", "hausnummer": "2", "plz": "09456", "ort": "Mildenau"}),
	}
	runChecks(t, []checkCase{
		// R1
		{name: "R1 born today", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "2026-03-10")},
			errs: []string{"/personen/0/geburtsdatum date_in_future"}},
		{name: "R1 born in the future", sample: sGmbH, edits: []edit{set("/personen/1/geburtsdatum", "2030-01-01")},
			errs: []string{"/personen/1/geburtsdatum date_in_future"}},
		{name: "R1 born after beginn", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-03-01"), set("/personen/0/geburtsdatum", "2026-03-05")},
			errs: []string{"/personen/0/geburtsdatum birth_after_start"}, warns: []string{"/anmeldung/beginn late_notice"}},
		{name: "R1 born on beginn", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-03-01"), set("/personen/0/geburtsdatum", "2026-03-01")},
			errs: []string{"/personen/0/geburtsdatum birth_after_start"}, warns: []string{"/anmeldung/beginn late_notice"}},
		{name: "R1 born after ummeldung datum", sample: sUm, edits: []edit{set("/ummeldung/datum", "2025-01-01"), set("/personen/0/geburtsdatum", "2025-06-01")},
			errs: []string{"/personen/0/geburtsdatum birth_after_start"}, warns: []string{"/ummeldung/datum late_notice"}},
		{name: "R1 born after abmeldung datum", sample: sAb, edits: []edit{set("/abmeldung/datum", "2025-01-01"), set("/personen/1/geburtsdatum", "2025-02-01")},
			errs: []string{"/personen/1/geburtsdatum birth_after_start"}, warns: []string{"/abmeldung/datum late_notice"}},
		{name: "R1 17 on beginn", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "2008-03-25")},
			warns: []string{"/personen/0/geburtsdatum minor_needs_court_approval"}},
		{name: "R1 18th birthday on beginn", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "2008-03-24")}},
		{name: "R1 born 29 Feb, 28 Feb in a common year", sample: sEinzel,
			edits: []edit{set("/personen/0/geburtsdatum", "2008-02-29"), set("/anmeldung/beginn", "2026-02-28")},
			warns: []string{"/personen/0/geburtsdatum minor_needs_court_approval", "/anmeldung/beginn late_notice"}},
		{name: "R1 born 29 Feb, of age on 1 March", sample: sEinzel,
			edits: []edit{set("/personen/0/geburtsdatum", "2008-02-29"), set("/anmeldung/beginn", "2026-03-01")},
			warns: []string{"/anmeldung/beginn late_notice"}},
		{name: "R1 minor among several persons", sample: sAb, edits: []edit{set("/personen/1/geburtsdatum", "2010-01-01")},
			warns: []string{"/personen/1/geburtsdatum minor_needs_court_approval"}},

		// R2
		{name: "R2 beginn exactly three months ahead", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-06-10")}},
		{name: "R2 beginn beyond three months", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-06-11")},
			errs: []string{"/anmeldung/beginn date_too_far_ahead"}},
		{name: "R2 ummeldung beyond three months", sample: sUm, edits: []edit{set("/ummeldung/datum", "2027-01-01")},
			errs: []string{"/ummeldung/datum date_too_far_ahead"}},
		{name: "R2 abmeldung beyond three months", sample: sAb, edits: []edit{set("/abmeldung/datum", "2026-07-01")},
			errs: []string{"/abmeldung/datum date_too_far_ahead"}},
		{name: "R2 month end clamps", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-02-28")},
			env: func(e *Env) { e.Today = time.Date(2025, 11, 30, 12, 0, 0, 0, time.UTC) }},
		{name: "R2 month end clamps, day after", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-03-01")},
			env:  func(e *Env) { e.Today = time.Date(2025, 11, 30, 12, 0, 0, 0, time.UTC) },
			errs: []string{"/anmeldung/beginn date_too_far_ahead"}},
		{name: "R2 beginn yesterday", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-03-09")},
			warns: []string{"/anmeldung/beginn late_notice"}},
		{name: "R2 beginn today", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-03-10")}},
		{name: "R2 today is the German day", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "2026-03-09")},
			env:   func(e *Env) { e.Today = time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC) }, // 00:30 on 10 March in Germany
			warns: []string{"/anmeldung/beginn late_notice"}},
		{name: "R2 abmeldung in the past", sample: sAb, edits: []edit{set("/abmeldung/datum", "2026-02-01")},
			warns: []string{"/abmeldung/datum late_notice"}},

		// R3
		{name: "R3 GmbH without register", sample: sGmbH, edits: []edit{del("/betrieb/register")},
			errs: []string{"/betrieb/register register_required"}},
		{name: "R3 e.K. without register", sample: sUm, edits: []edit{del("/betrieb/register")},
			errs: []string{"/betrieb/register register_required"}},
		{name: "R3 GbR needs none", sample: sAb, edits: []edit{del("/betrieb/register")}},

		// R4
		{name: "R4 handwerk without handwerkskarte", sample: sVerlegung, edits: []edit{del("/handwerkskarte")},
			warns: []string{"/handwerkskarte handwerkskarte_missing"}},
		{name: "R4 handwerk among others", sample: sGmbH, edits: []edit{set("/betrieb/betriebsart", []any{"handel", "handwerk"})},
			warns: []string{"/handwerkskarte handwerkskarte_missing"}},

		// R5
		{name: "R5 municipality not served", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/ags", "09162000")},
			errs: []string{"/betrieb/betriebsstaette/ags ags_not_served"}},
		{name: "R5 other municipality than filed with", sample: sEinzel,
			edits: []edit{set("/betrieb/betriebsstaette/ags", "14713000"), set("/betrieb/betriebsstaette/plz", "04109")},
			errs:  []string{"/betrieb/betriebsstaette/ags ags_mismatch"}},
		{name: "R5 plz not in municipality", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/plz", "04109")},
			warns: []string{"/betrieb/betriebsstaette/plz plz_not_in_municipality"}},
		{name: "R5 no FiledWith skips the mismatch check", sample: sEinzel,
			edits: []edit{set("/betrieb/betriebsstaette/ags", "14713000"), set("/betrieb/betriebsstaette/plz", "04109")},
			env:   func(e *Env) { e.FiledWith = "" }},

		// R6
		{name: "R6 einzelunternehmen without inhaber", sample: sEinzel, edits: []edit{set("/personen/0/funktion", "betriebsleiter")},
			errs: []string{"/personen person_role_missing"}},
		{name: "R6 GmbH without gesetzlicher_vertreter", sample: sGmbH,
			edits: []edit{set("/personen/0/funktion", "gesellschafter"), set("/personen/1/funktion", "betriebsleiter")},
			errs:  []string{"/personen person_role_missing"}},
		{name: "R6 GbR without gesellschafter", sample: sAb,
			edits: []edit{set("/personen/0/funktion", "inhaber"), set("/personen/1/funktion", "inhaber")},
			errs:  []string{"/personen person_role_missing"}},
		{name: "R6 one of several suffices", sample: sGmbH, edits: []edit{set("/personen/1/funktion", "betriebsleiter")}},

		// R7
		{name: "R7 non-EU person without aufenthaltstitel", sample: sEinzel, edits: []edit{del("/personen/0/aufenthaltstitel")},
			errs: []string{"/personen/0/aufenthaltstitel aufenthaltstitel_required"}},
		{name: "R7 United Kingdom is not EU", sample: sGmbH, edits: []edit{set("/personen/1/staatsangehoerigkeiten", []any{"GB", "US"})},
			errs: []string{"/personen/1/aufenthaltstitel aufenthaltstitel_required"}},
		{name: "R7 Swiss national", sample: sEinzel, edits: []edit{del("/personen/0/aufenthaltstitel"), set("/personen/0/staatsangehoerigkeiten", []any{"VN", "CH"})}},
		{name: "R7 EEA national", sample: sEinzel, edits: []edit{del("/personen/0/aufenthaltstitel"), set("/personen/0/staatsangehoerigkeiten", []any{"NO"})}},

		// R8
		{name: "R8 code not in WZ 2008", sample: sEinzel, edits: []edit{set("/taetigkeit/wz2008", "96.02.5")},
			errs: []string{"/taetigkeit/wz2008 wz_unknown"}},
		{name: "R8 class is fine", sample: sEinzel, edits: []edit{set("/taetigkeit/wz2008", "96.02")}},

		// R9
		{name: "R9 fruehere ags elsewhere", sample: sUm, edits: []edit{set("/ummeldung/fruehereBetriebsstaette/ags", "14713000")},
			errs: []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 fruehere ags same", sample: sUm, edits: []edit{set("/ummeldung/fruehereBetriebsstaette/ags", "14612000")}},
		{name: "R9 fruehere plz resolves elsewhere", sample: sUm,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "04109"), set("/ummeldung/fruehereBetriebsstaette/ort", "Leipzig")},
			errs:  []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 fruehere abroad", sample: sUm,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "50-001"), set("/ummeldung/fruehereBetriebsstaette/staat", "PL")},
			errs:  []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 unknown plz is not an error", sample: sUm, edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "99999")}},
		{name: "R9 plz of a region the platform has no municipality in", sample: sUm, env: withRegions,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "80331"), set("/ummeldung/fruehereBetriebsstaette/ort", "München")},
			errs:  []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 unknown plz of a known region is not an error", sample: sUm, env: withRegions,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "01998")}},
		{name: "R9 unknown plz and a place that is no municipality of the platform", sample: sUm, env: withRegions,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "07545"), set("/ummeldung/fruehereBetriebsstaette/ort", "Gera")},
			errs:  []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 unknown plz of the same place is not an error", sample: sUm, env: withRegions,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "01998"), set("/ummeldung/fruehereBetriebsstaette/ort", "Dresden")}},
		{name: "R9 shared plz without OrtResolver", sample: sUm, edits: inAnnaberg, env: func(e *Env) { e.FiledWith = "14521020" }},
		{name: "R9 shared plz, ort resolves elsewhere", sample: sUm, edits: inAnnaberg, env: annaberg,
			errs: []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 shared plz, ort resolves here", sample: sUm,
			edits: append(slices.Clone(inAnnaberg), set("/ummeldung/fruehereBetriebsstaette/ort", "Annaberg-Buchholz")), env: annaberg},
		{name: "R9 unknown plz, ort resolves elsewhere", sample: sUm,
			edits: []edit{set("/ummeldung/fruehereBetriebsstaette/plz", "99999"), set("/ummeldung/fruehereBetriebsstaette/ort", "Leipzig")},
			env:   withOrt, errs: []string{"/ummeldung/fruehereBetriebsstaette ummeldung_other_municipality"}},
		{name: "R9 applies to ummeldung only", sample: sVerlegung},
	})
}

func TestR3AndR6ByRechtsform(t *testing.T) {
	roles := map[string]string{
		"einzelunternehmen": "inhaber", "ek": "inhaber",
		"gbr": "gesellschafter", "ohg": "gesellschafter", "kg": "gesellschafter",
		"gmbh": "gesetzlicher_vertreter", "ug": "gesetzlicher_vertreter", "ag": "gesetzlicher_vertreter",
		"kgaa": "gesetzlicher_vertreter", "se": "gesetzlicher_vertreter", "eg": "gesetzlicher_vertreter",
		"ev": "gesetzlicher_vertreter", "ltd": "gesetzlicher_vertreter", "sonstige": "inhaber",
	}
	registered := []string{"gmbh", "ug", "ag", "ohg", "kg", "ek", "eg", "kgaa", "se"}
	if len(roles) != len(rechtsformen) {
		t.Fatalf("table covers %d legal forms, the schema has %d", len(roles), len(rechtsformen))
	}
	for rf, role := range roles {
		a, _ := Decode(Sample(sGmbH, today))
		a.Betrieb.Rechtsform = rf
		a.Betrieb.Register = nil
		for i := range a.Personen {
			a.Personen[i].Funktion = role
		}
		errs, _ := Validate(a, env(t))
		var wantErrs []string
		if slices.Contains(registered, rf) {
			wantErrs = []string{"/betrieb/register register_required"}
		}
		assertKeys(t, rf+" with "+role, errs, wantErrs)

		a.Personen[0].Funktion, a.Personen[1].Funktion = "betriebsleiter", "betriebsleiter"
		errs, _ = Validate(a, env(t))
		if rf == "ek" || rf == "sonstige" {
			// R6 names no role for these: any person will do.
			assertKeys(t, rf+" without "+role, errs, wantErrs)
			continue
		}
		assertKeys(t, rf+" without "+role, errs, append(wantErrs, "/personen person_role_missing"))
	}
}

func TestValidateWithoutLookups(t *testing.T) {
	// Without lookups the rules that need them are skipped, the others still apply.
	raw := edited(t, sEinzel, set("/betrieb/betriebsstaette/ags", "09162000"), set("/taetigkeit/wz2008", "99.99"))
	_, errs, _ := Check(raw, Env{Today: today})
	assertKeys(t, "errors", errs, nil)
	_, errs, _ = Check(raw, Env{Today: today, FiledWith: SampleFiledWith})
	assertKeys(t, "errors", errs, []string{"/betrieb/betriebsstaette/ags ags_mismatch"})
}

func TestValidateGoValue(t *testing.T) {
	// A value built in Go: absent and empty are the same.
	errs, warns := Validate(&Anzeige{}, env(t))
	assertKeys(t, "zero Anzeige", errs, []string{"/art required", "/betrieb required", "/personen required", "/taetigkeit required"})
	assertKeys(t, "zero Anzeige warnings", warns, nil)

	errs, _ = Validate(nil, env(t))
	assertKeys(t, "nil Anzeige", errs, []string{" required"})

	a, _ := Decode(Sample(sEinzel, today))
	a.Personen[0].Familienname = ""
	a.Betrieb.Betriebsart = []string{"handel", ""}
	a.Betrieb.Beschaeftigte.Vollzeit = new(-3)
	errs, _ = Validate(a, env(t))
	assertKeys(t, "edited", errs, []string{
		"/personen/0/familienname required",
		"/betrieb/betriebsart/1 enum",
		"/betrieb/beschaeftigte/vollzeit too_small",
	})
}

func TestMessagesNameTheField(t *testing.T) {
	raw := edited(t, sEinzel,
		set("/anmeldung/beginn", "2026-03-01"),
		set("/personen/0/geburtsdatum", "2026-03-05"),
		set("/betrieb/register", map[string]any{"art": "HRB", "nummer": "x", "gericht": "Amtsgericht Dresden"}),
		del("/personen/0/aufenthaltstitel"),
	)
	_, errs, warns := Check(raw, env(t))
	got := map[string]string{}
	for _, e := range append(errs, warns...) {
		got[e.Pointer] = e.Message
	}
	for ptr, wantMsg := range map[string]string{
		"/personen/0/geburtsdatum":     "Person 1, Geburtsdatum: Das Datum liegt nicht vor dem Beginn der Tätigkeit.",
		"/betrieb/register/nummer":     "Registernummer: Bitte die Registernummer",
		"/personen/0/aufenthaltstitel": "Person 1, Aufenthaltstitel: Personen ohne Staatsangehörigkeit eines Staates der EU",
		"/anmeldung/beginn":            "Beginn der Tätigkeit: Das Datum liegt in der Vergangenheit.",
	} {
		if !strings.HasPrefix(got[ptr], wantMsg) {
			t.Errorf("message at %s = %q, want it to start with %q", ptr, got[ptr], wantMsg)
		}
	}

	_, errs, _ = Check(edited(t, sUm, set("/ummeldung/fruehereBetriebsstaette/ags", "14713000")), env(t))
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "Anmeldung") || !strings.Contains(errs[0].Message, "„Verlegung aus anderem Meldebezirk“") {
		t.Errorf("R9 message does not explain the Anmeldung at the new place: %v", errs)
	}
}

func TestLabel(t *testing.T) {
	for ptr, want := range map[string]string{
		"":                                      "Gewerbeanzeige",
		"/art":                                  "Art der Anzeige",
		"/personen":                             "Personen",
		"/personen/0/geburtsdatum":              "Person 1, Geburtsdatum",
		"/personen/11/anschrift/plz":            "Person 12, Anschrift, Postleitzahl",
		"/betrieb/betriebsstaette/ags":          "Betriebsstätte, Amtlicher Gemeindeschlüssel",
		"/betrieb/register/art":                 "Registerart",
		"/betrieb/betriebsart/1":                "Art des Betriebs (Eintrag 2)",
		"/anmeldung/beginn":                     "Beginn der Tätigkeit",
		"/abmeldung/datum":                      "Datum der Betriebsaufgabe",
		"/ummeldung/fruehereBetriebsstaette":    "Frühere Betriebsstätte",
		"/taetigkeit/weitere/0":                 "Weitere Tätigkeit 1",
		"/betrieb/x~1y":                         "„x/y“",
		"/personen/0/aufenthaltstitel/behoerde": "Person 1, Aufenthaltstitel, Behörde",
	} {
		if got := label(ptr); got != want {
			t.Errorf("label(%q) = %q, want %q", ptr, got, want)
		}
	}
}
