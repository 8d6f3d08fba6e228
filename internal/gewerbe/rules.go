package gewerbe

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// Error and warning codes. They are stable: clients and message catalogues key on them.
const (
	// Decode: structure of the JSON document.
	CodeMalformedJSON = "malformed_json"
	CodeTooDeep       = "too_deep"
	CodeDuplicateKey  = "duplicate_key"
	CodeUnknownField  = "unknown_field"
	CodeType          = "type"

	// Schema keywords.
	CodeRequired     = "required"
	CodeEnum         = "enum"
	CodePattern      = "pattern"
	CodeTooShort     = "too_short"
	CodeTooLong      = "too_long"
	CodeTooFewItems  = "too_few_items"
	CodeTooManyItems = "too_many_items"
	CodeDuplicate    = "duplicate_item"
	CodeTooSmall     = "too_small"
	CodeTooLarge     = "too_large"
	CodeDateFormat   = "date_format"
	CodeEmailFormat  = "email_format"
	CodeUUIDFormat   = "uuid_format"

	// x-rules R1–R9 (errors unless marked as warning).
	CodeDateInFuture               = "date_in_future"               // R1: geburtsdatum not in the past
	CodeDateImplausible            = "date_implausible"             // a birth date or Stichtag before 1900
	CodeInvalidCharacter           = "invalid_character"            // a control or formatting character in a text
	CodeIssuedInFuture             = "issued_in_future"             // warning: a permit, craft card or residence title issued after today
	CodeRegisterArtMismatch        = "register_art_mismatch"        // warning: the register does not fit the legal form
	CodeRegisterMissing            = "register_missing"             // warning: an e. V. without its Vereinsregister entry
	CodeBirthAfterStart            = "birth_after_start"            // R1: geburtsdatum not before the Stichtag
	CodeMinorNeedsApproval         = "minor_needs_court_approval"   // R1 warning: under 18 (§ 112 BGB)
	CodeDateTooFarAhead            = "date_too_far_ahead"           // R2: more than 3 months ahead
	CodeLateNotice                 = "late_notice"                  // R2 warning: date in the past
	CodeRegisterRequired           = "register_required"            // R3
	CodeHandwerkskarteMissing      = "handwerkskarte_missing"       // R4 warning
	CodeAGSNotServed               = "ags_not_served"               // R5
	CodeAGSMismatch                = "ags_mismatch"                 // R5
	CodePLZNotInMunicipality       = "plz_not_in_municipality"      // R5 warning
	CodePersonRoleMissing          = "person_role_missing"          // R6
	CodeAufenthaltstitelRequired   = "aufenthaltstitel_required"    // R7
	CodeWZUnknown                  = "wz_unknown"                   // R8
	CodeUmmeldungOtherMunicipality = "ummeldung_other_municipality" // R9

	// Further warnings that never block a notice.
	CodeSectionIgnored = "section_ignored" // e.g. an abmeldung object on an anmeldung
)

// format is a JSON Schema "format" this package checks.
type format uint8

const (
	formatNone format = iota
	formatDate
	formatEmail
	formatUUID
)

// text holds the schema constraints of one string field (how it is used decides "required").
type text struct {
	enum       []string
	min, max   int // in runes (Unicode code points), as JSON Schema counts; 0 = no bound
	pattern    *regexp.Regexp
	patternMsg string // German explanation of the pattern
	format     format
}

