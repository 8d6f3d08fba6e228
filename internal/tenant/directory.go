package tenant

import "strings"

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

// AGSForOrt returns the municipalities whose short name is ort (case-insensitive).
func (d *Directory) AGSForOrt(ort string) []string {
	return d.byOrt[strings.ToLower(strings.TrimSpace(ort))]
}

// Search finds municipalities by postal code (exact) or name (prefix, case-insensitive),
// larger municipalities first, at most limit.
func (d *Directory) Search(q string, limit int) []*Tenant {
	q = strings.TrimSpace(q)
	var out []*Tenant
	if len(q) == 5 && strings.Trim(q, "0123456789") == "" {
		for _, a := range d.byPLZ[q] {
			out = append(out, d.byAGS[a])
		}
	} else if q != "" {
		lq := strings.ToLower(q)
		for _, t := range d.byAGS {
			n := strings.ToLower(t.Name)
			if strings.HasPrefix(n, lq) || strings.Contains(n, " "+lq) || strings.Contains(n, "-"+lq) {
				out = append(out, t)
			}
		}
	}
	sortByPopulation(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func sortByPopulation(ts []*Tenant) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && (ts[j].Einwohner > ts[j-1].Einwohner || (ts[j].Einwohner == ts[j-1].Einwohner && ts[j].AGS < ts[j-1].AGS)); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}
