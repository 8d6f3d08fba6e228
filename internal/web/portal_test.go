package web_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/web"
)

func TestStartPageShell(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	r := c.Get("/")
	if r.Status != 200 || !strings.Contains(r.Body, `<html lang="de">`) {
		t.Fatalf("status %d", r.Status)
	}
	if n := strings.Count(r.Body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	for _, want := range []string{`class="skip-link" href="#main"`, `<main id="main"`, `href="/barrierefreiheit"`, `href="/leichte-sprache"`, `href="/impressum"`, `href="/datenschutz"`, `hreflang="en"`, `href="/anmelden"`, `href="/registrieren"`, "418 Gemeinden"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("start page lacks %s", want)
		}
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP: %s", csp)
	}
	if r.Header.Get("Referrer-Policy") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
	if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " style=") {
		t.Error("inline script or style in the page")
	}
	// English switch.
	en := c.Get("/?lang=en")
	if !strings.Contains(en.Body, `<html lang="en">`) || !strings.Contains(en.Body, "Handle public services online") {
		t.Error("English page not served")
	}
	if again := c.Get("/"); !strings.Contains(again.Body, `<html lang="en">`) {
		t.Error("language choice not kept")
	}
	// Every info page exists in both languages with one h1.
	for _, p := range []string{"/barrierefreiheit", "/leichte-sprache", "/impressum", "/datenschutz"} {
		for _, l := range []string{"de", "en"} {
			r := c.Get(p + "?lang=" + l)
			if r.Status != 200 || strings.Count(r.Body, "<h1") != 1 {
				t.Errorf("%s (%s): status %d", p, l, r.Status)
			}
		}
	}
	// Static assets have cache-busting names.
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(r.Body)
	if css == nil {
		t.Fatal("no hashed stylesheet")
	}
	if s := c.Get(css[1]); s.Status != 200 || !strings.Contains(s.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %d %s", s.Status, s.Header.Get("Cache-Control"))
	}
	if c.Get("/gibt-es-nicht").Status != 404 {
		t.Error("unknown page not 404")
	}
}

func TestTenantAPI(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		c := app.Client()
		r := c.Get("/api/v1/tenants")
		var list struct {
			Count   int `json:"count"`
			Tenants []struct {
				AGS   string   `json:"ags"`
				Name  string   `json:"name"`
				Kreis string   `json:"kreis"`
				PLZ   []string `json:"plz"`
			} `json:"tenants"`
		}
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || list.Count != 418 || len(list.Tenants) != 418 {
			t.Fatalf("tenants: %d %v", list.Count, err)
		}
		if list.Tenants[0].AGS == "" || list.Tenants[0].Kreis == "" || len(list.Tenants[0].PLZ) == 0 {
			t.Fatalf("incomplete tenant %+v", list.Tenants[0])
		}
		d := c.Get("/api/v1/tenants/14713000")
		if d.Status != 200 || !strings.Contains(d.Body, `"gewerbeamt"`) || !strings.Contains(d.Body, "Gewerbeamt Leipzig") {
			t.Fatalf("detail: %d %s", d.Status, d.Body)
		}
		for _, p := range []string{"/api/v1/tenants/99999999", "/api/v1/tenants/abc"} {
			r := c.Get(p)
			if r.Status != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", p, r.Status, r.Header.Get("Content-Type"))
			}
		}
	})
}

