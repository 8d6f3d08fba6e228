package gewerbe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	sEinzel    = "anmeldung-einzelunternehmen"
	sGmbH      = "anmeldung-gmbh"
	sVerlegung = "anmeldung-verlegung"
	sUm        = "ummeldung"
	sAb        = "abmeldung"
)

func TestSamplesAreValid(t *testing.T) {
	names := SampleNames()
	if len(names) != 5 {
		t.Fatalf("SampleNames() = %v, want 5 samples", names)
	}
	display := map[string]string{
		sEinzel:    "Nagelstudio Lotus",
		sGmbH:      "Elbe Datenwerk GmbH",
		sVerlegung: "Elektro Schubert",
		sUm:        "Buchhandlung am Schillerplatz e.K.",
		sAb:        "Café Blauer Elefant",
	}
	for _, n := range names {
		a, errs, warns := Check(Sample(n, today), env(t))
		assertKeys(t, n+" errors", errs, nil)
		assertKeys(t, n+" warnings", warns, nil)
		if a == nil {
			t.Fatalf("%s: nil Anzeige", n)
		}
		if got := a.DisplayName(); got != display[n] {
			t.Errorf("%s: DisplayName() = %q, want %q", n, got, display[n])
		}
	}
	if Sample("nope", today) != nil {
		t.Error("Sample of an unknown name is not nil")
	}
	if got := len(Samples(today)); got != 5 {
		t.Errorf("Samples() has %d entries", got)
	}
}

func TestSamplesAreValidWithOrtResolver(t *testing.T) {
	e := env(t)
	g, _ := loadSaxony()
	e.Gemeinden = g
	for _, n := range SampleNames() {
		_, errs, warns := Check(Sample(n, today), e)
		assertKeys(t, n+" errors", errs, nil)
		assertKeys(t, n+" warnings", warns, nil)
	}
}

func TestSamplePlaceholders(t *testing.T) {
	a, _ := Decode(Sample(sEinzel, today))
	if a.Anmeldung.Beginn != "2026-03-24" {
		t.Errorf("@TODAY+14 = %s, want 2026-03-24", a.Anmeldung.Beginn)
	}
	a, _ = Decode(Sample(sAb, today))
	if a.Abmeldung.Datum != "2026-03-10" {
		t.Errorf("@TODAY = %s", a.Abmeldung.Datum)
	}
	// 23:30 UTC on 9 March is 00:30 on 10 March in Germany.
	a, _ = Decode(Sample(sAb, time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC)))
	if a.Abmeldung.Datum != "2026-03-10" {
		t.Errorf("@TODAY at 23:30 UTC = %s, want the German day", a.Abmeldung.Datum)
	}
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		`"@TODAY"`:     `"2026-03-10"`,
		`"@TODAY+3"`:   `"2026-03-13"`,
		`"@TODAY+3D"`:  `"2026-03-13"`,
		`"@TODAY-2M"`:  `"2026-01-10"`,
		`"@TODAY-18Y"`: `"2008-03-10"`,
		`"@TODAY+400"`: `"2027-04-14"`,
		`["@TODAY-1"]`: `["2026-03-09"]`,
		`"no date"`:    `"no date"`,
	} {
		if got := string(expandDates([]byte(in), day)); got != want {
			t.Errorf("expandDates(%s) = %s, want %s", in, got, want)
		}
	}
}

type checkCase struct {
	name   string
	sample string
	edits  []edit
	raw    string     // used instead of sample+edits when set
	env    func(*Env) // changes to the default environment
	errs   []string   // "pointer code", exactly
	warns  []string
}

func runChecks(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			if tc.raw == "" {
				raw = edited(t, tc.sample, tc.edits...)
			}
			e := env(t)
			if tc.env != nil {
				tc.env(&e)
			}
			_, errs, warns := Check(raw, e)
			assertKeys(t, "errors", errs, tc.errs)
			assertKeys(t, "warnings", warns, tc.warns)
		})
	}
}

