package web

import (
	"net/http"
	"strings"
)

type homeData struct {
	Municipalities int
	Services       []serviceLink
}

type serviceLink struct {
	TitleKey, DescKey, Href string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	n, err := s.DB.CountTenants(r.Context())
	if err != nil {
		return err
	}
	d := homeData{Municipalities: n, Services: []serviceLink{
		{"service.gewerbe_an", "service.gewerbe_an_d", "/leistungen/99050012104000"},
		{"service.gewerbe_um", "service.gewerbe_um_d", "/leistungen/99050012105000"},
		{"service.gewerbe_ab", "service.gewerbe_ab_d", "/leistungen/99050012106000"},
		{"service.hund", "service.hund_d", "/leistungen/99024005000000"},
	}}
	return s.render(w, r, http.StatusOK, "home", s.page(r, "home.title", d))
}

func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	b, ok := s.static[name]
	if !ok {
		return errNotFound
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, err := w.Write(b)
	return err
}

// infoPage serves one of the static information pages (accessibility statement, easy
// language, imprint, privacy); their text lives in the templates per language.
func (s *Server) infoPage(name string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.render(w, r, http.StatusOK, name, s.page(r, name+".title", nil))
	}
}
