package casework_test

import (
	"testing"

	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/document"
)

// TestSectionsLabelled: the case page names coded values with the forms' wording, shows dates
// in German order and labels a nested "art" as "Art", not as the kind of notice.
func TestSectionsLabelled(t *testing.T) {
	data := []byte(`{"art":"anmeldung","betrieb":{"rechtsform":"gmbh","register":{"art":"HRB","nummer":"4711"},"betriebsart":["handel","handwerk"]},
		"personen":[{"funktion":"gesetzlicher_vertreter","geschlecht":"w","geburtsdatum":"1979-11-03","staatsangehoerigkeiten":["VN","DE"],
		"aufenthaltstitel":{"art":"Niederlassungserlaubnis"}}],"anmeldung":{"grund":"neuerrichtung","beginn":"2026-12-01"}}`)
	rows := map[string]string{}
	for _, s := range casework.SectionsLabelled(data, nil, document.GewerbeValue) {
		for _, r := range s.Rows {
			rows[s.Title+" / "+r.Label] = r.Value
		}
	}
	for k, want := range map[string]string{
		"Allgemein / Art der Anzeige":            "Gewerbeanmeldung",
		"Betrieb / Rechtsform":                   "GmbH",
		"Betrieb / Registereintrag › Art":        "Handelsregister, Abteilung B (HRB)",
		"Betrieb / Betriebsart":                  "Handel, Handwerk",
		"Personen / 1. › Funktion":               "Gesetzliche/r Vertreter/in",
		"Personen / 1. › Geschlecht":             "weiblich",
		"Personen / 1. › Geburtsdatum":           "03.11.1979",
		"Personen / 1. › Staatsangehörigkeiten":  "Vietnam, Deutschland",
		"Personen / 1. › Aufenthaltstitel › Art": "Niederlassungserlaubnis",
		"Anmeldung / Grund":                      "Neuerrichtung / Neugründung",
		"Anmeldung / Beginn":                     "01.12.2026",
	} {
		if rows[k] != want {
			t.Errorf("%s = %q, want %q", k, rows[k], want)
		}
	}
}
