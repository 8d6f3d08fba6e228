package casework

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Section is a titled group of rows of submission data, for reading.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one labelled value.
type Row struct {
	Label string
	Value string
}

// partOf says which part of a case a top-level key of the submission data belongs to. Keys
// not listed are Betriebsdaten.
var partOf = map[string]Part{"personen": PartPersonen}

// labels are German labels of the data's keys (Gewerbeanzeige and common form fields); an
// unknown key is shown as it is.
var labels = map[string]string{
	"art": "Art der Anzeige", "betrieb": "Betrieb", "personen": "Personen", "taetigkeit": "Tätigkeit",
	"anmeldung": "Anmeldung", "ummeldung": "Ummeldung", "abmeldung": "Abmeldung", "erlaubnis": "Erlaubnis",
	"handwerkskarte": "Handwerkskarte", "rechtsform": "Rechtsform", "name": "Name",
	"geschaeftsbezeichnung": "Geschäftsbezeichnung", "register": "Registereintrag", "nummer": "Nummer",
	"gericht": "Registergericht", "betriebsstaette": "Betriebsstätte", "hauptniederlassung": "Hauptniederlassung",
	"kontakt": "Kontakt", "telefon": "Telefon", "email": "E-Mail", "web": "Internet",
	"niederlassungsart": "Niederlassungsart", "betriebsart": "Betriebsart", "beschaeftigte": "Beschäftigte",
	"vollzeit": "Vollzeit", "teilzeit": "Teilzeit", "nebenerwerb": "Nebenerwerb", "reisegewerbe": "Reisegewerbe",
	"automatenaufstellung": "Automatenaufstellung", "beteiligungOeffentlicheHand": "Beteiligung der öffentlichen Hand",
	"gewerbebetriebID": "Betriebs-ID", "strasse": "Straße", "hausnummer": "Hausnummer", "plz": "PLZ", "ort": "Ort",
	"staat": "Staat", "ags": "Gemeindeschlüssel", "funktion": "Funktion", "familienname": "Familienname",
	"vornamen": "Vornamen", "geburtsname": "Geburtsname", "geschlecht": "Geschlecht", "doktorgrad": "Doktorgrad",
	"geburtsdatum": "Geburtsdatum", "geburtsort": "Geburtsort", "geburtsland": "Geburtsland",
	"staatsangehoerigkeiten": "Staatsangehörigkeiten", "anschrift": "Anschrift", "aufenthaltstitel": "Aufenthaltstitel",
	"beschreibung": "Beschreibung", "wz2008": "WZ 2008", "weitere": "Weitere Tätigkeiten", "beginn": "Beginn",
	"grund": "Grund", "datum": "Datum", "ursache": "Ursache", "behoerde": "Behörde", "kammer": "Kammer",
	"fruehereBetriebsstaette": "Frühere Betriebsstätte", "fruehererInhaber": "Früherer Inhaber",
	"fruehereTaetigkeit": "Frühere Tätigkeit", "kuenftigeAnschrift": "Künftige Anschrift",
	"ausgestelltAm": "Ausgestellt am", "auflagen": "Auflagen",
}

func label(k string) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return k
}

// nestedLabel is the label of a key below the top level: "art" there is the kind of a
// register entry or a residence title, not the kind of notice.
func nestedLabel(k string) string {
	if k == "art" {
		return "Art"
	}
	return label(k)
}

// ValueLabels names coded values for reading: keys is the path of object keys to the value
// (array indices left out), v the value as stored; ok false leaves it as it is.
type ValueLabels func(keys []string, v string) (label string, ok bool)

// Sections renders submission data readably, one section per top-level key, keeping only
// the keys whose part is in parts (nil: every part). Order follows the data's key order
// where it is an object decoded in order; otherwise keys are sorted.
func Sections(data json.RawMessage, parts []Part) []Section {
	return SectionsLabelled(data, parts, nil)
}

// SectionsLabelled is Sections with coded values named by values (nil: none); dates written
// YYYY-MM-DD are shown as DD.MM.YYYY either way.
func SectionsLabelled(data json.RawMessage, parts []Part, values ValueLabels) []Section {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil
	}
	keys := orderedKeys(data, top)
	var out []Section
	var simple []Row
	for _, k := range keys {
		p, ok := partOf[k]
		if !ok {
			p = PartBetrieb
		}
		if parts != nil && !containsPart(parts, p) {
			continue
		}
		var v any
		_ = json.Unmarshal(top[k], &v)
		switch x := v.(type) {
		case map[string]any, []any:
			s := Section{Title: label(k)}
			flatten(&s.Rows, "", []string{k}, x, values)
			if len(s.Rows) > 0 {
				out = append(out, s)
			}
		default:
			if r := value([]string{k}, x, values); r != "" {
				simple = append(simple, Row{Label: label(k), Value: r})
			}
		}
	}
	if len(simple) > 0 {
		out = append([]Section{{Title: "Allgemein", Rows: simple}}, out...)
	}
	return out
}

func containsPart(ps []Part, p Part) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// orderedKeys returns the object's keys in the order they appear in the JSON text.
func orderedKeys(data json.RawMessage, top map[string]json.RawMessage) []string {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	var keys []string
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return sortedKeys(top)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return sortedKeys(top)
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return sortedKeys(top)
		}
	}
	return keys
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func flatten(rows *[]Row, prefix string, keys []string, v any, values ValueLabels) {
	switch x := v.(type) {
	case map[string]any:
		ks := make([]string, 0, len(x))
		for k := range x {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			flatten(rows, join(prefix, nestedLabel(k)), append(slices.Clip(keys), k), x[k], values)
		}
	case []any:
		allScalar := true
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				allScalar = false
			}
		}
		if allScalar {
			var parts []string
			for _, e := range x {
				parts = append(parts, value(keys, e, values))
			}
			if len(parts) > 0 {
				*rows = append(*rows, Row{Label: prefix, Value: strings.Join(parts, ", ")})
			}
			return
		}
		for i, e := range x {
			flatten(rows, join(prefix, fmt.Sprintf("%d.", i+1)), keys, e, values)
		}
	default:
		if s := value(keys, x, values); s != "" {
			*rows = append(*rows, Row{Label: prefix, Value: s})
		}
	}
}

// isoDate matches a date as the data stores it.
var isoDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// value is scalar(v) with coded values named and dates in German order.
func value(keys []string, v any, values ValueLabels) string {
	s := scalar(v)
	if str, ok := v.(string); ok {
		if values != nil {
			if l, ok := values(keys, str); ok {
				return l
			}
		}
		if isoDate.MatchString(str) {
			return str[8:10] + "." + str[5:7] + "." + str[0:4]
		}
	}
	return s
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + " › " + b
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "ja"
		}
		return "nein"
	case float64:
		return fmt.Sprintf("%g", x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
