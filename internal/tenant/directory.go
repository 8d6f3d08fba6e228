package tenant

import (
	"strings"

	"github.com/rathaus-egov/rathaus/internal/catalog"
)

// Directory is an in-memory index of the municipalities for lookups on the hot path
// (validation of every submission): by AGS, by postal code and by place name. It implements
// gewerbe.GemeindeLookup and gewerbe.OrtResolver.
type Directory struct {
	byAGS map[string]*Tenant
	byPLZ map[string][]string
	byOrt map[string][]string
}

// NewDirectory indexes the tenants.
func NewDirectory(ts []Tenant) *Directory {
	d := &Directory{byAGS: map[string]*Tenant{}, byPLZ: map[string][]string{}, byOrt: map[string][]string{}}
	for i := range ts {
		t := &ts[i]
		d.byAGS[t.AGS] = t
		for _, p := range t.PLZ {
			d.byPLZ[p] = append(d.byPLZ[p], t.AGS)
		}
		k := strings.ToLower(ShortName(t.Name))
		d.byOrt[k] = append(d.byOrt[k], t.AGS)
	}
	return d
}

// Get returns the tenant with the AGS.
func (d *Directory) Get(ags string) (*Tenant, bool) {
	t, ok := d.byAGS[ags]
	return t, ok
}

// Served reports whether the platform serves the municipality.
func (d *Directory) Served(ags string) bool { _, ok := d.byAGS[ags]; return ok }

// PLZOf returns the municipality's postal codes.
func (d *Directory) PLZOf(ags string) []string {
	if t, ok := d.byAGS[ags]; ok {
		return t.PLZ
	}
	return nil
}

// AGSForPLZ returns the municipalities a postal code belongs to.
func (d *Directory) AGSForPLZ(plz string) []string { return d.byPLZ[strings.TrimSpace(plz)] }

// KnowsPLZRegion reports whether any municipality of the directory has a postal code in the
// region of plz (its first two digits, the Leitregion).
func (d *Directory) KnowsPLZRegion(plz string) bool {
	plz = strings.TrimSpace(plz)
	if len(plz) < 2 {
		return false
	}
	for code := range d.byPLZ {
		if strings.HasPrefix(code, plz[:2]) {
			return true
		}
	}
	return false
}

// AGSForOrt returns the municipalities whose short name is ort (case-insensitive), also when
// ort adds to it what people write after a municipality's name: the official suffix
// ("Leipzig, Stadt"), a district ("Leipzig-Gohlis", "Dresden Klotzsche") or a region
// ("Leipzig (Sachsen)").
func (d *Directory) AGSForOrt(ort string) []string {
	o := strings.ToLower(strings.TrimSpace(ort))
	if as := d.byOrt[o]; len(as) > 0 {
		return as
	}
	if i := strings.IndexAny(o, ",(-/ "); i > 0 {
		return d.byOrt[strings.TrimSpace(o[:i])]
	}
	return nil
}

// Search finds municipalities by postal code or name, larger municipalities first, at most
// limit; more reports whether there were more. A five-digit postal code anywhere in q selects
// its municipalities ("01067 Dresden" too; the other words then narrow them); otherwise every
// word of q must begin a word of the name, ignoring case, umlauts written out (ae, oe, ue),
// ß as ss and the words "Stadt", "Kurort", "Gemeinde" ("Dresden Stadt", "Weissenberg",
// "Kurort Oberwiesenthal").
func (d *Directory) Search(q string, limit int) (out []*Tenant, more bool) {
	var plz string
	var words []string
	for _, w := range strings.Fields(q) {
		if len(w) == 5 && strings.Trim(w, "0123456789") == "" && plz == "" {
			plz = w
			continue
		}
		for _, f := range strings.Fields(foldName(w)) {
			if !fillerWords[f] {
				words = append(words, f)
			}
		}
	}
	if plz == "" && len(words) == 0 {
		return nil, false
	}
	candidates := d.byAGS
	if plz != "" {
		candidates = map[string]*Tenant{}
		for _, a := range d.byPLZ[plz] {
			candidates[a] = d.byAGS[a]
		}
	}
	for _, t := range candidates {
		if nameHas(foldName(t.Name), words) {
			out = append(out, t)
		}
	}
	sortByPopulation(out)
	if len(out) > limit {
		return out[:limit], true
	}
	return out, false
}

// fillerWords are words of official names people leave out or put elsewhere.
var fillerWords = map[string]bool{"stadt": true, "kurort": true, "gemeinde": true}

// foldName folds a name for matching like the service search (catalog.Normalize): lower
// case, umlauts written out, ß as ss, accents removed, punctuation a space ("Weißenberg /
// Wóspork, Stadt" → "weissenberg wospork stadt").
func foldName(s string) string { return catalog.Normalize(s) }

// nameHas reports whether every word begins a word of the folded name other than the filler
// words ("S" does not find every "…, Stadt").
func nameHas(name string, words []string) bool {
	var nw []string
	for _, x := range strings.Fields(name) {
		if !fillerWords[x] {
			nw = append(nw, x)
		}
	}
	for _, w := range words {
		found := false
		for _, x := range nw {
			if strings.HasPrefix(x, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sortByPopulation(ts []*Tenant) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && (ts[j].Einwohner > ts[j-1].Einwohner || (ts[j].Einwohner == ts[j-1].Einwohner && ts[j].AGS < ts[j-1].AGS)); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}
