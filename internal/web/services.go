package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// availability says how the municipality offers the service: the municipality's own setting,
// else the catalog's kind.
func (s *Server) availability(r *http.Request, ags string, l *catalog.Leistung) (catalog.Kind, error) {
	return s.availabilityIn(r.Context(), ags, l)
}

func (s *Server) availabilityIn(ctx context.Context, ags string, l *catalog.Leistung) (catalog.Kind, error) {
	if ags == "" {
		return l.Kind, nil
	}
	av, err := s.DB.Availability(ctx, ags)
	if err != nil {
		return "", err
	}
	return kindIn(l, av[l.Key]), nil
}

// kindIn is how a municipality offers l given its own setting (status; "" where it has none
// and follows the catalog).
func kindIn(l *catalog.Leistung, status string) catalog.Kind {
	if status != "" {
		return catalog.Kind(status)
	}
	return l.Kind
}

type apiService struct {
	Leistung          string   `json:"leistung"`
	Name              string   `json:"name"`
	NameEN            string   `json:"nameEn"`
	Description       string   `json:"description"`
	Kind              string   `json:"kind"`
	Art               string   `json:"art,omitempty"`
	Form              string   `json:"form,omitempty"`
	OfficeKind        string   `json:"officeKind,omitempty"`
	LegalBasis        string   `json:"legalBasis"`
	RequiredDocuments []string `json:"requiredDocuments"`
	Fee               string   `json:"fee,omitempty"`
	OZGReifegrad      int      `json:"ozgReifegrad"`
	Availability      string   `json:"availability,omitempty"`
	URL               string   `json:"url"`
}

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	ags := r.URL.Query().Get("ags")
	if ags != "" {
		if _, ok := s.Directory.Get(ags); !ok {
			return errNotFound
		}
	}
	out := []apiService{}
	for _, l := range s.Catalog.Search(q) {
		a := apiService{Leistung: l.Key, Name: l.Name.De, NameEN: l.Name.En, Description: l.Description.De, Kind: string(l.Kind), Art: l.Art, Form: l.Form,
			OfficeKind: l.OfficeKind, LegalBasis: l.LegalBasis, RequiredDocuments: l.RequiredDocuments.In("de"), Fee: l.Fee.De, OZGReifegrad: l.OZGReifegrad,
			URL: "/leistungen/" + l.Key}
		if a.RequiredDocuments == nil {
			a.RequiredDocuments = []string{}
		}
		if ags != "" {
			k, err := s.availability(r, ags, l)
			if err != nil {
				return err
			}
			a.Availability = string(k)
		}
		out = append(out, a)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "services": out})
}

type servicesPage struct {
	Query       string
	Results     template.HTML // the results section of Query
	Lebenslagen template.HTML // the life events section, the same for every request of a language
}

type lebenslageView struct {
	catalog.Lebenslage
	Leistungen []*catalog.Leistung
}

func (s *Server) lebenslagen() []lebenslageView {
	var out []lebenslageView
	for _, ll := range s.Catalog.Lebenslagen {
		v := lebenslageView{Lebenslage: ll}
		for _, k := range ll.Keys {
			l, _ := s.Catalog.Get(k)
			v.Leistungen = append(v.Leistungen, l)
		}
		out = append(out, v)
	}
	return out
}

// partCacheSize bounds the rendered parts of the services page that are kept (servicesPart):
// the life events section per language and the results section per language and query.
// When it is reached the cache starts over, so odd queries cannot grow it.
const partCacheSize = 1024

// servicesPart returns the part name of the services page ("lebenslagen", "results") in
// lang for key, rendering it from data() the first time. The catalog does not change while
// the server runs, so a rendered part stays right; the life events section — some fifty
// links, each with reflective template calls and escapers — and the results were most of
// the page's cost.
func (s *Server) servicesPart(lang, name, key string, data func() any) (template.HTML, error) {
	k := lang + "\x00" + name + "\x00" + key
	s.partMu.Lock()
	h, ok := s.partCache[k]
	s.partMu.Unlock()
	if ok {
		return h, nil
	}
	t, ok := s.pages[lang]["services"]
	if !ok {
		return "", errors.New("unknown template services")
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data()); err != nil {
		return "", err
	}
	h = template.HTML(b.String()) // html/template escaped it
	s.partMu.Lock()
	if s.partCache == nil || len(s.partCache) >= partCacheSize {
		s.partCache = map[string]template.HTML{}
	}
	s.partCache[k] = h
	s.partMu.Unlock()
	return h, nil
}

func (s *Server) servicesSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		// Cut at a character boundary: a cut inside a character left an invalid byte.
		q = strings.ToValidUTF8(q[:200], "")
	}
	lang := state(r).lang
	ll, err := s.servicesPart(lang, "lebenslagen", "", func() any { return s.lebenslagen() })
	if err != nil {
		return err
	}
	d := servicesPage{Query: q, Lebenslagen: ll}
	if q != "" {
		if d.Results, err = s.servicesPart(lang, "results", q, func() any { return s.Catalog.Search(q) }); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "services", s.page(r, "services.title", d))
}

type officeMatch struct {
	Tenant    *tenant.Tenant
	Office    tenant.Office
	Delegated bool
	Kind      catalog.Kind
	StartURL  string
}

type servicePage struct {
	L        *catalog.Leistung
	Ort      string
	Matches  []officeMatch
	Searched bool
	More     bool // more municipalities matched than are shown
}

func (s *Server) serviceDetail(w http.ResponseWriter, r *http.Request) error {
	l, ok := s.Catalog.Get(r.PathValue("key"))
	if !ok {
		return errNotFound
	}
	d := servicePage{L: l, Ort: strings.TrimSpace(r.URL.Query().Get("ort"))}
	if len(d.Ort) > 100 {
		d.Ort = strings.ToValidUTF8(d.Ort[:100], "")
	}
	if d.Ort != "" {
		d.Searched = true
		found, more := s.Directory.Search(d.Ort, 10)
		d.More = more
		for _, t := range found {
			m := officeMatch{Tenant: t}
			var err error
			if l.OfficeKind != "" {
				off, e := s.responsibleOffice(r.Context(), t.AGS, l)
				if e == nil {
					m.Office, err = s.DB.GetOffice(r.Context(), off.TenantAGS, off.ID)
					if err != nil {
						return err
					}
					m.Delegated = off.TenantAGS != t.AGS
				}
			}
			if m.Kind, err = s.availability(r, t.AGS, l); err != nil {
				return err
			}
			if m.Kind == catalog.KindOnline {
				m.StartURL = "/antrag/neu?leistung=" + l.Key + "&ags=" + t.AGS
			}
			d.Matches = append(d.Matches, m)
		}
	}
	p := s.page(r, "", d)
	p.TitleText = l.Name.In(p.Lang)
	return s.render(w, r, http.StatusOK, "service", p)
}