// TestDecode covers what Decode reports: syntax, unknown members, duplicates and JSON types.
func TestDecode(t *testing.T) {
	deep := `{"foo":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`
	runChecks(t, []checkCase{
		{name: "empty input", raw: " ", errs: []string{" malformed_json"}},
		{name: "truncated", raw: `{"art":"anmeldung"`, errs: []string{" malformed_json"}},
		{name: "syntax error", raw: `{"art" "anmeldung"}`, errs: []string{" malformed_json"}},
		{name: "trailing data", raw: `{} {}`, errs: []string{" malformed_json"}},
		{name: "not UTF-8", raw: "{\"art\":\"\xff\"}", errs: []string{" malformed_json"}},
		{name: "too deep", raw: deep, errs: []string{" too_deep"}},
		{name: "array at top", raw: `[]`, errs: []string{" type"}},
		{name: "null at top", raw: `null`, errs: []string{" type"}},
		{name: "empty object", raw: `{}`, errs: []string{"/art required", "/betrieb required", "/personen required", "/taetigkeit required"}},
		{name: "unknown top-level field", sample: sEinzel, edits: []edit{set("/bemerkung", "x")}, errs: []string{"/bemerkung unknown_field"}},
		{name: "unknown nested field", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/land", "DE")}, errs: []string{"/betrieb/betriebsstaette/land unknown_field"}},
		{name: "unknown field in person", sample: sGmbH, edits: []edit{set("/personen/1/titel", "Prof.")}, errs: []string{"/personen/1/titel unknown_field"}},
		{name: "unknown field name escaped", raw: strings.Replace(string(Sample(sEinzel, today)), `{`, `{"a~b/c": 1,`, 1), errs: []string{"/a~0b~1c unknown_field"}},
		{name: "unknown field case differs", sample: sEinzel, edits: []edit{set("/Art", "anmeldung")}, errs: []string{"/Art unknown_field"}},
		{name: "duplicate member", raw: strings.Replace(string(Sample(sEinzel, today)), `"art": "anmeldung",`, `"art": "abmeldung", "art": "anmeldung",`, 1), errs: []string{"/art duplicate_key"}},
		{name: "object expected", sample: sEinzel, edits: []edit{set("/betrieb/kontakt", "0351 123")}, errs: []string{"/betrieb/kontakt type"}},
		{name: "null object", sample: sEinzel, edits: []edit{set("/anmeldung", nil)}, errs: []string{"/anmeldung type"}},
		{name: "array expected", sample: sEinzel, edits: []edit{set("/personen", map[string]any{})}, errs: []string{"/personen type"}},
		{name: "item of wrong type", sample: sGmbH, edits: []edit{set("/personen/0", "Katrin Wagner")}, errs: []string{"/personen/0 type"}},
		{name: "string expected", sample: sEinzel, edits: []edit{set("/personen/0/familienname", 7)}, errs: []string{"/personen/0/familienname type"}},
		{name: "null string", sample: sGmbH, edits: []edit{set("/betrieb/name", nil)}, errs: []string{"/betrieb/name type"}},
		{name: "enum value not a string", sample: sEinzel, edits: []edit{set("/art", 1)}, errs: []string{"/art enum"}},
		{name: "boolean expected", sample: sEinzel, edits: []edit{set("/betrieb/nebenerwerb", "nein")}, errs: []string{"/betrieb/nebenerwerb type"}},
		{name: "integer expected", sample: sEinzel, edits: []edit{set("/betrieb/beschaeftigte/vollzeit", "2")}, errs: []string{"/betrieb/beschaeftigte/vollzeit type"}},
		{name: "integer with fraction", raw: strings.Replace(string(Sample(sEinzel, today)), `"teilzeit": 1`, `"teilzeit": 1.5`, 1), errs: []string{"/betrieb/beschaeftigte/teilzeit type"}},
		{name: "integer as 1.0 and 1e2", raw: strings.Replace(string(Sample(sEinzel, today)), `{"vollzeit": 0, "teilzeit": 1}`, `{"vollzeit": 1.0, "teilzeit": 1e2}`, 1)},
		{name: "not quite an integer", raw: strings.Replace(string(Sample(sEinzel, today)), `{"vollzeit": 0, "teilzeit": 1}`, `{"vollzeit": 1.0000000000000001, "teilzeit": 1e-400}`, 1),
			errs: []string{"/betrieb/beschaeftigte/teilzeit type", "/betrieb/beschaeftigte/vollzeit type"}},
		{name: "just above the maximum", raw: strings.Replace(string(Sample(sEinzel, today)), `{"vollzeit": 0, "teilzeit": 1}`, `{"vollzeit": 1000000.00000000001, "teilzeit": 1000001e0}`, 1),
			errs: []string{"/betrieb/beschaeftigte/teilzeit too_large", "/betrieb/beschaeftigte/vollzeit type"}},
		{name: "integer beyond int64", raw: strings.Replace(string(Sample(sEinzel, today)), `"teilzeit": 1`, `"teilzeit": 1e30`, 1), errs: []string{"/betrieb/beschaeftigte/teilzeit too_large"}},
		{name: "integer below int64", raw: strings.Replace(string(Sample(sEinzel, today)), `"teilzeit": 1`, `"teilzeit": -99999999999999999999`, 1), errs: []string{"/betrieb/beschaeftigte/teilzeit too_small"}},
		{name: "several at once", sample: sGmbH, edits: []edit{set("/x", 1), set("/betrieb/reisegewerbe", 0), set("/personen/0/vornamen", nil)},
			errs: []string{"/x unknown_field", "/betrieb/reisegewerbe type", "/personen/0/vornamen type"}},
	})
}

// TestSchemaRules has one failing example for every keyword of the schema.
func TestSchemaRules(t *testing.T) {
	long := func(n int) string { return repeat("ä", n) } // runes, not bytes, are counted
	okAnschrift := map[string]any{"strasse": "Weg", "hausnummer": "1", "plz": "01067", "ort": "Dresden"}
	runChecks(t, []checkCase{
		// top level
		{name: "art missing", sample: sEinzel, edits: []edit{del("/art")}, errs: []string{"/art required"},
			warns: nil},
		{name: "art enum", sample: sEinzel, edits: []edit{set("/art", "neuanmeldung")}, errs: []string{"/art enum"}},
		{name: "betrieb missing", sample: sEinzel, edits: []edit{del("/betrieb")}, errs: []string{"/betrieb required"}},
		{name: "personen missing", sample: sEinzel, edits: []edit{del("/personen")}, errs: []string{"/personen required"}},
		{name: "personen empty", sample: sEinzel, edits: []edit{set("/personen", []any{})}, errs: []string{"/personen too_few_items"}},
		{name: "personen too many", raw: manyPersons(t, 51), errs: []string{"/personen too_many_items"}},
		{name: "personen 50 are fine", raw: manyPersons(t, 50)},
		{name: "taetigkeit missing", sample: sEinzel, edits: []edit{del("/taetigkeit")}, errs: []string{"/taetigkeit required"}},
		{name: "anmeldung required by art", sample: sEinzel, edits: []edit{del("/anmeldung")}, errs: []string{"/anmeldung required"}},
		{name: "ummeldung required by art", sample: sUm, edits: []edit{del("/ummeldung")}, errs: []string{"/ummeldung required"}},
		{name: "abmeldung required by art", sample: sAb, edits: []edit{del("/abmeldung")}, errs: []string{"/abmeldung required"}},
		{name: "other section is ignored with a warning", sample: sEinzel,
			edits: []edit{set("/abmeldung", map[string]any{"datum": "2026-03-10", "grund": "vollstaendige_aufgabe"})},
			warns: []string{"/abmeldung section_ignored"}},
		{name: "ignored section is still checked", sample: sEinzel,
			edits: []edit{set("/abmeldung", map[string]any{"datum": "2026-3-10", "grund": "vollstaendige_aufgabe"})},
			errs:  []string{"/abmeldung/datum date_format"}, warns: []string{"/abmeldung section_ignored"}},

		// erlaubnis
		{name: "erlaubnis art missing", sample: sAb, edits: []edit{del("/erlaubnis/art")}, errs: []string{"/erlaubnis/art required"}},
		{name: "erlaubnis art too short", sample: sAb, edits: []edit{set("/erlaubnis/art", "G")}, errs: []string{"/erlaubnis/art too_short"}},
		{name: "erlaubnis art too long", sample: sAb, edits: []edit{set("/erlaubnis/art", long(201))}, errs: []string{"/erlaubnis/art too_long"}},
		{name: "erlaubnis art 200 runes", sample: sAb, edits: []edit{set("/erlaubnis/art", long(200))}},
		{name: "erlaubnis datum", sample: sAb, edits: []edit{set("/erlaubnis/datum", "01.03.1998")}, errs: []string{"/erlaubnis/datum date_format"}},
		{name: "erlaubnis behoerde", sample: sAb, edits: []edit{set("/erlaubnis/behoerde", long(201))}, errs: []string{"/erlaubnis/behoerde too_long"}},
		{name: "erlaubnis unknown field", sample: sAb, edits: []edit{set("/erlaubnis/aktenzeichen", "1")}, errs: []string{"/erlaubnis/aktenzeichen unknown_field"}},

		// handwerkskarte
		{name: "handwerkskarte kammer missing", sample: sVerlegung, edits: []edit{del("/handwerkskarte/kammer")}, errs: []string{"/handwerkskarte/kammer required"}},
		{name: "handwerkskarte kammer too short", sample: sVerlegung, edits: []edit{set("/handwerkskarte/kammer", "H")}, errs: []string{"/handwerkskarte/kammer too_short"}},
		{name: "handwerkskarte kammer too long", sample: sVerlegung, edits: []edit{set("/handwerkskarte/kammer", long(201))}, errs: []string{"/handwerkskarte/kammer too_long"}},
		{name: "handwerkskarte datum", sample: sVerlegung, edits: []edit{set("/handwerkskarte/datum", "2004-13-01")}, errs: []string{"/handwerkskarte/datum date_format"}},
		{name: "handwerkskarte unknown field", sample: sVerlegung, edits: []edit{set("/handwerkskarte/nummer", "1")}, errs: []string{"/handwerkskarte/nummer unknown_field"}},

		// anschrift
		{name: "strasse missing", sample: sEinzel, edits: []edit{del("/betrieb/betriebsstaette/strasse")}, errs: []string{"/betrieb/betriebsstaette/strasse required"}},
		{name: "strasse empty", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/strasse", "")}, errs: []string{"/betrieb/betriebsstaette/strasse too_short"}},
		{name: "strasse too long", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/strasse", long(101))}, errs: []string{"/betrieb/betriebsstaette/strasse too_long"}},
		{name: "hausnummer missing", sample: sEinzel, edits: []edit{del("/personen/0/anschrift/hausnummer")}, errs: []string{"/personen/0/anschrift/hausnummer required"}},
		{name: "hausnummer too long", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/hausnummer", long(21))}, errs: []string{"/betrieb/betriebsstaette/hausnummer too_long"}},
		{name: "plz missing", sample: sEinzel, edits: []edit{del("/betrieb/betriebsstaette/plz")}, errs: []string{"/betrieb/betriebsstaette/plz required"}},
		{name: "plz pattern", sample: sEinzel, edits: []edit{set("/personen/0/anschrift/plz", "01_219")}, errs: []string{"/personen/0/anschrift/plz pattern"}},
		{name: "plz too short for pattern", sample: sEinzel, edits: []edit{set("/personen/0/anschrift/plz", "12")}, errs: []string{"/personen/0/anschrift/plz pattern"}},
		{name: "foreign plz is fine", sample: sEinzel, edits: []edit{set("/personen/0/anschrift/plz", "SW1A 1AA"), set("/personen/0/anschrift/staat", "GB")}},
		{name: "ort missing", sample: sEinzel, edits: []edit{del("/betrieb/betriebsstaette/ort")}, errs: []string{"/betrieb/betriebsstaette/ort required"}},
		{name: "ort too long", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/ort", long(101))}, errs: []string{"/betrieb/betriebsstaette/ort too_long"}},
		{name: "staat pattern", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/staat", "DEU")}, errs: []string{"/betrieb/betriebsstaette/staat pattern"}},
		{name: "staat present but empty", sample: sEinzel, edits: []edit{set("/betrieb/betriebsstaette/staat", "")}, errs: []string{"/betrieb/betriebsstaette/staat pattern"}},
		{name: "ags pattern", sample: sEinzel, edits: []edit{set("/personen/0/anschrift/ags", "1461200")}, errs: []string{"/personen/0/anschrift/ags pattern"}},
		{name: "betriebsstaette ags required", sample: sEinzel, edits: []edit{del("/betrieb/betriebsstaette/ags")}, errs: []string{"/betrieb/betriebsstaette/ags required"}},
		{name: "anschrift unknown field", sample: sEinzel, edits: []edit{set("/personen/0/anschrift/zusatz", "bei Müller")}, errs: []string{"/personen/0/anschrift/zusatz unknown_field"}},
		{name: "hauptniederlassung checked", sample: sGmbH, edits: []edit{set("/betrieb/hauptniederlassung", map[string]any{"strasse": "Weg", "plz": "01067", "ort": "Dresden"})},
			errs: []string{"/betrieb/hauptniederlassung/hausnummer required"}},
		{name: "hauptniederlassung fine", sample: sGmbH, edits: []edit{set("/betrieb/hauptniederlassung", okAnschrift)}},

		// betrieb
		{name: "betrieb unknown field", sample: sEinzel, edits: []edit{set("/betrieb/steuernummer", "1")}, errs: []string{"/betrieb/steuernummer unknown_field"}},
		{name: "rechtsform missing", sample: sEinzel, edits: []edit{del("/betrieb/rechtsform")}, errs: []string{"/betrieb/rechtsform required"}},
		{name: "rechtsform enum", sample: sEinzel, edits: []edit{set("/betrieb/rechtsform", "freiberufler")}, errs: []string{"/betrieb/rechtsform enum"}},
		{name: "name too long", sample: sGmbH, edits: []edit{set("/betrieb/name", long(251))}, errs: []string{"/betrieb/name too_long"}},
		{name: "name present but empty is fine", sample: sEinzel, edits: []edit{set("/betrieb/name", "")}},
		{name: "geschaeftsbezeichnung too long", sample: sEinzel, edits: []edit{set("/betrieb/geschaeftsbezeichnung", long(251))}, errs: []string{"/betrieb/geschaeftsbezeichnung too_long"}},
		{name: "register art missing", sample: sGmbH, edits: []edit{del("/betrieb/register/art")}, errs: []string{"/betrieb/register/art required"}},
		{name: "register art enum", sample: sGmbH, edits: []edit{set("/betrieb/register/art", "HR")}, errs: []string{"/betrieb/register/art enum"}},
		{name: "register art of another legal form", sample: sGmbH, edits: []edit{set("/betrieb/register/art", "VR")}, warns: []string{"/betrieb/register/art register_art_mismatch"}},
		{name: "e. V. without its register entry", sample: sGmbH, edits: []edit{set("/betrieb/rechtsform", "ev"), del("/betrieb/register")}, warns: []string{"/betrieb/register register_missing"}},
		{name: "register nummer missing", sample: sGmbH, edits: []edit{del("/betrieb/register/nummer")}, errs: []string{"/betrieb/register/nummer required"}},
		{name: "register nummer pattern", sample: sGmbH, edits: []edit{set("/betrieb/register/nummer", "HRB 45678")}, errs: []string{"/betrieb/register/nummer pattern"}},
		{name: "register nummer with suffix", sample: sGmbH, edits: []edit{set("/betrieb/register/nummer", "45678 B")}},
		{name: "register gericht missing", sample: sGmbH, edits: []edit{del("/betrieb/register/gericht")}, errs: []string{"/betrieb/register/gericht required"}},
		{name: "register gericht too short", sample: sGmbH, edits: []edit{set("/betrieb/register/gericht", "D")}, errs: []string{"/betrieb/register/gericht too_short"}},
		{name: "register gericht too long", sample: sGmbH, edits: []edit{set("/betrieb/register/gericht", long(101))}, errs: []string{"/betrieb/register/gericht too_long"}},
		{name: "register unknown field", sample: sGmbH, edits: []edit{set("/betrieb/register/datum", "2020-01-01")}, errs: []string{"/betrieb/register/datum unknown_field"}},
		{name: "betriebsstaette missing", sample: sEinzel, edits: []edit{del("/betrieb/betriebsstaette")}, errs: []string{"/betrieb/betriebsstaette required"}},
		{name: "telefon missing", sample: sEinzel, edits: []edit{del("/betrieb/kontakt/telefon")}, errs: []string{"/betrieb/kontakt/telefon required"}},
		{name: "telefon pattern", sample: sEinzel, edits: []edit{set("/betrieb/kontakt/telefon", "0351-CALL-ME")}, errs: []string{"/betrieb/kontakt/telefon pattern"}},
		{name: "telefon too short", sample: sEinzel, edits: []edit{set("/betrieb/kontakt/telefon", "0351")}, errs: []string{"/betrieb/kontakt/telefon pattern"}},
		{name: "email format", sample: sEinzel, edits: []edit{set("/betrieb/kontakt/email", "kontakt at lotus")}, errs: []string{"/betrieb/kontakt/email email_format"}},
		{name: "email with display name", sample: sEinzel, edits: []edit{set("/betrieb/kontakt/email", "Lotus <a@b.example>")}, errs: []string{"/betrieb/kontakt/email email_format"}},
		{name: "email present but empty", sample: sEinzel, edits: []edit{set("/betrieb/kontakt/email", "")}, errs: []string{"/betrieb/kontakt/email email_format"}},
		{name: "email too long", sample: sEinzel, edits: []edit{set("/betrieb/kontakt/email", repeat("a", 64)+"@"+repeat("b", 190)+".de")}, errs: []string{"/betrieb/kontakt/email too_long"}},
		{name: "web too long", sample: sGmbH, edits: []edit{set("/betrieb/kontakt/web", "https://"+repeat("w", 250))}, errs: []string{"/betrieb/kontakt/web too_long"}},
		{name: "kontakt unknown field", sample: sGmbH, edits: []edit{set("/betrieb/kontakt/fax", "0351 1")}, errs: []string{"/betrieb/kontakt/fax unknown_field"}},
		{name: "niederlassungsart missing", sample: sEinzel, edits: []edit{del("/betrieb/niederlassungsart")}, errs: []string{"/betrieb/niederlassungsart required"}},
		{name: "niederlassungsart enum", sample: sEinzel, edits: []edit{set("/betrieb/niederlassungsart", "filiale")}, errs: []string{"/betrieb/niederlassungsart enum"}},
		{name: "betriebsart missing", sample: sEinzel, edits: []edit{del("/betrieb/betriebsart")}, errs: []string{"/betrieb/betriebsart required"}},
		{name: "betriebsart empty", sample: sEinzel, edits: []edit{set("/betrieb/betriebsart", []any{})}, errs: []string{"/betrieb/betriebsart too_few_items"}},
		{name: "betriebsart item enum", sample: sGmbH, edits: []edit{set("/betrieb/betriebsart/1", "dienstleistung")}, errs: []string{"/betrieb/betriebsart/1 enum"}},
		{name: "betriebsart unique", sample: sGmbH, edits: []edit{set("/betrieb/betriebsart/1", "sonstiges")}, errs: []string{"/betrieb/betriebsart/1 duplicate_item"}},
		{name: "betriebsart item type", sample: sGmbH, edits: []edit{set("/betrieb/betriebsart/0", true)}, errs: []string{"/betrieb/betriebsart/0 enum"}},
		{name: "vollzeit below minimum", sample: sEinzel, edits: []edit{set("/betrieb/beschaeftigte/vollzeit", -1)}, errs: []string{"/betrieb/beschaeftigte/vollzeit too_small"}},
		{name: "teilzeit above maximum", sample: sEinzel, edits: []edit{set("/betrieb/beschaeftigte/teilzeit", 1000001)}, errs: []string{"/betrieb/beschaeftigte/teilzeit too_large"}},
		{name: "teilzeit at maximum", sample: sEinzel, edits: []edit{set("/betrieb/beschaeftigte/teilzeit", 1000000)}},
		{name: "beschaeftigte unknown field", sample: sEinzel, edits: []edit{set("/betrieb/beschaeftigte/azubis", 1)}, errs: []string{"/betrieb/beschaeftigte/azubis unknown_field"}},
		{name: "gewerbebetriebID format", sample: sUm, edits: []edit{set("/betrieb/gewerbebetriebID", "7c9e6679742540de944be07fc1f90ae7")}, errs: []string{"/betrieb/gewerbebetriebID uuid_format"}},

		// person
		{name: "person empty", sample: sEinzel, edits: []edit{set("/personen/0", map[string]any{})}, errs: []string{"/personen/0 required"}},
		{name: "funktion missing", sample: sGmbH, edits: []edit{del("/personen/1/funktion")}, errs: []string{"/personen/1/funktion required"}},
		{name: "funktion enum", sample: sGmbH, edits: []edit{set("/personen/1/funktion", "geschaeftsfuehrer")}, errs: []string{"/personen/1/funktion enum"}},
		{name: "familienname missing", sample: sEinzel, edits: []edit{del("/personen/0/familienname")}, errs: []string{"/personen/0/familienname required"}},
		{name: "familienname empty", sample: sEinzel, edits: []edit{set("/personen/0/familienname", "")}, errs: []string{"/personen/0/familienname too_short"}},
		{name: "familienname too long", sample: sEinzel, edits: []edit{set("/personen/0/familienname", long(121))}, errs: []string{"/personen/0/familienname too_long"}},
		{name: "vornamen missing", sample: sEinzel, edits: []edit{del("/personen/0/vornamen")}, errs: []string{"/personen/0/vornamen required"}},
		{name: "vornamen too long", sample: sEinzel, edits: []edit{set("/personen/0/vornamen", long(121))}, errs: []string{"/personen/0/vornamen too_long"}},
		{name: "geburtsname too long", sample: sUm, edits: []edit{set("/personen/0/geburtsname", long(121))}, errs: []string{"/personen/0/geburtsname too_long"}},
		{name: "geschlecht enum", sample: sEinzel, edits: []edit{set("/personen/0/geschlecht", "f")}, errs: []string{"/personen/0/geschlecht enum"}},
		{name: "geschlecht present but empty", sample: sEinzel, edits: []edit{set("/personen/0/geschlecht", "")}, errs: []string{"/personen/0/geschlecht enum"}},
		{name: "doktorgrad too long", sample: sGmbH, edits: []edit{set("/personen/0/doktorgrad", long(51))}, errs: []string{"/personen/0/doktorgrad too_long"}},
		{name: "geburtsdatum missing", sample: sEinzel, edits: []edit{del("/personen/0/geburtsdatum")}, errs: []string{"/personen/0/geburtsdatum required"}},
		{name: "geburtsdatum German format", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "23.07.1991")}, errs: []string{"/personen/0/geburtsdatum date_format"}},
		{name: "geburtsdatum not in calendar", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "1991-02-29")}, errs: []string{"/personen/0/geburtsdatum date_format"}},
		{name: "geburtsdatum with time", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "1991-07-23T00:00:00Z")}, errs: []string{"/personen/0/geburtsdatum date_format"}},
		{name: "geburtsdatum leap day", sample: sEinzel, edits: []edit{set("/personen/0/geburtsdatum", "1992-02-29")}},
		{name: "geburtsort too long", sample: sEinzel, edits: []edit{set("/personen/0/geburtsort", long(121))}, errs: []string{"/personen/0/geburtsort too_long"}},
		{name: "geburtsland pattern", sample: sEinzel, edits: []edit{set("/personen/0/geburtsland", "Vietnam")}, errs: []string{"/personen/0/geburtsland pattern"}},
		{name: "staatsangehoerigkeiten missing", sample: sGmbH, edits: []edit{del("/personen/0/staatsangehoerigkeiten")}, errs: []string{"/personen/0/staatsangehoerigkeiten required"}},
		{name: "staatsangehoerigkeiten empty", sample: sGmbH, edits: []edit{set("/personen/0/staatsangehoerigkeiten", []any{})}, errs: []string{"/personen/0/staatsangehoerigkeiten too_few_items"}},
		{name: "staatsangehoerigkeiten unique", sample: sGmbH, edits: []edit{set("/personen/1/staatsangehoerigkeiten", []any{"PL", "PL"})}, errs: []string{"/personen/1/staatsangehoerigkeiten/1 duplicate_item"}},
		{name: "staatsangehoerigkeit pattern", sample: sGmbH, edits: []edit{set("/personen/1/staatsangehoerigkeiten", []any{"POL"})}, errs: []string{"/personen/1/staatsangehoerigkeiten/0 pattern"}},
		{name: "person anschrift missing", sample: sEinzel, edits: []edit{del("/personen/0/anschrift")}, errs: []string{"/personen/0/anschrift required"}},
		{name: "aufenthaltstitel art missing", sample: sEinzel, edits: []edit{del("/personen/0/aufenthaltstitel/art")}, errs: []string{"/personen/0/aufenthaltstitel/art required"}},
		{name: "aufenthaltstitel art too short", sample: sEinzel, edits: []edit{set("/personen/0/aufenthaltstitel/art", "N")}, errs: []string{"/personen/0/aufenthaltstitel/art too_short"}},
		{name: "aufenthaltstitel art too long", sample: sEinzel, edits: []edit{set("/personen/0/aufenthaltstitel/art", long(201))}, errs: []string{"/personen/0/aufenthaltstitel/art too_long"}},
		{name: "aufenthaltstitel ausgestelltAm", sample: sEinzel, edits: []edit{set("/personen/0/aufenthaltstitel/ausgestelltAm", "2019-04-31")}, errs: []string{"/personen/0/aufenthaltstitel/ausgestelltAm date_format"}},
		{name: "aufenthaltstitel behoerde", sample: sEinzel, edits: []edit{set("/personen/0/aufenthaltstitel/behoerde", long(201))}, errs: []string{"/personen/0/aufenthaltstitel/behoerde too_long"}},
		{name: "aufenthaltstitel auflagen", sample: sEinzel, edits: []edit{set("/personen/0/aufenthaltstitel/auflagen", long(1001))}, errs: []string{"/personen/0/aufenthaltstitel/auflagen too_long"}},
		{name: "aufenthaltstitel unknown field", sample: sEinzel, edits: []edit{set("/personen/0/aufenthaltstitel/gueltigBis", "2030-01-01")}, errs: []string{"/personen/0/aufenthaltstitel/gueltigBis unknown_field"}},

		// taetigkeit
		{name: "beschreibung missing", sample: sEinzel, edits: []edit{del("/taetigkeit/beschreibung")}, errs: []string{"/taetigkeit/beschreibung required"}},
		{name: "beschreibung too short", sample: sEinzel, edits: []edit{set("/taetigkeit/beschreibung", "IT")}, errs: []string{"/taetigkeit/beschreibung too_short"}},
		{name: "beschreibung too long", sample: sEinzel, edits: []edit{set("/taetigkeit/beschreibung", long(2001))}, errs: []string{"/taetigkeit/beschreibung too_long"}},
		{name: "wz2008 pattern without dots", sample: sEinzel, edits: []edit{set("/taetigkeit/wz2008", "96022")}, errs: []string{"/taetigkeit/wz2008 pattern"}},
		{name: "wz2008 pattern group", sample: sEinzel, edits: []edit{set("/taetigkeit/wz2008", "96.0")}, errs: []string{"/taetigkeit/wz2008 pattern"}},
		{name: "wz2008 absent is fine", sample: sEinzel, edits: []edit{del("/taetigkeit/wz2008")}},
		{name: "weitere too many", sample: sGmbH, edits: []edit{set("/taetigkeit/weitere", manyStrings(21))}, errs: []string{"/taetigkeit/weitere too_many_items"}},
		{name: "weitere 20 are fine", sample: sGmbH, edits: []edit{set("/taetigkeit/weitere", manyStrings(20))}},
		{name: "weitere item too short", sample: sGmbH, edits: []edit{set("/taetigkeit/weitere/1", "IT")}, errs: []string{"/taetigkeit/weitere/1 too_short"}},
		{name: "weitere item empty", sample: sGmbH, edits: []edit{set("/taetigkeit/weitere/1", "")}, errs: []string{"/taetigkeit/weitere/1 too_short"}},
		{name: "weitere item too long", sample: sGmbH, edits: []edit{set("/taetigkeit/weitere/0", long(501))}, errs: []string{"/taetigkeit/weitere/0 too_long"}},
		{name: "taetigkeit unknown field", sample: sGmbH, edits: []edit{set("/taetigkeit/schwerpunkt", "x")}, errs: []string{"/taetigkeit/schwerpunkt unknown_field"}},

		// anmeldung
		{name: "beginn missing", sample: sEinzel, edits: []edit{del("/anmeldung/beginn")}, errs: []string{"/anmeldung/beginn required"}},
		{name: "beginn format", sample: sEinzel, edits: []edit{set("/anmeldung/beginn", "24.03.2026")}, errs: []string{"/anmeldung/beginn date_format"}},
		{name: "anmeldung grund missing", sample: sEinzel, edits: []edit{del("/anmeldung/grund")}, errs: []string{"/anmeldung/grund required"}},
		{name: "anmeldung grund enum", sample: sEinzel, edits: []edit{set("/anmeldung/grund", "verlegung_innerhalb_meldebezirk")}, errs: []string{"/anmeldung/grund enum"}},
		{name: "fruehererInhaber too long", sample: sEinzel, edits: []edit{set("/anmeldung/fruehererInhaber", long(251))}, errs: []string{"/anmeldung/fruehererInhaber too_long"}},
		{name: "anmeldung fruehereBetriebsstaette checked", sample: sVerlegung, edits: []edit{set("/anmeldung/fruehereBetriebsstaette/ags", "147130")}, errs: []string{"/anmeldung/fruehereBetriebsstaette/ags pattern"}},
		{name: "anmeldung unknown field", sample: sEinzel, edits: []edit{set("/anmeldung/ende", "2027-01-01")}, errs: []string{"/anmeldung/ende unknown_field"}},

		// ummeldung
		{name: "ummeldung datum missing", sample: sUm, edits: []edit{del("/ummeldung/datum")}, errs: []string{"/ummeldung/datum required"}},
		{name: "ummeldung datum format", sample: sUm, edits: []edit{set("/ummeldung/datum", "2026-3-31")}, errs: []string{"/ummeldung/datum date_format"}},
		{name: "ummeldung grund missing", sample: sUm, edits: []edit{del("/ummeldung/grund")}, errs: []string{"/ummeldung/grund required"}},
		{name: "ummeldung grund enum", sample: sUm, edits: []edit{set("/ummeldung/grund", "verlegung_aus_anderem_meldebezirk")}, errs: []string{"/ummeldung/grund enum"}},
		{name: "fruehereTaetigkeit too long", sample: sUm, edits: []edit{set("/ummeldung/fruehereTaetigkeit", long(2001))}, errs: []string{"/ummeldung/fruehereTaetigkeit too_long"}},
		{name: "ummeldung fruehereBetriebsstaette checked", sample: sUm, edits: []edit{del("/ummeldung/fruehereBetriebsstaette/strasse")}, errs: []string{"/ummeldung/fruehereBetriebsstaette/strasse required"}},

		// abmeldung
		{name: "abmeldung datum missing", sample: sAb, edits: []edit{del("/abmeldung/datum")}, errs: []string{"/abmeldung/datum required"}},
		{name: "abmeldung datum format", sample: sAb, edits: []edit{set("/abmeldung/datum", "heute")}, errs: []string{"/abmeldung/datum date_format"}},
		{name: "abmeldung grund missing", sample: sAb, edits: []edit{del("/abmeldung/grund")}, errs: []string{"/abmeldung/grund required"}},
		{name: "abmeldung grund enum", sample: sAb, edits: []edit{set("/abmeldung/grund", "aufgabe")}, errs: []string{"/abmeldung/grund enum"}},
		{name: "abmeldung ursache enum", sample: sAb, edits: []edit{set("/abmeldung/ursache", "ruhestand")}, errs: []string{"/abmeldung/ursache enum"}},
		{name: "abmeldung ursache absent is fine", sample: sAb, edits: []edit{del("/abmeldung/ursache")}},
		{name: "kuenftigeAnschrift checked", sample: sAb, edits: []edit{set("/abmeldung/kuenftigeAnschrift/plz", "?")}, errs: []string{"/abmeldung/kuenftigeAnschrift/plz pattern"}},
	})
}

func manyStrings(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = "Tätigkeit Nummer " + strings.Repeat("x", i+1)
	}
	return out
}

// manyPersons returns the GmbH sample with n legal representatives.
func manyPersons(t *testing.T, n int) string {
	m := sampleDoc(t, sGmbH)
	p := m["personen"].([]any)[0]
	list := make([]any, n)
	for i := range list {
		list[i] = p
	}
	m["personen"] = list
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTestdata checks each testdata/NAME.json against NAME.want, whose lines are
// "error POINTER CODE" or "warning POINTER CODE". Dates use the sample placeholders.
func TestTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			wantRaw, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			var wantErrs, wantWarns []string
			for _, line := range strings.Split(strings.TrimSpace(string(wantRaw)), "\n") {
				kind, rest, _ := strings.Cut(line, " ")
				if kind == "warning" {
					wantWarns = append(wantWarns, rest)
				} else {
					wantErrs = append(wantErrs, rest)
				}
			}
			_, errs, warns := Check(expandDates(raw, berlinDate(today)), env(t))
			assertKeys(t, "errors", errs, wantErrs)
			assertKeys(t, "warnings", warns, wantWarns)
		})
	}
}
