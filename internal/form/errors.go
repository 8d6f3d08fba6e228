package form

import (
	"fmt"
	"strings"
)

// FieldError is a problem with one input. Path is the concrete path of the input (the name of
// the form control), e.g. "personen[0].geburtsdatum" or "betrieb.betriebsstaette.plz"; Code is
// stable (required, invalid_date, pattern, rule ids such as "R6" …). Warnings never block.
type FieldError struct {
	Path    string `json:"path"`
	Step    string `json:"step"`
	Code    string `json:"code"`
	Message Text   `json:"message"`
	Warning bool   `json:"warning,omitempty"`
}

// Blocking reports whether errs contain an error that is not a warning.
func Blocking(errs []FieldError) bool {
	for _, e := range errs {
		if !e.Warning {
			return true
		}
	}
	return false
}

// engine messages; %[1]s is the field label.
var messages = map[string]Text{
	"required":           {"Bitte geben Sie „%[1]s“ an.", "Please enter “%[1]s”."},
	"required_choice":    {"Bitte wählen Sie bei „%[1]s“ eine Antwort aus.", "Please select an answer for “%[1]s”."},
	"required_file":      {"Bitte laden Sie „%[1]s“ hoch.", "Please upload “%[1]s”."},
	"invalid_date":       {"„%[1]s“ muss ein gültiges Datum sein, zum Beispiel 31.01.2026.", "“%[1]s” must be a real date, for example 31.01.2026."},
	"invalid_number":     {"„%[1]s“ muss eine Zahl sein.", "“%[1]s” must be a number."},
	"invalid_integer":    {"„%[1]s“ muss eine ganze Zahl sein.", "“%[1]s” must be a whole number."},
	"invalid_option":     {"Die Auswahl bei „%[1]s“ ist ungültig.", "The choice for “%[1]s” is not valid."},
	"min":                {"„%[1]s“ muss mindestens %[2]s sein.", "“%[1]s” must be at least %[2]s."},
	"max":                {"„%[1]s“ darf höchstens %[2]s sein.", "“%[1]s” must be at most %[2]s."},
	"min_length":         {"„%[1]s“ muss mindestens %[2]s Zeichen lang sein.", "“%[1]s” must be at least %[2]s characters long."},
	"max_length":         {"„%[1]s“ darf höchstens %[2]s Zeichen lang sein.", "“%[1]s” must be at most %[2]s characters long."},
	"pattern":            {"„%[1]s“ hat nicht das erwartete Format.", "“%[1]s” is not in the expected format."},
	"min_items":          {"„%[1]s“: Bitte mindestens %[2]s Einträge angeben.", "“%[1]s”: please enter at least %[2]s entries."},
	"min_items_one":      {"„%[1]s“: Bitte mindestens einen Eintrag angeben.", "“%[1]s”: please enter at least one entry."},
	"max_items":          {"Bei „%[1]s“ sind höchstens %[2]s möglich.", "At most %[2]s are possible for “%[1]s”."},
	"file_type":          {"„%[1]s“: Dieser Dateityp ist nicht erlaubt. Erlaubt sind: %[2]s.", "“%[1]s”: this file type is not allowed. Allowed: %[2]s."},
	"file_size":          {"„%[1]s“: Die Datei ist zu groß (höchstens %[2]s).", "“%[1]s”: the file is too large (at most %[2]s)."},
	"file_empty":         {"„%[1]s“: Die Datei ist leer.", "“%[1]s”: the file is empty."},
	"plz_format":         {"Die Postleitzahl muss aus 5 Ziffern bestehen.", "The postal code must have 5 digits."},
	"plz_foreign":        {"Die Postleitzahl hat nicht das erwartete Format.", "The postal code is not in the expected format."},
	"plz_unknown":        {"Zu dieser Postleitzahl finden wir keine Gemeinde, für die dieser Dienst zuständig ist. Bitte prüfen Sie die Postleitzahl.", "We cannot find a municipality served by this service for this postal code. Please check the postal code."},
	"ags_choose":         {"Die Postleitzahl gehört zu mehreren Gemeinden. Bitte wählen Sie die Gemeinde aus.", "The postal code belongs to several municipalities. Please choose the municipality."},
	"wz_unknown":         {"Dieser Schlüssel ist keine Klasse oder Unterklasse der WZ 2008.", "This code is not a class or subclass of WZ 2008."},
	"wz_choose":          {"Bitte wählen Sie eine Tätigkeit aus der Trefferliste aus.", "Please choose an activity from the results."},
	"wz_no_results":      {"Zu „%[2]s“ wurde nichts gefunden. Bitte versuchen Sie einen anderen Begriff.", "Nothing was found for “%[2]s”. Please try another term."},
	"address_part":       {"Bitte geben Sie bei „%[1]s“ %[2]s an.", "Please enter %[2]s for “%[1]s”."},
	"address_max_length": {"„%[1]s“, %[2]s: höchstens %[3]s Zeichen.", "“%[1]s”, %[2]s: at most %[3]s characters."},
	"address_strasse":    {"die Straße", "the street"},
	"address_hausnr":     {"die Hausnummer", "the house number"},
	"address_plz":        {"die Postleitzahl", "the postal code"},
	"address_ort":        {"den Ort", "the place"},
	"addresslen":         {"Eine Angabe bei „%[1]s“ ist zu lang.", "An entry in “%[1]s” is too long."},
}

// msg formats an engine message in both languages; args are Texts or strings.
func msg(code string, label Text, args ...any) Text {
	t, ok := messages[code]
	if !ok {
		t = Text{code, code}
	}
	de := []any{label.In("de")}
	en := []any{label.In("en")}
	for _, a := range args {
		switch x := a.(type) {
		case Text:
			de, en = append(de, x.In("de")), append(en, x.In("en"))
		default:
			de, en = append(de, fmt.Sprint(x)), append(en, fmt.Sprint(x))
		}
	}
	out := Text{De: fmt.Sprintf(t.De, de...), En: fmt.Sprintf(t.En, en...)}
	// Messages without a placeholder for some argument print %!(EXTRA …); cut that off.
	out.De, _, _ = strings.Cut(out.De, "%!(EXTRA")
	out.En, _, _ = strings.Cut(out.En, "%!(EXTRA")
	return out
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