// check returns the code and German text of the first constraint v breaks, or "" if none.
func (r *text) check(v string) (code, msg string) {
	if r.enum != nil {
		if !slices.Contains(r.enum, v) {
			return CodeEnum, fmt.Sprintf("Der Wert „%s“ ist nicht zulässig. Zulässig sind: %s.", clip(v), strings.Join(r.enum, ", "))
		}
		return "", ""
	}
	n := utf8.RuneCountInString(v)
	if n < r.min {
		if r.min == 1 {
			return CodeTooShort, "Das Feld darf nicht leer sein."
		}
		return CodeTooShort, fmt.Sprintf("Bitte mindestens %d Zeichen angeben.", r.min)
	}
	if r.max > 0 && n > r.max {
		return CodeTooLong, fmt.Sprintf("Höchstens %d Zeichen sind erlaubt, angegeben sind %d.", r.max, n)
	}
	if r.pattern != nil && !r.pattern.MatchString(v) {
		return CodePattern, r.patternMsg
	}
	switch r.format {
	case formatDate:
		if _, ok := parseDate(v); !ok {
			return CodeDateFormat, "Bitte ein gültiges Datum im Format JJJJ-MM-TT angeben."
		}
	case formatEmail:
		if !validEmail(v) {
			return CodeEmailFormat, "Bitte eine gültige E-Mail-Adresse angeben."
		}
	case formatUUID:
		if !reUUID.MatchString(v) {
			return CodeUUIDFormat, "Bitte eine UUID im Format xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx angeben."
		}
	}
	return "", ""
}

// intRule holds the schema bounds of an integer field.
type intRule struct{ min, max int64 }

func (r *intRule) check(v int64) (code, msg string) {
	switch {
	case v < r.min:
		return CodeTooSmall, fmt.Sprintf("Die Zahl darf nicht kleiner als %d sein.", r.min)
	case v > r.max:
		return CodeTooLarge, fmt.Sprintf("Die Zahl darf nicht größer als %d sein.", r.max)
	}
	return "", ""
}

// clip shortens user input quoted in a message.
func clip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

