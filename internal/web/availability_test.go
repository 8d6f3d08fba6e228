package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// TestServiceAvailability: a municipality decides per service whether it is offered online,
// as information only, or not at all; the catalog, the finder, the portal and the API follow.
func TestServiceAvailability(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		app.CreateStaff("dd@dresden.example", dresden)
		app.CreateStaff("le@leipzig.example", "14713000")
		staff := app.Client()
		staff.Login("dd@dresden.example")
		page := "/verwaltung/gemeinden/" + dresden
		if b := staff.Get(page).Body; !strings.Contains(b, `name="svc_99050012104000"`) {
			t.Fatal("no availability form on the tenant page")
		}
		// A bad value is refused and changes nothing.
		r := staff.PostForm(page, page+"/leistungen", url.Values{"svc_99050012104000": {"irgendwie"}, "svc_99024005000000": {"not_offered"}})
		if r.Status != 422 || !strings.Contains(r.Body, "Bitte „online“") {
			t.Fatalf("bad value: %d", r.Status)
		}
		if av, _ := app.DB.Availability(t.Context(), dresden); len(av) != 0 {
			t.Fatalf("a refused form changed %v", av)
		}
		r = staff.PostForm(page, page+"/leistungen", url.Values{"svc_99050012104000": {"information"}, "svc_99024005000000": {"not_offered"}})
		if r.Status != 303 {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		// Another municipality's staff cannot change Dresden's services.
		le := app.Client()
		le.Login("le@leipzig.example")
		if r := le.PostForm("/verwaltung/gemeinden/14713000", page+"/leistungen", url.Values{"svc_99050012104000": {"online"}}); r.Status != 404 {
			t.Fatalf("other municipality: %d", r.Status)
		}
		c := app.Client()
		if b := c.Get("/api/v1/services?ags=" + dresden).Body; !strings.Contains(b, `"leistung":"99050012104000"`) || !strings.Contains(b, `"availability":"information"`) || !strings.Contains(b, `"availability":"not_offered"`) {
			t.Fatalf("services API: %s", b)
		}
		if r := c.Get("/antrag/neu?leistung=99050012104000&ags=" + dresden); r.Status != 404 {
			t.Fatalf("portal offers an information-only service online: %d", r.Status)
		}
		f := c.Get("/leistungen/99050012104000?ort=01067")
		if !strings.Contains(f.Body, "nur Information") || strings.Contains(f.Body, "/antrag/neu?leistung=99050012104000&amp;ags="+dresden) {
			t.Fatal("finder still offers the online application")
		}
		tok := app.CreateToken(dresden, identity.ScopeSubmit)
		r = c.Do("POST", "/api/v1/submissions", "application/json", body("99050012104000", dresden, gewerbe.Sample("anmeldung-gmbh", app.Clock())), map[string]string{"Authorization": "Bearer " + tok})
		if r.Status != 422 || !strings.Contains(r.Body, "leistung_not_offered") {
			t.Fatalf("API accepts a service the municipality does not offer online: %d %s", r.Status, r.Body)
		}
		// The e-government map counts it.
		m := c.Get("/steuerung")
		if m.Status != 200 || !strings.Contains(m.Body, "417 von 418") || !strings.Contains(m.Body, "418 von 418") {
			t.Fatalf("steering view: %d", m.Status)
		}
		k := c.Get("/steuerung?kreis=" + url.QueryEscape("Dresden, Stadt"))
		if !strings.Contains(k.Body, "Dresden, Stadt") || !strings.Contains(k.Body, "nur Information") || !strings.Contains(k.Body, "in dieser Gemeinde nicht angeboten") {
			t.Fatal("district view does not show Dresden's choices")
		}
		if c.Get("/steuerung?kreis=Atlantis").Status != 404 {
			t.Fatal("unknown district")
		}
		if b := c.Get("/api/v1/availability").Body; !strings.Contains(b, `"ags":"14612000","name":"Dresden, Stadt","kreis":"Dresden, Stadt","availability":{"99024005000000":"not_offered","99050012104000":"information"`) {
			t.Fatalf("availability API: %.400s", b)
		}
		// Leipzig is unaffected.
		if r := c.Get("/antrag/neu?leistung=99050012104000&ags=14713000"); r.Status != 303 {
			t.Fatalf("Leipzig: %d", r.Status)
		}
	})
}

// TestSubmitFindsTheOffice: a submission goes to the office that performs the service for the
// municipality, following a delegation; without such an office it is refused and nothing is
// stored; a service the municipality does not offer online is refused as that, office or not.
func TestSubmitFindsTheOffice(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := t.Context()
		const gew = "99050012104000"
		tok := app.CreateToken(dresden, identity.ScopeSubmit)
		auth := map[string]string{"Authorization": "Bearer " + tok}
		c := app.Client()
		post := func() (int, string) {
			r := c.Do("POST", "/api/v1/submissions", "application/json", body(gew, dresden, gewerbe.Sample("anmeldung-gmbh", app.Clock())), auth)
			return r.Status, r.Body
		}
		count := func() int {
			var n int
			if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM submissions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		officeOfLast := func() string {
			var ags string
			if err := app.DB.QueryRow(ctx, `SELECT office_ags FROM submissions ORDER BY created_at DESC, id DESC LIMIT 1`).Scan(&ags); err != nil {
				t.Fatal(err)
			}
			return ags
		}
		if st, b := post(); st != 201 || officeOfLast() != dresden {
			t.Fatalf("own office: %d %s", st, b)
		}
		if err := app.DB.SetDelegation(ctx, dresden, tenant.OfficeGewerbeamt, "14713000", app.Clock()); err != nil {
			t.Fatal(err)
		}
		if st, b := post(); st != 201 || officeOfLast() != "14713000" {
			t.Fatalf("delegated to Leipzig: %d %s", st, b)
		}
		if err := app.DB.SetDelegation(ctx, dresden, tenant.OfficeGewerbeamt, "", app.Clock()); err != nil {
			t.Fatal(err)
		}
		// Dresden's Gewerbeamt stops existing (as a kind): no office for the service.
		if _, err := app.DB.Exec(ctx, `UPDATE offices SET kind = 'archiv' WHERE tenant_ags = ? AND kind = ?`, dresden, string(tenant.OfficeGewerbeamt)); err != nil {
			t.Fatal(err)
		}
		before := count()
		if st, b := post(); st != 422 || !strings.Contains(b, "no_office") {
			t.Fatalf("without an office: %d %s", st, b)
		}
		if err := app.DB.SetAvailability(ctx, dresden, gew, "not_offered", app.Clock()); err != nil {
			t.Fatal(err)
		}
		if st, b := post(); st != 422 || !strings.Contains(b, "leistung_not_offered") {
			t.Fatalf("not offered, without an office: %d %s", st, b)
		}
		if n := count(); n != before {
			t.Fatalf("refused submissions stored: %d → %d", before, n)
		}
	})
}
