package submission

import (
	"fmt"
	"slices"

	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/document"
)

// Documents lists the documents every submission has, in the order they are shown.
var Documents = []string{DocForm, DocReceipt}

// Renderer renders a submission's documents deterministically from its stored data: the same
// submission always gives the same bytes, so a document rendered on demand equals the one a
// background job stored.
type Renderer struct {
	Catalog *catalog.Catalog
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
	return nil, fmt.Errorf("documents of %s are not available yet", s.Leistung)
}
