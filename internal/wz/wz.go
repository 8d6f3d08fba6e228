// Package wz looks up and searches the WZ 2008 classification of economic activities
// (Klassifikation der Wirtschaftszweige, Ausgabe 2008), which a Gewerbeanzeige uses to key
// its main activity. The data is the copy shipped in internal/refdata.
package wz

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/rathaus-egov/rathaus/internal/refdata"
)

// WZ is one entry of the classification at any level: section letter (A), division (01),
// group (01.1), class (01.11) or subclass (01.11.0).
type WZ struct {
	Code  string
	Title string
}

// classOrSubclass matches the code shape of a class (47.91) or subclass (47.91.1).
var classOrSubclass = regexp.MustCompile(`^[0-9]{2}\.[0-9]{2}(\.[0-9])?$`)

// Catalog is a parsed, immutable WZ 2008 list, safe for concurrent use.
type Catalog struct {
	entries []entry        // in file order, which is code order
	byCode  map[string]int // code → index into entries
}

type entry struct {
	WZ
	digits string   // code without dots, for "4791" → 47.91
	title  string   // folded title
	words  []string // folded title words
}

var loadShipped = sync.OnceValues(func() (*Catalog, error) {
	rows, err := refdata.WZ2008()
	if err != nil {
		return nil, fmt.Errorf("wz: %w", err)
	}
	list := make([]WZ, len(rows))
	for i, r := range rows {
		list[i] = WZ{Code: r.Code, Title: r.Title}
	}
	return New(list)
})

// Load returns the catalog of the shipped WZ 2008 list. The list is parsed on the first call
// only; every call returns the same immutable catalog.
func Load() (*Catalog, error) { return loadShipped() }

// New builds a catalog from a list of entries. It fails on an empty or duplicate code.
func New(list []WZ) (*Catalog, error) {
	c := &Catalog{entries: make([]entry, 0, len(list)), byCode: make(map[string]int, len(list))}
	for i, w := range list {
		w.Code, w.Title = strings.TrimSpace(w.Code), strings.TrimSpace(w.Title)
		if w.Code == "" {
			return nil, fmt.Errorf("wz: entry %d has no code", i+1)
		}
		if _, dup := c.byCode[w.Code]; dup {
			return nil, fmt.Errorf("wz: duplicate code %q", w.Code)
		}
		title := fold(w.Title)
		c.byCode[w.Code] = len(c.entries)
		c.entries = append(c.entries, entry{
			WZ:     w,
			digits: strings.ReplaceAll(w.Code, ".", ""),
			title:  title,
			words:  splitWords(title),
		})
	}
	return c, nil
}

// Len returns the number of entries.
func (c *Catalog) Len() int { return len(c.entries) }

// Lookup returns the entry with exactly this code (e.g. "47.91.1").
func (c *Catalog) Lookup(code string) (WZ, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return WZ{}, false
	}
	return c.entries[i].WZ, true
}

// IsClassOrSubclass reports whether code is a class (47.91) or subclass (47.91.1) of the
// list. Sections, divisions and groups, and codes written without dots ("4791"), are not.
func (c *Catalog) IsClassOrSubclass(code string) bool {
	_, ok := c.byCode[code]
	return ok && classOrSubclass.MatchString(code)
}

// Search ranks entries matching q for a picker: an exact code first (dots optional, so
// "4791" finds 47.91), then entries where every query word is a prefix of the code or of a
// title word, then entries where every query word occurs somewhere in code or title. Matching
// ignores case and tolerates umlaut spellings (ä/ae, ö/oe, ü/ue, ß/ss) and a few common
// spelling variants ("Friseur" finds "Frisörsalons"). Within a rank entries keep code order.
// A limit <= 0 means no limit; an empty query finds nothing.
func (c *Catalog) Search(q string, limit int) []WZ {
	terms := queryTerms(q)
	if len(terms) == 0 {
		return nil
	}
	qCode := strings.TrimSpace(q)
	qDigits := strings.ReplaceAll(qCode, ".", "")
	type hit struct{ rank, idx int }
	var hits []hit
	for i := range c.entries {
		e := &c.entries[i]
		if e.Code == qCode || (qDigits != "" && isDigits(qDigits) && e.digits == qDigits) {
			hits = append(hits, hit{0, i})
			continue
		}
		if r := e.rank(terms); r > 0 {
			hits = append(hits, hit{r, i})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.rank, b.rank) })
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]WZ, len(hits))
	for i, h := range hits {
		out[i] = c.entries[h.idx].WZ
	}
	return out
}

// rank returns 1 when every term prefixes the code or a title word, 2 when every term at least
// occurs in code or title, 0 when some term does not occur.
func (e *entry) rank(terms [][]string) int {
	rank := 1
	for _, variants := range terms {
		best := 0
		for _, t := range variants {
			switch {
			case strings.HasPrefix(e.Code, t) || (isDigits(t) && strings.HasPrefix(e.digits, t)):
				best = 1
			case slices.ContainsFunc(e.words, func(w string) bool { return strings.HasPrefix(w, t) }):
				best = 1
			case strings.Contains(e.title, t) || strings.Contains(e.Code, t):
				if best == 0 {
					best = 2
				}
			}
			if best == 1 {
				break
			}
		}
		if best == 0 {
			return 0
		}
		rank = max(rank, best)
	}
	return rank
}

// variants maps a folded word to the spelling the WZ 2008 titles use.
var variants = map[string]string{
	"friseur":  "frisor",
	"friseure": "frisor",
	"frisur":   "frisor",
}

// queryTerms splits q into folded terms, each with its spelling variants.
func queryTerms(q string) [][]string {
	var out [][]string
	for _, f := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';'
	}) {
		t := fold(f)
		t = strings.Trim(t, "-()/")
		if t == "" {
			continue
		}
		alts := []string{t}
		for from, to := range variants {
			if strings.HasPrefix(t, from) {
				alts = append(alts, to+t[len(from):])
			}
		}
		out = append(out, alts)
	}
	return out
}

// fold lower-cases s and maps umlauts and their two-letter spellings to the plain vowel, so
// that "Frisör", "frisoer" and "FRISOR" compare equal.
func fold(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case 'ä':
			b.WriteRune('a')
		case 'ö':
			b.WriteRune('o')
		case 'ü':
			b.WriteRune('u')
		case 'ß':
			b.WriteString("ss")
		case 'a', 'o', 'u':
			b.WriteRune(r)
			if i+1 < len(rs) && rs[i+1] == 'e' {
				i++ // ae → a, oe → o, ue → u
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
