package casework

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/clock"
)

// Limits of user input.
const (
	MaxText  = 10000
	MaxFiles = 5
	MaxFile  = 10 << 20
)

// FileInput is an uploaded attachment before it is stored.
type FileInput struct {
	Filename    string
	ContentType string
	Data        []byte
}

// allowedTypes are the attachment types accepted, by sniffed content.
var allowedTypes = []string{"application/pdf", "image/png", "image/jpeg", "text/plain; charset=utf-8"}

// CheckFiles validates attachments for the form field name. ContentType must be the sniffed
// type of the content (the adapter sniffs, so the domain stays free of net/http).
func CheckFiles(field string, files []FileInput) []apperr.FieldError {
	var errs []apperr.FieldError
	if len(files) > MaxFiles {
		errs = append(errs, apperr.FieldError{Pointer: field, Code: "too_many", Message: "Anlagen: Höchstens 5 Dateien."})
	}
	for _, f := range files {
		switch {
		case len(f.Data) == 0:
			errs = append(errs, apperr.FieldError{Pointer: field, Code: "empty", Message: "Anlagen: Die Datei „" + f.Filename + "“ ist leer."})
		case len(f.Data) > MaxFile:
			errs = append(errs, apperr.FieldError{Pointer: field, Code: "too_large", Message: "Anlagen: Die Datei „" + f.Filename + "“ ist größer als 10 MB."})
		case !slices.Contains(allowedTypes, f.ContentType):
			errs = append(errs, apperr.FieldError{Pointer: field, Code: "file_type", Message: "Anlagen: „" + f.Filename + "“ ist weder PDF, PNG, JPEG noch Text."})
		}
	}
	return errs
}

// text checks a required or optional free text field.
func text(field, label, v string, required bool) (string, []apperr.FieldError) {
	v = trim(v)
	switch {
	case v == "" && required:
		return v, []apperr.FieldError{{Pointer: field, Code: "required", Message: label + ": Bitte angeben."}}
	case utf8.RuneCountInString(v) > MaxText:
		return v, []apperr.FieldError{{Pointer: field, Code: "too_long", Message: label + ": Höchstens 10 000 Zeichen."}}
	}
	return v, nil
}

// ParseDeadline reads a date (YYYY-MM-DD) as the end of that day in Europe/Berlin and checks
// it lies after now and within a year.
func ParseDeadline(field, label, v string, now time.Time) (time.Time, []apperr.FieldError) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(v), clock.Berlin)
	if err != nil {
		return time.Time{}, []apperr.FieldError{{Pointer: field, Code: "date", Message: label + ": Bitte ein Datum angeben, z. B. 2026-12-31."}}
	}
	end := d.Add(24*time.Hour - time.Second)
	if !end.After(now) || end.After(now.AddDate(1, 0, 1)) {
		return time.Time{}, []apperr.FieldError{{Pointer: field, Code: "date_range", Message: label + ": Das Datum muss in der Zukunft und höchstens ein Jahr entfernt liegen."}}
	}
	return end.UTC(), nil
}

// DefaultDeadline is the date (YYYY-MM-DD, Berlin) days after now, proposed in forms.
func DefaultDeadline(now time.Time, days int) string {
	return now.In(clock.Berlin).AddDate(0, 0, days).Format("2006-01-02")
}

// RueckfrageInput is a question to the applicant.
type RueckfrageInput struct {
	Question string
	Deadline string
}

// Check validates the input and returns the question and the deadline.
func (in RueckfrageInput) Check(now time.Time) (string, time.Time, []apperr.FieldError) {
	q, errs := text("question", "Frage an die antragstellende Person", in.Question, true)
	d, derrs := ParseDeadline("deadline", "Antwort bis", in.Deadline, now)
	return q, d, append(errs, derrs...)
}

// ParticipationInput asks another office to take part.
type ParticipationInput struct {
	AGS        string // empty: the lead office's municipality
	OfficeKind string
	Question   string
	Deadline   string
	Parts      []string
}

