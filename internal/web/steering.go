package web

import (
	"context"
	"net/http"
	"sort"

	"github.com/rathaus-egov/rathaus/internal/catalog"
)

// The steering view ("E-Government-Karte"): which municipality offers which online service,
// aggregated per district, with the municipalities of one district on request. Public, like
// the OZG dashboard: it shows offers, no personal data.

type steeringService struct {
	Key, Name string
}

type steeringRow struct {
	Name, Kreis, AGS string
	Municipalities   int
	Population       int
	Online           []int          // per service: municipalities offering it online
	Status           []catalog.Kind // per service, only for municipality rows
}

type steeringData struct {
	Services  []steeringService
	Districts []steeringRow
	Kreis     string
	Members   []steeringRow
	Total     steeringRow
}

// availabilityMatrix returns the online services and, per municipality, how it offers each.
func (s *Server) availabilityMatrix(ctx context.Context, lang string) ([]*catalog.Leistung, map[string][]catalog.Kind, error) {
	var svcs []*catalog.Leistung
	for _, l := range s.Catalog.Leistungen {
		if l.Kind == catalog.KindOnline {
			svcs = append(svcs, l)
		}
	}
	all, err := s.DB.AllAvailability(ctx)
	if err != nil {
		return nil, nil, err
	}
	ts, err := s.DB.ListTenants(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string][]catalog.Kind, len(ts))
	for _, t := range ts {
		ks := make([]catalog.Kind, len(svcs))
		for i, l := range svcs {
			ks[i] = l.Kind
			if v, ok := all[t.AGS][l.Key]; ok {
				ks[i] = catalog.Kind(v)
			}
		}
		out[t.AGS] = ks
	}
	return svcs, out, nil
}

func (s *Server) steering(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := state(r).lang
	svcs, matrix, err := s.availabilityMatrix(ctx, lang)
	if err != nil {
		return err
	}
	ts, err := s.DB.ListTenants(ctx)
	if err != nil {
		return err
	}
	d := steeringData{Kreis: r.URL.Query().Get("kreis")}
	for _, l := range svcs {
		d.Services = append(d.Services, steeringService{Key: l.Key, Name: l.Name.In(lang)})
	}
	byKreis := map[string]*steeringRow{}
	d.Total = steeringRow{Name: T(lang, "steering.total"), Online: make([]int, len(svcs))}
	for _, t := range ts {
		row := byKreis[t.Kreis]
		if row == nil {
			row = &steeringRow{Name: t.Kreis, Kreis: t.Kreis, Online: make([]int, len(svcs))}
			byKreis[t.Kreis] = row
		}
		row.Municipalities++
		row.Population += t.Einwohner
		d.Total.Municipalities++
		d.Total.Population += t.Einwohner
		for i, k := range matrix[t.AGS] {
			if k == catalog.KindOnline {
				row.Online[i]++
				d.Total.Online[i]++
			}
		}
		if t.Kreis == d.Kreis {
			d.Members = append(d.Members, steeringRow{Name: t.Name, AGS: t.AGS, Population: t.Einwohner, Status: matrix[t.AGS]})
		}
	}
	for _, row := range byKreis {
		d.Districts = append(d.Districts, *row)
	}
	sort.Slice(d.Districts, func(i, j int) bool { return d.Districts[i].Name < d.Districts[j].Name })
	if d.Kreis != "" && len(d.Members) == 0 {
		return errNotFound
	}
	return s.render(w, r, http.StatusOK, "steering", s.page(r, "steering.title", d))
}

type apiAvailability struct {
	AGS          string            `json:"ags"`
	Name         string            `json:"name"`
	Kreis        string            `json:"kreis"`
	Availability map[string]string `json:"availability"`
}

func (s *Server) apiAvailability(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	svcs, matrix, err := s.availabilityMatrix(ctx, "de")
	if err != nil {
		return err
	}
	ts, err := s.DB.ListTenants(ctx)
	if err != nil {
		return err
	}
	keys := make([]string, len(svcs))
	for i, l := range svcs {
		keys[i] = l.Key
	}
	out := make([]apiAvailability, 0, len(ts))
	for _, t := range ts {
		a := apiAvailability{AGS: t.AGS, Name: t.Name, Kreis: t.Kreis, Availability: map[string]string{}}
		for i, k := range matrix[t.AGS] {
			a.Availability[keys[i]] = string(k)
		}
		out = append(out, a)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return writeJSON(w, http.StatusOK, map[string]any{"services": keys, "count": len(out), "municipalities": out})
}
