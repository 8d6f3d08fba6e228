package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/wz"
)

// plzResolver adapts the tenant directory to form.PLZResolver: a postal code resolves to the
// municipalities the platform serves, and only to those.
type plzResolver struct{ dir *tenant.Directory }

func (p plzResolver) Resolve(plz string) []form.Gemeinde {
	var out []form.Gemeinde
	for _, ags := range p.dir.AGSForPLZ(plz) {
		if t, ok := p.dir.Get(ags); ok {
			out = append(out, form.Gemeinde{AGS: t.AGS, Name: t.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// wzLookup adapts the WZ 2008 catalog to form.WZLookup: only classes and subclasses count,
// since a Gewerbeanzeige keys its activity at that level.
type wzLookup struct{ c *wz.Catalog }

func (w wzLookup) Lookup(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if !w.c.IsClassOrSubclass(code) {
		return "", false
	}
	e, ok := w.c.Lookup(code)
	return e.Title, ok
}

func (w wzLookup) Search(q string, limit int) []form.WZEntry {
	var out []form.WZEntry
	for _, e := range w.c.Search(q, 0) {
		if !w.c.IsClassOrSubclass(e.Code) {
			continue
		}
		out = append(out, form.WZEntry{Code: e.Code, Title: e.Title})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// formEnv is the environment of every form operation of a request: the injected clock, the
// look-ups, and the account data for prefill.
func (s *Server) formEnv(r *http.Request) form.Env {
	env := form.Env{Today: s.Now(), PLZ: plzResolver{s.Directory}, WZ: wzLookup{s.WZ}}
	if u := state(r).user; u != nil {
		env.Prefill = accountPrefill(u)
	}
	return env
}

// accountPrefill maps the account's data to the prefill keys of the form definitions. The
// account keeps one name; its last word is taken as the family name.
func accountPrefill(u *identity.User) map[string]string {
	m := map[string]string{"account.email": u.Email}
	name := strings.Fields(u.Name)
	if len(name) > 0 && !strings.Contains(u.Name, "@") {
		m["account.familienname"] = name[len(name)-1]
		m["account.vornamen"] = strings.Join(name[:len(name)-1], " ")
	}
	return m
}
