// Package catalog holds the service catalog: Leistungen with their 14-digit
// Leistungsschlüssel, names and descriptions in German and English, required documents, fees,
// legal basis, the kind of office responsible, OZG maturity, and life-event bundles
// (Lebenslagen). The catalog is data (leistungen.json); which municipality offers which
// service online is stored per tenant and defaults to the catalog's kind.
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:embed leistungen.json
var leistungenJSON []byte

// Text is a German/English text.
type Text struct {
	De string `json:"de"`
	En string `json:"en"`
}

// In returns the text in lang, falling back to German.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.De
}

// TextList is a list of texts in German and English.
type TextList struct {
	De []string `json:"de"`
	En []string `json:"en"`
}

// In returns the list in lang, falling back to German.
func (t TextList) In(lang string) []string {
	if lang == "en" && len(t.En) > 0 {
		return t.En
	}
	return t.De
}

// Kind says how a service is offered.
type Kind string

// Kinds of services in the catalog; Availability per municipality uses them too.
const (
	KindOnline      Kind = "online"      // filed online on this platform
	KindInformation Kind = "information" // information only; filed at the office
	KindExtern      Kind = "extern"      // filed with another authority's online service
	KindNotOffered  Kind = "not_offered" // the municipality does not offer it (availability only)
)

// Leistung is one service.
type Leistung struct {
	Key                string   `json:"key"`
	Name               Text     `json:"name"`
	Description        Text     `json:"description"`
	Synonyms           []string `json:"synonyms"`
	Kind               Kind     `json:"kind"`
	Procedure          string   `json:"procedure,omitempty"` // "gewerbe" or "form"
	Art                string   `json:"art,omitempty"`       // Gewerbe: anmeldung, ummeldung, abmeldung
	Form               string   `json:"form,omitempty"`
	ReferencePrefix    string   `json:"referencePrefix,omitempty"`
	OfficeKind         string   `json:"officeKind"`
	FallbackOfficeKind string   `json:"fallbackOfficeKind,omitempty"`
	Responsible        Text     `json:"responsible"`
	ExternalURL        string   `json:"externalURL,omitempty"`
	LegalBasis         string   `json:"legalBasis"`
	RequiredDocuments  TextList `json:"requiredDocuments"`
	Fee                Text     `json:"fee"`
	OZGReifegrad       int      `json:"ozgReifegrad"`
	LeichteSprache     Text     `json:"leichteSprache"`
	KeyNote            string   `json:"keyNote,omitempty"`

	search string // normalised names, synonyms and description
}

// Lebenslage is a life-event bundle of services.
type Lebenslage struct {
	ID          string   `json:"id"`
	Name        Text     `json:"name"`
	Description Text     `json:"description"`
	Keys        []string `json:"leistungen"`
}

// Catalog is the loaded catalog; safe for concurrent use.
type Catalog struct {
	Version     int          `json:"version"`
	Leistungen  []*Leistung  `json:"leistungen"`
	Lebenslagen []Lebenslage `json:"lebenslagen"`
	byKey       map[string]*Leistung
}

// Load parses the embedded catalog.
func Load() (*Catalog, error) { return Parse(leistungenJSON) }

// Parse parses a catalog document and checks it.
func Parse(b []byte) (*Catalog, error) {
	var c Catalog
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c.byKey = map[string]*Leistung{}
	for _, l := range c.Leistungen {
		if len(l.Key) != 14 || strings.Trim(l.Key, "0123456789") != "" || !strings.HasPrefix(l.Key, "99") {
			return nil, fmt.Errorf("catalog: %q is not a 14-digit Leistungsschlüssel", l.Key)
		}
		if c.byKey[l.Key] != nil {
			return nil, fmt.Errorf("catalog: %s twice", l.Key)
		}
		if l.Name.De == "" || l.Name.En == "" {
			return nil, fmt.Errorf("catalog: %s needs a German and an English name", l.Key)
		}
		switch l.Kind {
		case KindOnline:
			if l.Form == "" || l.ReferencePrefix == "" || (l.Procedure != "gewerbe" && l.Procedure != "form") {
				return nil, fmt.Errorf("catalog: online service %s needs form, procedure and referencePrefix", l.Key)
			}
		case KindInformation, KindExtern:
		default:
			return nil, fmt.Errorf("catalog: %s has unknown kind %q", l.Key, l.Kind)
		}
		parts := append([]string{l.Name.De, l.Name.En, l.Description.De, l.Description.En}, l.Synonyms...)
		l.search = " " + Normalize(strings.Join(parts, " ")) + " "
		c.byKey[l.Key] = l
	}
	for _, ll := range c.Lebenslagen {
		for _, k := range ll.Keys {
			if c.byKey[k] == nil {
				return nil, fmt.Errorf("catalog: Lebenslage %s names unknown service %s", ll.ID, k)
			}
		}
	}
	return &c, nil
}

