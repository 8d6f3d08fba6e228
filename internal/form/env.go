package form

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// Env is what one operation on a draft may consult besides the draft: the clock, the
// municipality and WZ look-ups, and the account data used for prefill. A zero Today means
// "now" (tests and the web layer should always set it).
type Env struct {
	Today time.Time
	PLZ   PLZResolver
	WZ    WZLookup
	// Prefill holds account data under the keys fields name in their prefill attribute, e.g.
	// "account.familienname", "account.vornamen", "account.email", "account.telefon",
	// "account.geburtsdatum" (YYYY-MM-DD) and, for an address prefilled from
	// "account.anschrift", "account.anschrift.strasse", ".hausnummer", ".plz", ".ort", ".staat".
	Prefill map[string]string
}

// Gemeinde is a municipality a postal code belongs to.
type Gemeinde struct {
	AGS  string
	Name string
}

// PLZResolver finds the municipalities the platform serves that share a postal code. It
// returns nil for an unknown postal code.
type PLZResolver interface {
	Resolve(plz string) []Gemeinde
}

// WZEntry is a WZ 2008 class or subclass with its title.
type WZEntry struct {
	Code  string
	Title string
}

// WZLookup gives access to the WZ 2008 classification. Lookup reports whether code is a
// class or subclass (e.g. "47.91" or "47.91.1") and its title; Search returns at most limit
// classes or subclasses whose code or title matches q.
type WZLookup interface {
	Lookup(code string) (title string, ok bool)
	Search(q string, limit int) []WZEntry
}

// PLZTable is an in-memory PLZResolver.
type PLZTable map[string][]Gemeinde

// NewPLZTable indexes municipalities by their postal codes.
func NewPLZTable(gemeinden []Gemeinde, plz func(Gemeinde) []string) PLZTable {
	t := PLZTable{}
	for _, g := range gemeinden {
		for _, p := range plz(g) {
			t[p] = append(t[p], g)
		}
	}
	for _, gs := range t {
		sort.Slice(gs, func(i, j int) bool { return gs[i].Name < gs[j].Name })
	}
	return t
}

// Resolve implements PLZResolver.
func (t PLZTable) Resolve(plz string) []Gemeinde { return t[strings.TrimSpace(plz)] }

// WZTable is an in-memory WZLookup over the classes and subclasses of a WZ 2008 list.
type WZTable struct {
	entries []WZEntry
	byCode  map[string]string
	folded  []string
}

var wzCodeRe = regexp.MustCompile(`^[0-9]{2}\.[0-9]{2}(\.[0-9])?$`)

// NewWZTable keeps the classes (NN.NN) and subclasses (NN.NN.N) of entries, in their order.
func NewWZTable(entries []WZEntry) *WZTable {
	t := &WZTable{byCode: map[string]string{}}
	for _, e := range entries {
		if !wzCodeRe.MatchString(e.Code) {
			continue
		}
		t.entries = append(t.entries, e)
		t.byCode[e.Code] = e.Title
		t.folded = append(t.folded, fold(e.Code+" "+e.Title)+" "+foldPlain(e.Title))
	}
	return t
}

// Lookup implements WZLookup.
func (t *WZTable) Lookup(code string) (string, bool) {
	title, ok := t.byCode[strings.TrimSpace(code)]
	return title, ok
}

// Search implements WZLookup: every word of q must occur in code or title; matches on the
// code come first.
func (t *WZTable) Search(q string, limit int) []WZEntry {
	words := strings.Fields(fold(q))
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	var byCode, byTitle []WZEntry
	for i, e := range t.entries {
		ok := true
		for _, w := range words {
			if !strings.Contains(t.folded[i], w) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if strings.HasPrefix(e.Code, words[0]) {
			byCode = append(byCode, e)
		} else {
			byTitle = append(byTitle, e)
		}
	}
	out := append(byCode, byTitle...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

var foldReplacer = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")

func fold(s string) string { return foldReplacer.Replace(strings.ToLower(s)) }

var plainReplacer = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss")

// foldPlain drops the umlaut dots, so that "Fahrrad" finds "Fahrrädern" as well.
func foldPlain(s string) string { return plainReplacer.Replace(strings.ToLower(s)) }

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
