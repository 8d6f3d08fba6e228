package document

import (
	"strconv"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

// dash stands for an absent optional value, so that every label of the form appears.
const dash = "—"

// The code lists of schemas/gewerbeanzeige.schema.json with the German wording of the forms.
// An unknown code (a newer schema, a bad row) is printed as it is rather than failing the
// document: a download must never fail because a label is missing.
var (
	rechtsformLabels = map[string]string{
		"einzelunternehmen": "Einzelunternehmen",
		"gbr":               "GbR",
		"ohg":               "OHG",
		"kg":                "KG",
		"gmbh":              "GmbH",
		"ug":                "UG (haftungsbeschränkt)",
		"ag":                "AG",
		"kgaa":              "KGaA",
		"se":                "SE",
		"ek":                "e. K. (eingetragener Kaufmann / eingetragene Kauffrau)",
		"eg":                "eG (eingetragene Genossenschaft)",
		"ev":                "e. V. (eingetragener Verein)",
		"ltd":               "Ltd. (Private Company Limited by Shares)",
		"sonstige":          "sonstige Rechtsform",
	}
	registerLabels = map[string]string{
		"HRA": "Handelsregister, Abteilung A (HRA)",
		"HRB": "Handelsregister, Abteilung B (HRB)",
		"GnR": "Genossenschaftsregister (GnR)",
		"PR":  "Partnerschaftsregister (PR)",
		"VR":  "Vereinsregister (VR)",
		"GsR": "Gesellschaftsregister (GsR)",
	}
	niederlassungLabels = map[string]string{
		"hauptniederlassung":            "Hauptniederlassung",
		"zweigniederlassung":            "Zweigniederlassung",
		"unselbststaendige_zweigstelle": "unselbstständige Zweigstelle",
	}
	betriebsartLabels = map[string]string{
		"industrie": "Industrie",
		"handwerk":  "Handwerk",
		"handel":    "Handel",
		"sonstiges": "Sonstiges",
	}
	funktionLabels = map[string]string{
		"inhaber":                "Inhaber/in",
		"gesellschafter":         "Gesellschafter/in",
		"gesetzlicher_vertreter": "Gesetzliche/r Vertreter/in",
		"betriebsleiter":         "Vertretungsberechtigte Person / Betriebsleiter/in",
	}
	geschlechtLabels = map[string]string{
		"m": "männlich",
		"w": "weiblich",
		"d": "divers",
		"x": "ohne Angabe",
	}
	grundAnmeldungLabels = map[string]string{
		"neuerrichtung":                     "Neuerrichtung / Neugründung",
		"verlegung_aus_anderem_meldebezirk": "Verlegung aus anderem Meldebezirk",
		"uebernahme":                        "Übernahme",
		"wechsel_der_rechtsform":            "Wechsel der Rechtsform",
		"gesellschaftereintritt":            "Gesellschaftereintritt",
		"erbfolge_kauf_pacht":               "Erbfolge, Kauf oder Pacht",
	}
	grundUmmeldungLabels = map[string]string{
		"verlegung_innerhalb_meldebezirk":             "Verlegung innerhalb des Meldebezirks",
		"wechsel_der_taetigkeit":                      "Wechsel der Tätigkeit",
		"ausdehnung_der_taetigkeit":                   "Ausdehnung der Tätigkeit",
		"aenderung_der_rechtsform_ohne_neuerrichtung": "Änderung der Rechtsform (ohne Neuerrichtung)",
		"sonstige": "Sonstiges",
	}
	grundAbmeldungLabels = map[string]string{
		"vollstaendige_aufgabe":            "Vollständige Aufgabe des Betriebes",
		"verlegung_in_anderen_meldebezirk": "Verlegung in einen anderen Meldebezirk",
		"uebergabe":                        "Übergabe",
		"wechsel_der_rechtsform":           "Wechsel der Rechtsform",
		"gesellschafteraustritt":           "Gesellschafteraustritt",
		"erbfolge_verkauf_verpachtung":     "Erbfolge, Verkauf oder Verpachtung",
	}
	ursacheLabels = map[string]string{
		"alter":                           "Alter",
		"wirtschaftliche_schwierigkeiten": "Wirtschaftliche Schwierigkeiten",
		"insolvenz":                       "Insolvenz",
		"krankheit":                       "Krankheit",
		"sonstige":                        "Sonstige Gründe",
	}
)

// GewerbeValue names a coded value of a Gewerbeanzeige's data for reading, with the wording
// of the forms: keys is the path of object keys to it ("betrieb", "rechtsform"). It serves
// casework.SectionsLabelled; ok is false for values that are not codes or not known.
func GewerbeValue(keys []string, v string) (string, bool) {
	if len(keys) == 0 {
		return "", false
	}
	last, parent := keys[len(keys)-1], ""
	if len(keys) > 1 {
		parent = keys[len(keys)-2]
	}
	var m map[string]string
	switch {
	case len(keys) == 1 && last == "art":
		m = map[string]string{"anmeldung": "Gewerbeanmeldung", "ummeldung": "Gewerbeummeldung", "abmeldung": "Gewerbeabmeldung"}
	case last == "rechtsform":
		m = rechtsformLabels
	case last == "art" && parent == "register":
		m = registerLabels
	case last == "niederlassungsart":
		m = niederlassungLabels
	case last == "betriebsart":
		m = betriebsartLabels
	case last == "funktion":
		m = funktionLabels
	case last == "geschlecht":
		m = geschlechtLabels
	case last == "grund" && parent == "anmeldung":
		m = grundAnmeldungLabels
	case last == "grund" && parent == "ummeldung":
		m = grundUmmeldungLabels
	case last == "grund" && parent == "abmeldung":
		m = grundAbmeldungLabels
	case last == "ursache":
		m = ursacheLabels
	case last == "staat" || last == "geburtsland" || last == "staatsangehoerigkeiten":
		m = staatNamen
	}
	l, ok := m[v]
	return l, ok
}

// StaatName is the German short name of an ISO 3166-1 alpha-2 state ("VN" → "Vietnam"); ok
// is false for a code the list does not have.
func StaatName(code string) (string, bool) {
	n, ok := staatNamen[code]
	return n, ok
}

// staatNamen maps ISO 3166-1 alpha-2 codes to the German short names used by the Federal
// Foreign Office: all EU and EEA states, Switzerland, and the other nationalities most often
// found among residents of Germany (Destatis, Ausländerzentralregister). Other codes are
// printed as they are.
var staatNamen = map[string]string{
	// EU
	"AT": "Österreich", "BE": "Belgien", "BG": "Bulgarien", "CY": "Zypern", "CZ": "Tschechien",
	"DE": "Deutschland", "DK": "Dänemark", "EE": "Estland", "ES": "Spanien", "FI": "Finnland",
	"FR": "Frankreich", "GR": "Griechenland", "HR": "Kroatien", "HU": "Ungarn", "IE": "Irland",
	"IT": "Italien", "LT": "Litauen", "LU": "Luxemburg", "LV": "Lettland", "MT": "Malta",
	"NL": "Niederlande", "PL": "Polen", "PT": "Portugal", "RO": "Rumänien", "SE": "Schweden",
	"SI": "Slowenien", "SK": "Slowakei",
	// EEA, Switzerland
	"IS": "Island", "LI": "Liechtenstein", "NO": "Norwegen", "CH": "Schweiz",
	// Europe outside EU/EEA
	"AL": "Albanien", "AM": "Armenien", "AZ": "Aserbaidschan", "BA": "Bosnien und Herzegowina",
	"BY": "Belarus", "GB": "Vereinigtes Königreich", "GE": "Georgien", "MD": "Republik Moldau",
	"ME": "Montenegro", "MK": "Nordmazedonien", "RS": "Serbien", "RU": "Russische Föderation",
	"TR": "Türkei", "UA": "Ukraine", "XK": "Kosovo",
	// Asia
	"AF": "Afghanistan", "CN": "China", "ID": "Indonesien", "IL": "Israel", "IN": "Indien",
	"IQ": "Irak", "IR": "Iran", "JO": "Jordanien", "JP": "Japan", "KR": "Korea, Republik",
	"KZ": "Kasachstan", "LB": "Libanon", "LK": "Sri Lanka", "PH": "Philippinen", "PK": "Pakistan",
	"SY": "Syrien", "TH": "Thailand", "UZ": "Usbekistan", "VN": "Vietnam", "BD": "Bangladesch",
	// Africa
	"CM": "Kamerun", "DZ": "Algerien", "EG": "Ägypten", "ER": "Eritrea", "ET": "Äthiopien",
	"GH": "Ghana", "GM": "Gambia", "GN": "Guinea", "MA": "Marokko", "NG": "Nigeria",
	"SO": "Somalia", "TN": "Tunesien",
	// Americas, Oceania
	"AR": "Argentinien", "AU": "Australien", "BR": "Brasilien", "CA": "Kanada", "CO": "Kolumbien",
	"MX": "Mexiko", "US": "Vereinigte Staaten", "VE": "Venezuela",
}

// label returns the German label of a code, the code itself when it is unknown, and dash
// when it is empty.
func label(m map[string]string, code string) string {
	if code == "" {
		return dash
	}
	if l, ok := m[code]; ok {
		return l
	}
	return code
}

func staat(code string) string { return label(staatNamen, code) }

func staaten(codes []string) string {
	if len(codes) == 0 {
		return dash
	}
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = staat(c)
	}
	return strings.Join(names, ", ")
}

