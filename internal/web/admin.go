package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// canSeeTenant: platform admins see every tenant, staff only their own. Everything else is
// answered with 404, never 403, so another municipality's data does not even leak its
// existence through the status code.
func canSeeTenant(u *identity.User, ags string) bool {
	return u != nil && (u.Kind == identity.KindAdmin || u.IsStaffOf(ags))
}

type staffData struct {
	Tenants []tenant.Tenant
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) error {
	u := state(r).user
	var d staffData
	for _, ags := range u.Tenants() {
		t, err := s.DB.GetTenant(r.Context(), ags)
		if err != nil {
			return err
		}
		d.Tenants = append(d.Tenants, t)
	}
	return s.render(w, r, http.StatusOK, "staff", s.page(r, "staff.title", d))
}

type tenantsData struct {
	Query   string
	Tenants []tenant.Tenant
}

func (s *Server) adminTenants(w http.ResponseWriter, r *http.Request) error {
	u := state(r).user
	all, err := s.DB.ListTenants(r.Context())
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	lq := strings.ToLower(q)
	d := tenantsData{Query: q}
	for _, t := range all {
		if !canSeeTenant(u, t.AGS) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(t.Name), lq) && !strings.HasPrefix(t.AGS, q) && !containsPrefix(t.PLZ, q) {
			continue
		}
		d.Tenants = append(d.Tenants, t)
	}
	return s.render(w, r, http.StatusOK, "admin_tenants", s.page(r, "admin.title", d))
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

type tenantData struct {
	Tenant      tenant.Tenant
	Offices     []tenant.Office
	DelegateAGS string
	Delegate    string
	CanEdit     bool
	IsAdmin     bool
	Audit       []audit.Entry
	Services    []serviceAvailability
}

// serviceAvailability is one row of the "Leistungen in dieser Gemeinde" form: how the
// municipality offers a service that can be filed online here.
type serviceAvailability struct {
	Key, Name string
	Kind      catalog.Kind
}

// availabilityKinds are the choices a municipality has for an online-capable service.
var availabilityKinds = []catalog.Kind{catalog.KindOnline, catalog.KindInformation, catalog.KindNotOffered}

func (s *Server) tenantData(r *http.Request, ags string) (*tenantData, error) {
	u := state(r).user
	if !canSeeTenant(u, ags) {
		return nil, errNotFound
	}
	ctx := r.Context()
	t, err := s.DB.GetTenant(ctx, ags)
	if err != nil {
		return nil, err
	}
	offices, err := s.DB.ListOffices(ctx, ags)
	if err != nil {
		return nil, err
	}
	d := &tenantData{Tenant: t, Offices: offices, CanEdit: u.TenantAdminOf(ags), IsAdmin: u.Kind == identity.KindAdmin}
	if dg, err := s.DB.Delegate(ctx, ags, tenant.OfficeGewerbeamt); err == nil && dg != ags {
		d.DelegateAGS = dg
		if dt, err := s.DB.GetTenant(ctx, dg); err == nil {
			d.Delegate = dt.Name
		}
	}
	if d.CanEdit {
		d.Audit, _ = s.DB.ListAudit(ctx, ags, 20)
	}
	for _, l := range s.Catalog.Leistungen {
		if l.Kind != catalog.KindOnline {
			continue
		}
		k, err := s.availabilityIn(ctx, ags, l)
		if err != nil {
			return nil, err
		}
		d.Services = append(d.Services, serviceAvailability{Key: l.Key, Name: l.Name.In(state(r).lang), Kind: k})
	}
	return d, nil
}

// editableTenant loads the tenant page data for a change: 404 for another municipality, 403
// for staff without the tenant admin role.
func (s *Server) editableTenant(r *http.Request, ags string) (*tenantData, error) {
	d, err := s.tenantData(r, ags)
	if err != nil {
		return nil, err
	}
	if !d.CanEdit {
		return nil, errForbiddenErr
	}
	return d, nil
}

func (s *Server) adminTenant(w http.ResponseWriter, r *http.Request) error {
	d, err := s.tenantData(r, r.PathValue("ags"))
	if err != nil {
		return err
	}
	p := s.page(r, "", d)
	p.TitleText = d.Tenant.Name
	if r.URL.Query().Get("gespeichert") != "" {
		p.Flash = T(p.Lang, "account.saved")
	}
	return s.render(w, r, http.StatusOK, "admin_tenant", p)
}

func (s *Server) rerenderTenant(w http.ResponseWriter, r *http.Request, d *tenantData, errs []apperr.FieldError) error {
	p := s.page(r, "", d)
	p.TitleText = d.Tenant.Name
	p.Errors, p.Form = errs, r.PostForm
	return s.render(w, r, http.StatusUnprocessableEntity, "admin_tenant", p)
}