// Get returns the service with the key.
func (c *Catalog) Get(key string) (*Leistung, bool) {
	l, ok := c.byKey[key]
	return l, ok
}

// Lebenslage returns the bundle with the id.
func (c *Catalog) Lebenslage(id string) (Lebenslage, bool) {
	for _, l := range c.Lebenslagen {
		if l.ID == id {
			return l, true
		}
	}
	return Lebenslage{}, false
}

// nearWord reports whether text (normalised, words separated by spaces) has a word that
// begins with w misspelt once: one letter wrong, missing or extra, or two neighbours swapped.
func nearWord(text, w string) bool {
	for _, word := range strings.Fields(text) {
		for _, n := range []int{len(w) - 1, len(w), len(w) + 1} {
			if n > 0 && n <= len(word) && oneEdit(word[:n], w) {
				return true
			}
		}
	}
	return false
}

// oneEdit reports whether a and b (ASCII after Normalize, mostly) differ by exactly one edit
// of the kinds nearWord names.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		diff := -1
		for i := 0; i < la; i++ {
			if a[i] != b[i] {
				if diff >= 0 {
					// a second difference: only a swap of neighbours is one edit
					return i == diff+1 && a[diff] == b[i] && a[i] == b[diff] && a[i+1:] == b[i+1:]
				}
				diff = i
			}
		}
		return true
	case la == lb+1:
		a, b = b, a
		fallthrough
	case lb == la+1:
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				return a[i:] == b[i+1:]
			}
		}
		return true
	}
	return false
}

// Normalize folds text for search: lower case, umlauts and ß spelled out (ä → ae), accents
// removed, punctuation to spaces. "Gewerbeschein", "GEWERBESCHEIN" and "gewerbe-schein" meet.
func Normalize(s string) string {
	s = strings.ToLower(s)
	s = umlauts.Replace(s)
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// umlauts transcribes the German umlauts and ß (built once: a Replacer is costly to make).
var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")

// Search returns the services matching every word of q (as a word prefix or, for words of at
// least four letters, anywhere inside a word, so "schein" finds "Gewerbeschein"; a word of at
// least five letters also with one letter wrong, missing, extra or two swapped, so "Gewrbe"
// finds "Gewerbe"), best first: name matches before synonym or description matches, exact
// before misspelt. An empty query returns all services; a query of punctuation alone ("%")
// none.
func (c *Catalog) Search(q string) []*Leistung {
	words := strings.Fields(Normalize(q))
	if len(words) == 0 && strings.TrimSpace(q) != "" {
		return nil
	}
	type hit struct {
		l     *Leistung
		score int
	}
	var hits []hit
	for i, l := range c.Leistungen {
		score := 0
		ok := true
		name := " " + Normalize(l.Name.De+" "+l.Name.En) + " "
		for _, w := range words {
			switch {
			case strings.Contains(name, " "+w):
				score += 10
			case strings.Contains(l.search, " "+w):
				score += 5
			case len(w) >= 4 && strings.Contains(l.search, w):
				score += 2
			case len(w) >= 5 && nearWord(l.search, w):
				score++
			default:
				ok = false
			}
		}
		if ok {
			hits = append(hits, hit{l, score*1000 - i})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]*Leistung, len(hits))
	for i, h := range hits {
		out[i] = h.l
	}
	return out
}