// Check validates the input.
func (in ParticipationInput) Check(now time.Time) (string, time.Time, []Part, []apperr.FieldError) {
	var errs []apperr.FieldError
	if in.OfficeKind == "" {
		errs = append(errs, apperr.FieldError{Pointer: "office_kind", Code: "required", Message: "Beteiligte Stelle: Bitte ein Amt auswählen."})
	}
	if in.AGS != "" && (len(in.AGS) != 8 || strings.Trim(in.AGS, "0123456789") != "") {
		errs = append(errs, apperr.FieldError{Pointer: "part_ags", Code: "pattern", Message: "Gemeinde (AGS): 8 Ziffern, z. B. 14612000; leer lassen für die eigene Gemeinde."})
	}
	q, qerrs := text("part_question", "Frage an die beteiligte Stelle", in.Question, true)
	d, derrs := ParseDeadline("part_deadline", "Stellungnahme bis", in.Deadline, now)
	var parts []Part
	for _, p := range in.Parts {
		if !slices.Contains(Parts, Part(p)) {
			errs = append(errs, apperr.FieldError{Pointer: "parts", Code: "unknown", Message: "Freigegebene Teile: unbekannter Teil."})
			continue
		}
		if !slices.Contains(parts, Part(p)) {
			parts = append(parts, Part(p))
		}
	}
	errs = append(errs, qerrs...)
	errs = append(errs, derrs...)
	return q, d, parts, errs
}

// MessageInput is a message with optional attachments (office → applicant, applicant →
// office, participating office → lead office).
type MessageInput struct {
	Field string // form field name of the text
	Label string
	Body  string
	Files []FileInput
}

// Check validates the message.
func (in MessageInput) Check() (string, []apperr.FieldError) {
	b, errs := text(in.Field, in.Label, in.Body, true)
	return b, append(errs, CheckFiles("files", in.Files)...)
}

// CloseInput closes a case with a result and, optionally, a Bescheid from a template and a
// permit with an expiry.
type CloseInput struct {
	Result      string
	Template    string // empty: no Bescheid
	Begruendung string
	PermitTitle string
	PermitUntil string
	Note        string
}

// Closing is a checked CloseInput.
type Closing struct {
	Result      Status
	Template    *Template
	Begruendung string
	Permit      *Permit
	Note        string
}

// Check validates the input against the templates.
func (in CloseInput) Check(ts *Templates, now time.Time) (*Closing, []apperr.FieldError) {
	var errs []apperr.FieldError
	c := &Closing{Result: Status(in.Result)}
	if c.Result != Abgeschlossen && c.Result != Abgelehnt {
		errs = append(errs, apperr.FieldError{Pointer: "result", Code: "required", Message: "Ergebnis: Bitte „abgeschlossen“ oder „abgelehnt“ wählen."})
	}
	if in.Template != "" {
		t, ok := ts.Get(in.Template)
		switch {
		case !ok:
			errs = append(errs, apperr.FieldError{Pointer: "template", Code: "unknown", Message: "Bescheid-Vorlage: unbekannte Vorlage."})
		case t.Result != c.Result:
			errs = append(errs, apperr.FieldError{Pointer: "template", Code: "mismatch", Message: "Bescheid-Vorlage: Die Vorlage „" + t.Name + "“ passt nicht zum gewählten Ergebnis."})
		default:
			c.Template = t
		}
	}
	var e []apperr.FieldError
	c.Begruendung, e = text("begruendung", "Begründung", in.Begruendung, c.Result == Abgelehnt && in.Template != "")
	errs = append(errs, e...)
	c.Note, e = text("note", "Vermerk", in.Note, false)
	errs = append(errs, e...)
	title := trim(in.PermitTitle)
	if title != "" || strings.TrimSpace(in.PermitUntil) != "" {
		until, derrs := ParseDeadline("permit_until", "Erlaubnis gültig bis", in.PermitUntil, now)
		if title == "" {
			errs = append(errs, apperr.FieldError{Pointer: "permit_title", Code: "required", Message: "Erlaubnis: Bitte die Art der Erlaubnis angeben."})
		}
		errs = append(errs, derrs...)
		c.Permit = &Permit{Title: title, ExpiresAt: until}
	}
	if c.Template != nil && c.Template.NeedsPermit() && c.Permit == nil {
		errs = append(errs, apperr.FieldError{Pointer: "permit_until", Code: "required", Message: "Erlaubnis gültig bis: Die Vorlage nennt eine Befristung; bitte die Erlaubnis mit Ablaufdatum angeben."})
	}
	return c, errs
}
