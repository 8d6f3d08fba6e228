package submission

import (
	"fmt"
	"slices"

	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/document"
	"github.com/rathaus-egov/rathaus/internal/form"
)

// Documents lists the documents every submission has, in the order they are shown.
var Documents = []string{DocForm, DocReceipt}

// Renderer renders a submission's documents deterministically from its stored data: the same
// submission always gives the same bytes, so a document rendered on demand equals the one a
// background job stored.
type Renderer struct {
	Catalog *catalog.Catalog
	Forms   *form.Registry
}

// Render returns the document called name.
func (r *Renderer) Render(s *Submission, name string) ([]byte, error) {
	if !slices.Contains(Documents, name) {
		return nil, fmt.Errorf("unknown document %q", name)
	}
	off := document.Office{Name: s.Office.Name, Strasse: s.Office.Strasse, PLZ: s.Office.PLZ, Ort: s.Office.Ort, Email: s.Office.Email, Telefon: s.Office.Telefon}
	l, _ := r.Catalog.Get(s.Leistung)
	leistung := s.Leistung
	if l != nil {
		leistung = l.Name.De + " (" + s.Leistung + ")"
	}
	if s.Art != "" {
		a, err := s.Anzeige()
		if err != nil {
			return nil, err
		}
		if name == DocForm {
			return document.RenderGewerbeanzeige(a, document.Meta{Reference: s.Reference, FiledAt: s.CreatedAt, Behoerde: off, Lang: "de"})
		}
		return document.RenderEmpfangsbescheinigung(document.Receipt{Reference: s.Reference, FiledAt: s.CreatedAt, Art: a.Art, Behoerde: off,
			Betrieb: a.DisplayName(), Leistung: leistung, Digest: s.Digest, Documents: []string{DocForm}})
	}
	// A procedure defined purely as form data: the application lists the answers as the
	// review page showed them, with the form version the submission was filled with.
	def, ok := r.Forms.GetVersion(s.FormID, s.FormVersion)
	if !ok {
		return nil, fmt.Errorf("form %s version %d is not loaded", s.FormID, s.FormVersion)
	}
	draft, err := form.DecodeDraft(s.Data)
	if err != nil {
		return nil, err
	}
	title := def.Title.In("de")
	if name == DocReceipt {
		return document.RenderEingangsbestaetigung(document.GenericReceipt{Reference: s.Reference, FiledAt: s.CreatedAt, Title: title, Leistung: s.Leistung,
			Behoerde: off, Antragsteller: s.DisplayName, Digest: s.Digest, Documents: []string{DocForm}})
	}
	a := document.Antrag{Title: title, Leistung: s.Leistung, Reference: s.Reference, FiledAt: s.CreatedAt, Behoerde: off}
	for _, sec := range def.Review(draft, "de") {
		ds := document.Section{Title: sec.Title}
		for _, row := range sec.Rows {
			if row.Heading {
				ds.Rows = append(ds.Rows, document.Row{Label: row.Label, Value: ""})
				continue
			}
			ds.Rows = append(ds.Rows, document.Row{Label: row.Label, Value: row.Value})
		}
		a.Sections = append(a.Sections, ds)
	}
	if cents, label, ok := def.Fee(draft, "de"); ok {
		a.Fee = fmt.Sprintf("%d,%02d %s – %s", cents/100, cents%100, def.FeeCurrency(), label)
	}
	return document.RenderAntrag(a)
}
