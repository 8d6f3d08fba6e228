package document

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Antrag is an application for a procedure defined purely as form data (for example the
// Hundesteuer-Anmeldung): the form's sections and rows as the applicant saw them, already
// turned into labels and display values by the caller.
type Antrag struct {
	Title       string    // e.g. "Anmeldung eines Hundes zur Hundesteuer"
	Leistung    string    // the 14-digit Leistungsschlüssel (LeiKa), or empty
	Reference   string    // the submission's reference number
	FiledAt     time.Time // when the application was received; also the PDF's creation date
	Behoerde    Office    // the receiving office
	Sections    []Section
	Fee         string   // optional, e.g. "100,00 EUR Hundesteuer jährlich"
	Attachments []string // names of the files filed with the application
}

// Section is one numbered part of an Antrag.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one answered field: its label and the value as displayed. A blank value is printed
// as "—"; a value may span several lines.
type Row struct {
	Label, Value string
}

// leistungsschluessel is the form of a LeiKa key as the FIT-Connect routing API accepts it.
var leistungsschluessel = regexp.MustCompile(`^99[0-9]{12}$`)

func checkLeistung(key string) error {
	if key != "" && !leistungsschluessel.MatchString(key) {
		return fmt.Errorf("document: Leistungsschlüssel %q is not 14 digits starting with 99", key)
	}
	return nil
}

// RenderAntrag renders a filed application as a PDF in the look of the Gewerbeanzeige forms:
// letterhead, title, numbered sections with label and value columns, then the fee and the
// attached files as sections of their own, and page numbers. The output is deterministic.
//
// It returns an error for an empty title or reference, a zero FiledAt, a Leistungsschlüssel
// that is not 14 digits starting with 99, no sections, or a section or row without a title or
// label. A section without rows is printed with the note that it holds no data, so that the
// numbering stays that of the form the applicant filled in.
func RenderAntrag(a Antrag) ([]byte, error) {
	if err := checkMeta(a.Reference, a.FiledAt, ""); err != nil {
		return nil, err
	}
	title := clean(a.Title, false)
	if title == "" {
		return nil, errors.New("document: Antrag without a title")
	}
	leistung := strings.TrimSpace(a.Leistung)
	if err := checkLeistung(leistung); err != nil {
		return nil, err
	}
	if len(a.Sections) == 0 {
		return nil, errors.New("document: Antrag without sections")
	}
	ref := clean(a.Reference, false)
	fm := &form{
		title:    title,
		subtitle: "Elektronisch eingereichter Antrag",
		numbered: true,
		header: []field{
			fld("Referenz", ref),
			fld("Eingegangen am", zeitpunkt(a.FiledAt)),
			fld("Leistungsschlüssel", text(leistung)),
		},
	}
	for i, s := range a.Sections {
		st := clean(s.Title, false)
		if st == "" {
			return nil, fmt.Errorf("document: section %d without a title", i+1)
		}
		fs := formSection{title: st}
		for j, r := range s.Rows {
			l := clean(r.Label, false)
			if l == "" {
				return nil, fmt.Errorf("document: section %d, row %d without a label", i+1, j+1)
			}
			fs.fields = append(fs.fields, fld(l, text(clean(r.Value, true))))
		}
		if len(fs.fields) == 0 {
			fs.fields = []field{fld("Angaben", "keine")}
		}
		fm.sections = append(fm.sections, fs)
	}
	if fee := clean(a.Fee, true); fee != "" {
		fm.sections = append(fm.sections, formSection{
			title:  "Kosten",
			fields: []field{fld("Gebühren und Abgaben", fee)},
		})
	}
	fm.sections = append(fm.sections, formSection{
		title:  "Beigefügte Unterlagen",
		fields: []field{fld("Unterlagen", unterlagen(a.Attachments))},
	})
	fm.notes = []string{
		"Dieses Dokument gibt den elektronisch eingereichten Antrag wieder; es wurde maschinell aus den gespeicherten " +
			"Daten erstellt und trägt daher keine Unterschrift. „—“ bedeutet: keine Angabe.",
	}
	info := docInfo{
		Title:      title,
		Subject:    "Antrag, Referenz " + ref,
		Author:     clean(a.Behoerde.Name, false),
		Created:    a.FiledAt,
		HeaderText: "Antrag · Referenz " + ref,
		FooterText: "Antrag · Referenz " + ref + " · eingegangen am " + zeitpunkt(a.FiledAt),
	}
	return fm.render(info, a.Behoerde)
}