var (
	reAGS     = regexp.MustCompile(`^[0-9]{8}$`)
	rePLZ     = regexp.MustCompile(`^[0-9A-Z -]{3,10}$`)
	rePLZ5    = regexp.MustCompile(`^[0-9]{5}$`) // a German postal code
	reStaat   = regexp.MustCompile(`^[A-Z]{2}$`)
	reRegNr   = regexp.MustCompile(`^[0-9]{1,7}( ?[A-Z]{1,2})?$`)
	reTelefon = regexp.MustCompile(`^[+0-9][0-9 /()-]{4,30}$`)
	reWZ      = regexp.MustCompile(`^[0-9]{2}\.[0-9]{2}(\.[0-9])?$`)
	reUUID    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Enumerations of the schema.
var (
	arten               = []string{string(ArtAnmeldung), string(ArtUmmeldung), string(ArtAbmeldung)}
	rechtsformen        = []string{"einzelunternehmen", "gbr", "ohg", "kg", "gmbh", "ug", "ag", "kgaa", "se", "ek", "eg", "ev", "ltd", "sonstige"}
	registerArten       = []string{"HRA", "HRB", "GnR", "PR", "VR", "GsR"}
	niederlassungsarten = []string{"hauptniederlassung", "zweigniederlassung", "unselbststaendige_zweigstelle"}
	betriebsarten       = []string{"industrie", "handwerk", "handel", "sonstiges"}
	funktionen          = []string{"inhaber", "gesellschafter", "gesetzlicher_vertreter", "betriebsleiter"}
	geschlechter        = []string{"m", "w", "d", "x"}
	anmeldeGruende      = []string{"neuerrichtung", "verlegung_aus_anderem_meldebezirk", "uebernahme", "wechsel_der_rechtsform", "gesellschaftereintritt", "erbfolge_kauf_pacht"}
	ummeldeGruende      = []string{"verlegung_innerhalb_meldebezirk", "wechsel_der_taetigkeit", "ausdehnung_der_taetigkeit", "aenderung_der_rechtsform_ohne_neuerrichtung", "sonstige"}
	abmeldeGruende      = []string{"vollstaendige_aufgabe", "verlegung_in_anderen_meldebezirk", "uebergabe", "wechsel_der_rechtsform", "gesellschafteraustritt", "erbfolge_verkauf_verpachtung"}
	ursachen            = []string{"alter", "wirtschaftliche_schwierigkeiten", "insolvenz", "krankheit", "sonstige"}
)

// String rules, one per schema definition. Decode and Validate share them.
var (
	rArt            = &text{enum: arten}
	rRechtsform     = &text{enum: rechtsformen}
	rRegisterArt    = &text{enum: registerArten}
	rNiederlassung  = &text{enum: niederlassungsarten}
	rBetriebsart    = &text{enum: betriebsarten}
	rFunktion       = &text{enum: funktionen}
	rGeschlecht     = &text{enum: geschlechter}
	rAnmeldeGrund   = &text{enum: anmeldeGruende}
	rUmmeldeGrund   = &text{enum: ummeldeGruende}
	rAbmeldeGrund   = &text{enum: abmeldeGruende}
	rUrsache        = &text{enum: ursachen}
	rAGS            = &text{pattern: reAGS, patternMsg: "Bitte den achtstelligen Amtlichen Gemeindeschlüssel (nur Ziffern) angeben."}
	rStaat          = &text{pattern: reStaat, patternMsg: "Bitte den zweistelligen Ländercode nach ISO 3166-1 in Großbuchstaben angeben (z. B. DE)."}
	rPLZ            = &text{pattern: rePLZ, patternMsg: "Bitte eine Postleitzahl aus 3 bis 10 Ziffern, Großbuchstaben, Leerzeichen oder Bindestrichen angeben."}
	rRegisterNummer = &text{pattern: reRegNr, patternMsg: "Bitte die Registernummer aus bis zu 7 Ziffern angeben, gegebenenfalls mit bis zu 2 Großbuchstaben als Zusatz (z. B. 12345 B)."}
	rTelefon        = &text{pattern: reTelefon, patternMsg: "Bitte eine Telefonnummer aus Ziffern angeben (erlaubt sind außerdem ein führendes +, Leerzeichen, /, ( ) und -)."}
	rWZ             = &text{pattern: reWZ, patternMsg: "Bitte den WZ-2008-Schlüssel einer Klasse oder Unterklasse mit Punkten angeben (z. B. 47.91 oder 47.91.1)."}
	rDate           = &text{format: formatDate}
	rEmail          = &text{format: formatEmail, max: 254}
	rUUID           = &text{format: formatUUID}
	rStrasse        = &text{min: 1, max: 100}
	rHausnummer     = &text{min: 1, max: 20}
	rOrt            = &text{min: 1, max: 100}
	rName120        = &text{min: 1, max: 120}
	rMax50          = &text{max: 50}
	rMax120         = &text{max: 120}
	rMax200         = &text{max: 200}
	rMax250         = &text{max: 250}
	rMax254         = &text{max: 254}
	rMax1000        = &text{max: 1000}
	rMax2000        = &text{max: 2000}
	r2to100         = &text{min: 2, max: 100}
	r2to200         = &text{min: 2, max: 200}
	rBeschreibung   = &text{min: 3, max: 2000}
	rWeitere        = &text{min: 3, max: 500}
	rBeschaeftigte  = &intRule{min: 0, max: 1_000_000}
)

// Array bounds.
const (
	maxPersonen = 50
	maxWeitere  = 20
)

// euEEACH lists the states whose nationals need no residence title to run a business (R7):
// the 27 EU member states, the other EEA states (IS, LI, NO) and Switzerland, as ISO 3166-1
// alpha-2 codes (Greece is GR here, not the EU's own "EL").
var euEEACH = map[string]bool{
	// EU 27
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true,
	"EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true,
	"IT": true, "LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true,
	"PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	// EEA outside the EU
	"IS": true, "LI": true, "NO": true,
	// Switzerland (Freizügigkeitsabkommen)
	"CH": true,
}

// registeredForms are the legal forms that exist only by a register entry (R3), with their
// usual German abbreviation for messages.
var registeredForms = map[string]string{
	"gmbh": "GmbH", "ug": "UG (haftungsbeschränkt)", "ag": "AG", "ohg": "OHG", "kg": "KG",
	"ek": "e. K.", "eg": "eG", "kgaa": "KGaA", "se": "SE",
}

// rechtsformName returns the German abbreviation of a legal form for messages.
func rechtsformName(rf string) string {
	if n, ok := registeredForms[rf]; ok {
		return n
	}
	switch rf {
	case "einzelunternehmen":
		return "Einzelunternehmen"
	case "gbr":
		return "GbR"
	case "ev":
		return "e. V."
	case "ltd":
		return "Ltd."
	}
	return rf
}

// validEmail accepts a bare addr-spec ("name@example.org"), no display name or brackets.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s, "@")
}

