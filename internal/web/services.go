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
	if v, ok := av[l.Key]; ok {
		return catalog.Kind(v), nil
	}
	return l.Kind, nil
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

// searchCacheSize bounds the queries whose results section is kept (searchHTML); when it is
// reached the cache starts over, so odd queries cannot grow it.
const searchCacheSize = 1024

// searchHTML returns the results section of the services page for query q in lang. The
// catalog does not change while the server runs, so the section is rendered once per
// language and query and kept (up to searchCacheSize queries).
func (s *Server) searchHTML(lang, q string) (template.HTML, error) {
	key := lang + "\x00" + q
	s.searchMu.Lock()
	h, ok := s.searchCache[key]
	s.searchMu.Unlock()
	if ok {
		return h, nil
	}
	h, err := s.renderPart(lang, "results", s.Catalog.Search(q))
	if err != nil {
		return "", err
	}
	s.searchMu.Lock()
	if s.searchCache == nil || len(s.searchCache) >= searchCacheSize {
		s.searchCache = map[string]template.HTML{}
	}
	s.searchCache[key] = h
	s.searchMu.Unlock()
	return h, nil
}

// renderPart renders a template defined in the services page in lang; html/template has
// escaped it.
func (s *Server) renderPart(lang, name string, data any) (template.HTML, error) {
	t, ok := s.pages[lang]["services"]
	if !ok {
		return "", errors.New("unknown template services")
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// lebenslagenHTML returns the life events section of the services page in lang, rendered
// once per language: the catalog does not change while the server runs, and the section —
// some fifty links, each with three calls html/template makes by reflection plus its
// escapers — was most of the page's cost.
func (s *Server) lebenslagenHTML(lang string) (template.HTML, error) {
	if h, ok := s.lebenslagenCache.Load(lang); ok {
		return h.(template.HTML), nil
	}
	h, err := s.renderPart(lang, "lebenslagen", s.lebenslagen())
	if err != nil {
		return "", err
	}
	s.lebenslagenCache.Store(lang, h)
	return h, nil
}

func (s *Server) servicesSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	ll, err := s.lebenslagenHTML(state(r).lang)
	if err != nil {
		return err
	}
	d := servicesPage{Query: q, Lebenslagen: ll}
	if q != "" {
		if d.Results, err = s.searchHTML(state(r).lang, q); err != nil {
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
}

func (s *Server) serviceDetail(w http.ResponseWriter, r *http.Request) error {
	l, ok := s.Catalog.Get(r.PathValue("key"))
	if !ok {
		return errNotFound
	}
	d := servicePage{L: l, Ort: strings.TrimSpace(r.URL.Query().Get("ort"))}
	if len(d.Ort) > 100 {
		d.Ort = d.Ort[:100]
	}
	if d.Ort != "" {
		d.Searched = true
		for _, t := range s.Directory.Search(d.Ort, 10) {
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