func TestRegistrationLoginLogout(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		c := app.Client()
		// Field errors are shown and nothing is created.
		bad := c.PostForm("/registrieren", "/registrieren", url.Values{"name": {""}, "email": {"kaputt"}, "password": {"kurz"}, "password_confirm": {"kurz"}})
		if bad.Status != 422 || !strings.Contains(bad.Body, "E-Mail-Adresse: Bitte geben Sie eine gültige Adresse an") || !strings.Contains(bad.Body, `aria-invalid="true"`) {
			t.Fatalf("invalid registration: %d", bad.Status)
		}
		if app.RunJobs() != 0 {
			t.Fatal("a mail was queued for an invalid registration")
		}
		form := url.Values{"name": {"Erika Mustermann"}, "email": {"erika@example.org"}, "password": {"ein langes Passwort"}, "password_confirm": {"ein langes Passwort"}, "privacy": {"1"}}
		r := c.PostForm("/registrieren", "/registrieren", form)
		if r.Status != 303 || r.Location != "/registrieren/gesendet" {
			t.Fatalf("register: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		// Not verified yet: log-in refused.
		lr := c.PostForm("/anmelden", "/anmelden", url.Values{"email": {"erika@example.org"}, "password": {"ein langes Passwort"}})
		if lr.Status != 403 || !strings.Contains(lr.Body, "bestätigen Sie zuerst") {
			t.Fatalf("unverified login: %d", lr.Status)
		}
		if app.RunJobs() != 1 {
			t.Fatal("no verification mail")
		}
		m, ok := app.Outbox.Last("erika@example.org")
		if !ok || !strings.Contains(m.Subject, "Bestätigen") {
			t.Fatalf("mail: %+v", m)
		}
		link := regexp.MustCompile(`http://\S+/registrieren/bestaetigen\?token=\S+`).FindString(m.Text)
		u, _ := url.Parse(link)
		if cr := c.Get(u.RequestURI()); cr.Status != 200 || !strings.Contains(cr.Body, "bestätigt") {
			t.Fatalf("confirm: %d", cr.Status)
		}
		if again := c.Get(u.RequestURI()); again.Status != 410 {
			t.Fatalf("link used twice: %d", again.Status)
		}
		// A second registration with the same address creates nothing and tells the owner.
		r2 := c.PostForm("/registrieren", "/registrieren", form)
		if r2.Status != 303 {
			t.Fatalf("duplicate registration: %d", r2.Status)
		}
		app.RunJobs()
		if m, _ := app.Outbox.Last("erika@example.org"); !strings.Contains(m.Text, "bereits ein Konto") {
			t.Fatalf("owner not told: %q", m.Text)
		}

		pre := c.Cookie("rathaus_pre")
		lr = c.PostForm("/anmelden", "/anmelden", url.Values{"email": {"Erika@Example.org"}, "password": {"ein langes Passwort"}})
		if lr.Status != 303 || lr.Location != "/konto" {
			t.Fatalf("login: %d %s", lr.Status, lr.Location)
		}
		sid := c.Cookie("rathaus_session")
		if sid == "" || sid == pre {
			t.Fatal("no fresh session id after log-in")
		}
		acc := c.Get("/konto")
		if acc.Status != 200 || !strings.Contains(acc.Body, "erika@example.org") || !strings.Contains(acc.Body, `action="/abmelden"`) {
			t.Fatalf("account: %d", acc.Status)
		}
		if exp := c.Get("/konto/export"); exp.Status != 200 || !strings.Contains(exp.Body, `"email":"erika@example.org"`) {
			t.Fatalf("export: %d %s", exp.Status, exp.Body)
		}
		// Logout invalidates the session server-side: the old cookie no longer works.
		out := c.PostForm("/konto", "/abmelden", url.Values{})
		if out.Status != 303 {
			t.Fatalf("logout: %d", out.Status)
		}
		stale := app.Client()
		u2, _ := url.Parse(app.HTTP.URL)
		stale.HTTP.Jar.SetCookies(u2, []*http.Cookie{{Name: "rathaus_session", Value: sid, Path: "/"}})
		if r := stale.Get("/konto"); r.Status != 303 || !strings.HasPrefix(r.Location, "/anmelden") {
			t.Fatalf("old session still valid: %d", r.Status)
		}
		n, err := app.DB.VerifyAudit(t.Context())
		if err != nil || n < 4 {
			t.Fatalf("audit: %d %v", n, err)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	app := apptest.NewSQLite(t)
	app.CreateUser("max@example.org", identity.KindCitizen)
	c := app.Client()
	for i := 0; i < identity.MaxLoginFailures; i++ {
		r := c.PostForm("/anmelden", "/anmelden", url.Values{"email": {"max@example.org"}, "password": {"falsch-falsch"}})
		if r.Status != 401 {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
		if i == 0 && !strings.Contains(r.Body, `class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus`) {
			t.Error("the log-in's error summary does not take the focus")
		}
	}
	r := c.PostForm("/anmelden", "/anmelden", url.Values{"email": {"max@example.org"}, "password": {apptest.Password}})
	if r.Status != 429 || !strings.Contains(r.Body, "Zu viele Fehlversuche") {
		t.Fatalf("right password after 5 failures: %d", r.Status)
	}
	app.Advance(16 * 60 * 1e9)
	c.Login("max@example.org")
}

func TestCSRFAndBadInput(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	c.Get("/")
	form := url.Values{"name": {"A"}, "email": {"a@example.org"}, "password": {"0123456789ab"}, "password_confirm": {"0123456789ab"}, "privacy": {"1"}}
	// No token.
	r := c.Do("POST", "/registrieren", "application/x-www-form-urlencoded", form.Encode(), nil)
	if r.Status != 403 || !strings.Contains(r.Body, "Formular ist abgelaufen") {
		t.Fatalf("CSRF-less POST: %d", r.Status)
	}
	// A token of another visitor.
	other := app.Client().CSRF("/registrieren")
	form.Set("csrf_token", other)
	if r := c.Do("POST", "/registrieren", "application/x-www-form-urlencoded", form.Encode(), nil); r.Status != 403 {
		t.Fatalf("foreign token: %d", r.Status)
	}
	if _, err := app.DB.UserByEmail(t.Context(), "a@example.org"); err == nil {
		t.Fatal("a CSRF-less POST created an account")
	}
	// Oversized form body.
	big := url.Values{"csrf_token": {c.CSRF("/registrieren")}, "name": {strings.Repeat("x", web.MaxFormBody)}}
	if r := c.Do("POST", "/registrieren", "application/x-www-form-urlencoded", big.Encode(), nil); r.Status != 413 {
		t.Fatalf("oversized body: %d", r.Status)
	}
	if app.RunJobs() != 0 {
		t.Fatal("bad input queued a mail")
	}
}

func TestTenantIsolation(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		app.CreateStaff("le@leipzig.example", "14713000")
		app.CreateUser("admin@example.org", identity.KindAdmin)
		app.CreateUser("buerger@example.org", identity.KindCitizen)
		le := app.Client()
		le.Login("le@leipzig.example")
		offices, _ := app.DB.ListOffices(t.Context(), "14612000")
		dresdenOffice := offices[0].ID
		if r := le.Get("/verwaltung/gemeinden/14713000"); r.Status != 200 || !strings.Contains(r.Body, "Gewerbeamt Leipzig") {
			t.Fatalf("own tenant: %d", r.Status)
		}
		for _, p := range []string{"/verwaltung/gemeinden/14612000", "/verwaltung/gemeinden/99999999"} {
			if r := le.Get(p); r.Status != 404 || strings.Contains(r.Body, "Dresden") {
				t.Errorf("%s: %d", p, r.Status)
			}
		}
		list := le.Get("/verwaltung/gemeinden")
		if strings.Contains(list.Body, "14612000") || !strings.Contains(list.Body, "14713000") {
			t.Error("tenant list shows another municipality")
		}
		tok := le.CSRF("/verwaltung/gemeinden/14713000")
		for _, p := range []string{"/verwaltung/gemeinden/14612000/aemter/" + dresdenOffice, "/verwaltung/gemeinden/14612000/einstellungen", "/verwaltung/gemeinden/14713000/aemter/" + dresdenOffice} {
			r := le.Do("POST", p, "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "name": {"Gehackt"}, "settings_email": {"x@y.de"}}.Encode(), nil)
			if r.Status != 404 {
				t.Errorf("POST %s: %d", p, r.Status)
			}
		}
		got, _ := app.DB.GetOffice(t.Context(), "14612000", dresdenOffice)
		if got.Name == "Gehackt" {
			t.Fatal("office of another tenant changed")
		}
		// Delegation is for platform admins only.
		if r := le.Do("POST", "/verwaltung/gemeinden/14713000/uebertragung", "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "delegate_ags": {"14612000"}}.Encode(), nil); r.Status != 404 {
			t.Errorf("staff delegation: %d", r.Status)
		}
		// Citizens see no staff page at all.
		b := app.Client()
		b.Login("buerger@example.org")
		for _, p := range []string{"/amt", "/verwaltung/gemeinden", "/verwaltung/gemeinden/14713000"} {
			if r := b.Get(p); r.Status != 404 {
				t.Errorf("citizen %s: %d", p, r.Status)
			}
		}
		// Anonymous visitors are sent to log in.
		if r := app.Client().Get("/verwaltung/gemeinden/14713000"); r.Status != 303 {
			t.Errorf("anonymous: %d", r.Status)
		}
		// The admin sees and edits every tenant; validation errors name the field.
		a := app.Client()
		a.Login("admin@example.org")
		tok = a.CSRF("/verwaltung/gemeinden/14612000")
		r := a.Do("POST", "/verwaltung/gemeinden/14612000/aemter/"+dresdenOffice, "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "name": {"Gewerbeamt Dresden"}, "plz": {"123"}}.Encode(), nil)
		if r.Status != 422 || !strings.Contains(r.Body, "Postleitzahl: Fünf Ziffern") {
			t.Fatalf("invalid office: %d", r.Status)
		}
		r = a.Do("POST", "/verwaltung/gemeinden/14612000/aemter/"+dresdenOffice, "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "name": {"Gewerbeamt Dresden"}, "plz": {"01067"}, "ort": {"Dresden"}, "telefon": {"0351 4880"}, "oeffnungszeiten": {"Di 9–18 Uhr"}}.Encode(), nil)
		if r.Status != 303 {
			t.Fatalf("save office: %d %s", r.Status, r.Body)
		}
		r = a.Do("POST", "/verwaltung/gemeinden/14729245/uebertragung", "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "delegate_ags": {"14713000"}}.Encode(), nil)
		if r.Status != 303 {
			t.Fatalf("delegation: %d", r.Status)
		}
		d := app.Client().Get("/api/v1/tenants/14729245")
		if !strings.Contains(d.Body, `"gewerbeamt":{"id"`) || !strings.Contains(d.Body, `"ags":"14713000","kind":"gewerbeamt"`) {
			t.Fatalf("delegation not visible in the directory: %s", d.Body)
		}
	})
}

func TestOperations(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	if r := c.Get("/healthz"); r.Status != 200 {
		t.Fatal("healthz")
	}
	if r := c.Get("/readyz"); r.Status != 200 {
		t.Fatal("readyz")
	}
	c.Get("/")
	m := c.Get("/metrics")
	for _, want := range []string{`rathaus_http_requests_total{method="GET",route="home",status="200"}`, "rathaus_http_request_duration_seconds_bucket", "rathaus_jobs_queued", "rathaus_jobs_due"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if r := c.Get("/"); r.Header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

// TestOpenAPIInSync keeps the OpenAPI document and the route table in step: every API route
// is documented and every documented path exists.
func TestOpenAPIInSync(t *testing.T) {
	app := apptest.NewSQLite(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	r := app.Client().Get("/api/v1/openapi.json")
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: %v", err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	for _, rt := range app.Server.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/") || rt.Name == "api_openapi" {
			continue
		}
		key := rt.Method + " " + rt.Pattern
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		delete(documented, key)
	}
	for k := range documented {
		t.Errorf("openapi.json documents %s, which has no route", k)
	}
}

// TestMessageKeys checks that every key a template uses exists (in both languages, by
// construction of the table).
func TestMessageKeys(t *testing.T) {
	re := regexp.MustCompile(`\{\{-?\s*t\s+"([a-z0-9_.]+)"`)
	err := fs.WalkDir(os.DirFS("templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("templates/" + p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if web.T("de", m[1]) == m[1] {
				t.Errorf("%s: unknown message key %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRegistrationErrorsInEnglish: on an English page the account's checks answer in English.
func TestRegistrationErrorsInEnglish(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	c.Get("/registrieren?lang=en")
	r := c.PostForm("/registrieren", "/registrieren", url.Values{"name": {""}, "email": {"kein-at"}, "password": {"kurz"}})
	for _, want := range []string{"Name: please enter your name.", "E-mail address: please enter a valid address", "Password: at least 10 characters.", "Privacy notice: please confirm"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(r.Body, "Bitte geben Sie") {
		t.Error("German messages on the English page")
	}
}