// parseDate parses a full-date (RFC 3339: YYYY-MM-DD) that exists in the calendar.
func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// addMonths adds n calendar months; a day the target month lacks becomes its last day
// (30 November + 3 months = 28/29 February), as § 188 (3) BGB counts.
func addMonths(d time.Time, n int) time.Time {
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, time.UTC)
}

// ageOn returns the completed years of life on day on of a person born on birth. A person
// born on 29 February comes of age on 1 March in common years.
func ageOn(birth, on time.Time) int {
	years := on.Year() - birth.Year()
	if on.Month() < birth.Month() || (on.Month() == birth.Month() && on.Day() < birth.Day()) {
		years--
	}
	return years
}

var berlin = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return nil
	}
	return loc
})

// berlinDate returns the calendar day t falls on in Germany, as a UTC midnight. Without the
// time zone database it falls back to berlinOffset.
func berlinDate(t time.Time) time.Time {
	if loc := berlin(); loc != nil {
		t = t.In(loc)
	} else {
		t = t.UTC().Add(berlinOffset(t))
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// berlinOffset is Germany's UTC offset at t by the EU summer-time rule (CEST from the last
// Sunday of March, 01:00 UTC, to the last Sunday of October, 01:00 UTC), in force since 1996.
func berlinOffset(t time.Time) time.Duration {
	u := t.UTC()
	if !u.Before(lastSunday(u.Year(), time.March)) && u.Before(lastSunday(u.Year(), time.October)) {
		return 2 * time.Hour
	}
	return time.Hour
}

// lastSunday returns 01:00 UTC on the last Sunday of month m.
func lastSunday(year int, m time.Month) time.Time {
	d := time.Date(year, m+1, 0, 1, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -int(d.Weekday()))
}

// formatDateDE formats a date the German way for messages.
func formatDateDE(d time.Time) string { return d.Format("02.01.2006") }

// fieldError builds a FieldError whose message names the field in German.
func fieldError(ptr, code, msg string) apperr.FieldError {
	return apperr.FieldError{Pointer: ptr, Code: code, Message: label(ptr) + ": " + msg}
}

// segmentLabels names the fields of a Gewerbeanzeige in German. A "parent/field" key wins over
// a "field" key.
var segmentLabels = map[string]string{
	"":                            "Gewerbeanzeige",
	"art":                         "Art der Anzeige",
	"betrieb":                     "Betrieb",
	"rechtsform":                  "Rechtsform",
	"name":                        "Name laut Registereintrag",
	"geschaeftsbezeichnung":       "Geschäftsbezeichnung",
	"register":                    "Registereintrag",
	"register/art":                "Registerart",
	"register/nummer":             "Registernummer",
	"register/gericht":            "Registergericht",
	"betriebsstaette":             "Betriebsstätte",
	"hauptniederlassung":          "Hauptniederlassung",
	"kontakt":                     "Kontakt",
	"telefon":                     "Telefon",
	"email":                       "E-Mail",
	"web":                         "Internetadresse",
	"niederlassungsart":           "Art der Niederlassung",
	"betriebsart":                 "Art des Betriebs",
	"beschaeftigte":               "Beschäftigte",
	"vollzeit":                    "Beschäftigte in Vollzeit",
	"teilzeit":                    "Beschäftigte in Teilzeit",
	"nebenerwerb":                 "Nebenerwerb",
	"reisegewerbe":                "Reisegewerbe",
	"automatenaufstellung":        "Automatenaufstellung",
	"beteiligungOeffentlicheHand": "Beteiligung der öffentlichen Hand",
	"gewerbebetriebID":            "Kennung des Gewerbebetriebs",
	"personen":                    "Personen",
	"funktion":                    "Funktion",
	"familienname":                "Familienname",
	"vornamen":                    "Vornamen",
	"geburtsname":                 "Geburtsname",
	"geschlecht":                  "Geschlecht",
	"doktorgrad":                  "Doktorgrad",
	"geburtsdatum":                "Geburtsdatum",
	"geburtsort":                  "Geburtsort",
	"geburtsland":                 "Geburtsland",
	"staatsangehoerigkeiten":      "Staatsangehörigkeiten",
	"anschrift":                   "Anschrift",
	"aufenthaltstitel":            "Aufenthaltstitel",
	"aufenthaltstitel/art":        "Art des Aufenthaltstitels",
	"ausgestelltAm":               "Ausgestellt am",
	"behoerde":                    "Behörde",
	"auflagen":                    "Auflagen",
	"strasse":                     "Straße",
	"hausnummer":                  "Hausnummer",
	"plz":                         "Postleitzahl",
	"ort":                         "Ort",
	"staat":                       "Staat",
	"ags":                         "Amtlicher Gemeindeschlüssel",
	"taetigkeit":                  "Tätigkeit",
	"beschreibung":                "Beschreibung der Tätigkeit",
	"wz2008":                      "WZ-2008-Schlüssel",
	"weitere":                     "Weitere Tätigkeiten",
	"anmeldung":                   "Angaben zur Anmeldung",
	"anmeldung/beginn":            "Beginn der Tätigkeit",
	"anmeldung/grund":             "Grund der Anmeldung",
	"fruehereBetriebsstaette":     "Frühere Betriebsstätte",
	"fruehererInhaber":            "Früherer Inhaber",
	"ummeldung":                   "Angaben zur Ummeldung",
	"ummeldung/datum":             "Datum der Ummeldung",
	"ummeldung/grund":             "Grund der Ummeldung",
	"fruehereTaetigkeit":          "Frühere Tätigkeit",
	"abmeldung":                   "Angaben zur Abmeldung",
	"abmeldung/datum":             "Datum der Betriebsaufgabe",
	"abmeldung/grund":             "Grund der Abmeldung",
	"ursache":                     "Ursache der Betriebsaufgabe",
	"kuenftigeAnschrift":          "Künftige Anschrift",
	"erlaubnis":                   "Erlaubnis",
	"erlaubnis/art":               "Art der Erlaubnis",
	"erlaubnis/datum":             "Datum der Erlaubnis",
	"erlaubnis/behoerde":          "Erteilende Behörde",
	"handwerkskarte":              "Handwerkskarte",
	"handwerkskarte/datum":        "Ausstellungsdatum der Handwerkskarte",
	"kammer":                      "Handwerkskammer",
}

// itemLabels names one element of an array, numbered from 1.
var itemLabels = map[string]string{
	"personen":               "Person %d",
	"weitere":                "Weitere Tätigkeit %d",
	"betriebsart":            "Art des Betriebs (Eintrag %d)",
	"staatsangehoerigkeiten": "Staatsangehörigkeit %d",
}

// groups, like arrays with item labels, are left out of a label when a field below them is
// named: "Registernummer", not "Betrieb, Registereintrag, Registernummer".
var groups = map[string]bool{
	"betrieb": true, "taetigkeit": true, "anmeldung": true, "ummeldung": true, "abmeldung": true,
	"erlaubnis": true, "handwerkskarte": true, "register": true, "kontakt": true, "beschaeftigte": true,
	"personen": true,
}

// label turns a JSON pointer into the German name of the field, e.g. /personen/0/geburtsdatum
// → "Person 1, Geburtsdatum". Unknown names are quoted as they are.
func label(ptr string) string {
	if ptr == "" {
		return segmentLabels[""]
	}
	segs := strings.Split(ptr[1:], "/")
	var parts []string
	parent := ""
	for i, s := range segs {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
		last := i == len(segs)-1
		var l string
		if n, err := strconv.Atoi(s); err == nil && itemLabels[parent] != "" {
			l = fmt.Sprintf(itemLabels[parent], n+1)
		} else if v, ok := segmentLabels[parent+"/"+s]; ok {
			l = v
		} else if v, ok := segmentLabels[s]; ok {
			l = v
		} else {
			l = "„" + clip(s) + "“"
		}
		if last || !(groups[s] || itemLabels[s] != "") {
			parts = append(parts, l)
		}
		parent = s
	}
	return strings.Join(parts, ", ")
}

// earliestDate: a birth date or a Stichtag before it is a typing error (and 0001-01-01, Go's
// zero time, once switched R1 and R2 off).
var earliestDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
