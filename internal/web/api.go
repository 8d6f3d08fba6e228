package web

import (
	"net/http"

	"github.com/rathaus-egov/rathaus/internal/tenant"
)

type apiTenant struct {
	AGS   string   `json:"ags"`
	Name  string   `json:"name"`
	Kreis string   `json:"kreis"`
	PLZ   []string `json:"plz"`
}

type apiTenantDetail struct {
	apiTenant
	Einwohner int             `json:"einwohner"`
	Offices   []tenant.Office `json:"offices"`
	// Gewerbeamt is the office that handles business registrations for this municipality,
	// following a delegation to another municipality where one is set.
	Gewerbeamt *tenant.Office `json:"gewerbeamt,omitempty"`
}

func (s *Server) apiTenants(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.DB.ListTenants(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiTenant, len(ts))
	for i, t := range ts {
		out[i] = apiTenant{AGS: t.AGS, Name: t.Name, Kreis: t.Kreis, PLZ: t.PLZ}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "tenants": out})
}

func (s *Server) apiTenant(w http.ResponseWriter, r *http.Request) error {
	ags := r.PathValue("ags")
	if !tenant.ValidAGS(ags) {
		return errNotFound
	}
	ctx := r.Context()
	t, err := s.DB.GetTenant(ctx, ags)
	if err != nil {
		return err
	}
	offices, err := s.DB.ListOffices(ctx, ags)
	if err != nil {
		return err
	}
	d := apiTenantDetail{apiTenant: apiTenant{AGS: t.AGS, Name: t.Name, Kreis: t.Kreis, PLZ: t.PLZ}, Einwohner: t.Einwohner, Offices: offices}
	if o, err := s.DB.ResponsibleOffice(ctx, ags, tenant.OfficeGewerbeamt); err == nil {
		d.Gewerbeamt = &o
	}
	return writeJSON(w, http.StatusOK, d)
}
