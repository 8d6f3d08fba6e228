package casework

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Template is a Bescheid template: data an office keeps, filled with the case's values
// ({{name}} placeholders, see document.FillTemplate).
type Template struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	Result                 Status   `json:"result"`
	Betreff                string   `json:"betreff"`
	Tenor                  []string `json:"tenor"`
	Begruendung            []string `json:"begruendung"`
	Rechtsbehelfsbelehrung string   `json:"rechtsbehelfsbelehrung"`
	Unterschrift           string   `json:"unterschrift"`
}

// NeedsPermit reports whether the template prints a permit's expiry ({{befristung}}).
func (t *Template) NeedsPermit() bool {
	all := t.Betreff + strings.Join(t.Tenor, "") + strings.Join(t.Begruendung, "")
	return strings.Contains(all, "{{befristung}}")
}

// Templates is the set of Bescheid templates.
type Templates struct{ list []*Template }

//go:embed bescheide.json
var bescheideJSON []byte

// LoadTemplates parses the shipped Bescheid templates.
func LoadTemplates() (*Templates, error) {
	var doc struct {
		Templates []*Template `json:"templates"`
	}
	if err := json.Unmarshal(bescheideJSON, &doc); err != nil {
		return nil, fmt.Errorf("casework: templates: %w", err)
	}
	for _, t := range doc.Templates {
		if t.ID == "" || len(t.Tenor) == 0 || (t.Result != Abgeschlossen && t.Result != Abgelehnt) {
			return nil, fmt.Errorf("casework: template %q needs an id, a Tenor and a final result", t.ID)
		}
	}
	return &Templates{list: doc.Templates}, nil
}

// All lists the templates in definition order.
func (ts *Templates) All() []*Template { return ts.list }

// Get returns a template by id.
func (ts *Templates) Get(id string) (*Template, bool) {
	for _, t := range ts.list {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}