func (s *Server) adminOfficeSave(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ags := r.PathValue("ags")
	d, err := s.editableTenant(r, ags)
	if err != nil {
		return err
	}
	ctx := r.Context()
	o, err := s.DB.GetOffice(ctx, ags, r.PathValue("id"))
	if err != nil {
		return err
	}
	o.Name, o.Strasse, o.PLZ, o.Ort = r.PostFormValue("name"), r.PostFormValue("strasse"), r.PostFormValue("plz"), r.PostFormValue("ort")
	o.Email, o.Telefon, o.Oeffnungszeiten = r.PostFormValue("email"), r.PostFormValue("telefon"), r.PostFormValue("oeffnungszeiten")
	if errs := o.Validate(); len(errs) > 0 {
		for i := range errs {
			errs[i].Pointer = o.ID + "." + errs[i].Pointer
		}
		return s.rerenderTenant(w, r, d, errs)
	}
	if err := s.DB.SaveOffice(ctx, &o, s.Now()); err != nil {
		return err
	}
	if err := s.DB.Audit(ctx, s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: ags, Action: "office.update", Object: "office:" + o.ID}); err != nil {
		return err
	}
	return redirect(w, r, "/verwaltung/gemeinden/"+ags+"?gespeichert=1")
}

func (s *Server) adminSettingsSave(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ags := r.PathValue("ags")
	d, err := s.editableTenant(r, ags)
	if err != nil {
		return err
	}
	set := d.Tenant.Settings
	set.Email = strings.TrimSpace(r.PostFormValue("settings_email"))
	set.Website = strings.TrimSpace(r.PostFormValue("settings_web"))
	var errs []apperr.FieldError
	if set.Email != "" && identity.ValidateEmail(strings.ToLower(set.Email)) != "" {
		errs = append(errs, apperr.FieldError{Pointer: "settings_email", Code: "email", Message: "Zentrale E-Mail-Adresse: Bitte eine gültige Adresse angeben."})
	}
	if set.Website != "" && !strings.HasPrefix(set.Website, "https://") || len(set.Website) > 300 {
		errs = append(errs, apperr.FieldError{Pointer: "settings_web", Code: "url", Message: "Internetseite: Bitte eine Adresse angeben, die mit https:// beginnt."})
	}
	if len(errs) > 0 {
		return s.rerenderTenant(w, r, d, errs)
	}
	ctx := r.Context()
	if err := s.DB.UpdateTenantSettings(ctx, ags, set, s.Now()); err != nil {
		return err
	}
	if err := s.DB.Audit(ctx, s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: ags, Action: "tenant.settings_update", Object: "tenant:" + ags}); err != nil {
		return err
	}
	return redirect(w, r, "/verwaltung/gemeinden/"+ags+"?gespeichert=1")
}

func (s *Server) adminServicesSave(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ags := r.PathValue("ags")
	d, err := s.editableTenant(r, ags)
	if err != nil {
		return err
	}
	// Validate every choice first: a bad value changes nothing.
	choice := map[string]catalog.Kind{}
	for _, sv := range d.Services {
		v := catalog.Kind(r.PostFormValue("svc_" + sv.Key))
		if v == "" {
			continue
		}
		if !slices.Contains(availabilityKinds, v) {
			return s.rerenderTenant(w, r, d, []apperr.FieldError{{Pointer: "svc_" + sv.Key, Code: "enum", Message: sv.Name + ": Bitte „online“, „nur Information“ oder „nicht angeboten“ wählen."}})
		}
		choice[sv.Key] = v
	}
	ctx := r.Context()
	now := s.Now()
	for key, v := range choice {
		if err := s.DB.SetAvailability(ctx, ags, key, string(v), now); err != nil {
			return err
		}
	}
	detail, _ := json.Marshal(choice)
	if err := s.DB.Audit(ctx, now, audit.Record{Actor: actorOf(st), TenantAGS: ags, Action: "tenant.services_update", Object: "tenant:" + ags, Detail: string(detail)}); err != nil {
		return err
	}
	return redirect(w, r, "/verwaltung/gemeinden/"+ags+"?gespeichert=1")
}

func (s *Server) adminDelegationSave(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ags := r.PathValue("ags")
	d, err := s.tenantData(r, ags)
	if err != nil {
		return err
	}
	ctx := r.Context()
	dg := strings.TrimSpace(r.PostFormValue("delegate_ags"))
	if dg != "" {
		if _, err := s.DB.GetTenant(ctx, dg); !tenant.ValidAGS(dg) || err != nil {
			return s.rerenderTenant(w, r, d, []apperr.FieldError{{Pointer: "delegate_ags", Code: "ags_unknown", Message: "AGS der ausführenden Gemeinde: Keine sächsische Gemeinde mit diesem Schlüssel (8 Ziffern, z. B. 14713000)."}})
		}
	}
	if err := s.DB.SetDelegation(ctx, ags, tenant.OfficeGewerbeamt, dg, s.Now()); err != nil {
		return err
	}
	if err := s.DB.Audit(ctx, s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: ags, Action: "tenant.delegation_update", Object: "tenant:" + ags, Detail: `{"delegate":"` + dg + `"}`}); err != nil {
		return err
	}
	return redirect(w, r, "/verwaltung/gemeinden/"+ags+"?gespeichert=1")
}