func labels(m map[string]string, codes []string) string {
	if len(codes) == 0 {
		return dash
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = label(m, c)
	}
	return strings.Join(out, ", ")
}

// text returns s, or dash when it is blank.
func text(s string) string {
	if strings.TrimSpace(s) == "" {
		return dash
	}
	return s
}

func janein(b *bool) string {
	switch {
	case b == nil:
		return dash
	case *b:
		return "ja"
	default:
		return "nein"
	}
}

func anzahl(n *int) string {
	if n == nil {
		return dash
	}
	return strconv.Itoa(*n)
}

// datum formats an ISO date (2026-11-28) as 28.11.2026; anything else is printed unchanged.
func datum(iso string) string {
	if iso == "" {
		return dash
	}
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// anschrift formats an address on one line: "Hauptstraße 5, 01067 Dresden". A state other
// than Germany and the municipality key (AGS) are appended when present.
func anschrift(a *gewerbe.Anschrift) string {
	if a == nil {
		return dash
	}
	var sb strings.Builder
	strasse := strings.TrimSpace(a.Strasse + " " + a.Hausnummer)
	ort := strings.TrimSpace(a.PLZ + " " + a.Ort)
	sb.WriteString(strasse)
	if strasse != "" && ort != "" {
		sb.WriteString(", ")
	}
	sb.WriteString(ort)
	if a.Staat != "" && a.Staat != "DE" {
		sb.WriteString(", ")
		sb.WriteString(staat(a.Staat))
	}
	if a.AGS != "" {
		sb.WriteString(" (Gemeindeschlüssel ")
		sb.WriteString(a.AGS)
		sb.WriteString(")")
	}
	return text(sb.String())
}

// clean makes outside text safe to print: CR LF and CR become LF (kept as a line break where
// the field allows several lines), other control characters become spaces, and surrounding
// blanks are trimmed.
func clean(s string, multiline bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && multiline:
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return ' '
		case r == 0xfeff:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
