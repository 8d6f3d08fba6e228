// Package routing decides, for one Gewerbeanzeige, which kinds of recipient must receive it
// (§ 14 Abs. 8 GewO with § 3 GewAnzV) and explains every decision.
//
// The decisions come from versioned rule data (rules/gewerbe-v1.json), not from Go code: each
// rule names a recipient kind, the notice kinds it covers, a condition written as an
// expr-lang expression over a typed environment (see Env) and a German reason for "selected"
// and for "excluded". Every (recipient kind, notice kind) pair is covered by exactly one rule,
// checked when the rules are loaded, so each Decision names the rule that made it.
//
// The package is pure: no I/O, no database, no clock.
package routing

// Kind is a recipient kind with a stable code that is stored with each decision and delivery.
type Kind string

// The recipient kinds of § 14 Abs. 8 GewO. The codes are stable: they are persisted.
const (
	KindFinanzamt                Kind = "finanzamt"
	KindStatistik                Kind = "statistik"
	KindIHK                      Kind = "ihk"
	KindHWK                      Kind = "hwk"
	KindArbeitsschutz            Kind = "arbeitsschutz"
	KindImmissionsschutz         Kind = "immissionsschutz"
	KindEichbehoerde             Kind = "eichbehoerde"
	KindArbeitsagentur           Kind = "arbeitsagentur"
	KindDGUV                     Kind = "dguv"
	KindZoll                     Kind = "zoll"
	KindRegistergericht          Kind = "registergericht"
	KindLebensmittelueberwachung Kind = "lebensmittelueberwachung"
	KindDRVKBS                   Kind = "drv_kbs"
	KindAuslaenderbehoerde       Kind = "auslaenderbehoerde"
	KindErlaubnisbehoerde        Kind = "erlaubnisbehoerde"
)

var kinds = []Kind{
	KindFinanzamt, KindStatistik, KindIHK, KindHWK, KindArbeitsschutz, KindImmissionsschutz,
	KindEichbehoerde, KindArbeitsagentur, KindDGUV, KindZoll, KindRegistergericht,
	KindLebensmittelueberwachung, KindDRVKBS, KindAuslaenderbehoerde, KindErlaubnisbehoerde,
}

var displayNames = map[Kind]string{
	KindFinanzamt:                "Finanzamt",
	KindStatistik:                "Statistisches Landesamt",
	KindIHK:                      "Industrie- und Handelskammer",
	KindHWK:                      "Handwerkskammer",
	KindArbeitsschutz:            "Arbeitsschutzbehörde (Gewerbeaufsicht)",
	KindImmissionsschutz:         "Immissionsschutzbehörde (Gewerbeaufsicht)",
	KindEichbehoerde:             "Eichbehörde",
	KindArbeitsagentur:           "Bundesagentur für Arbeit",
	KindDGUV:                     "Deutsche Gesetzliche Unfallversicherung",
	KindZoll:                     "Zollverwaltung (Finanzkontrolle Schwarzarbeit)",
	KindRegistergericht:          "Registergericht",
	KindLebensmittelueberwachung: "Lebensmittelüberwachung",
	KindDRVKBS:                   "Deutsche Rentenversicherung Knappschaft-Bahn-See",
	KindAuslaenderbehoerde:       "Ausländerbehörde",
	KindErlaubnisbehoerde:        "Erlaubnisbehörde",
}

// Kinds returns all recipient kinds in their fixed display order. The slice is a copy.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// Valid reports whether k is one of the known recipient kinds.
func (k Kind) Valid() bool { _, ok := displayNames[k]; return ok }

// DisplayName is the German name of the kind, e.g. "Handwerkskammer"; the code for unknown kinds.
func (k Kind) DisplayName() string {
	if n, ok := displayNames[k]; ok {
		return n
	}
	return string(k)
}

// freizuegig lists the states whose nationals enjoy free movement: the EU member states, the
// other EEA states (Iceland, Liechtenstein, Norway) and Switzerland, as ISO 3166-1 alpha-2.
// Greece is "GR" in ISO 3166 (the EU's own "EL" is accepted too).
var freizuegig = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true,
	"EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "EL": true, "HU": true,
	"IE": true, "IT": true, "LV": true, "LT": true, "LU": true, "MT": true, "NL": true,
	"PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	"IS": true, "LI": true, "NO": true, "CH": true,
}

// Freizuegig reports whether the ISO 3166-1 alpha-2 state is an EU, EEA or Swiss state, whose
// nationals need no residence title for self-employment.
func Freizuegig(iso string) bool { return freizuegig[iso] }

// NeedsAufenthaltstitel reports whether a person with these nationalities has none of an
// EU/EEA/CH state (and so falls under the Aufenthaltsgesetz). No nationality at all counts as
// needing one: stateless persons are not free-movement citizens.
func NeedsAufenthaltstitel(staatsangehoerigkeiten []string) bool {
	for _, s := range staatsangehoerigkeiten {
		if freizuegig[s] {
			return false
		}
	}
	return true
}
