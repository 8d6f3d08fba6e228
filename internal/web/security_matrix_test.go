package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/web"
)

// The security matrix: for every route of the route table, who may call it and what everybody
// else gets. A route without an entry fails TestSecurityMatrix, so a new route cannot be added
// without deciding its access. Expectations:
//
//	ok     the handler ran for the caller (any status but 401, 403, 404, 405 and a redirect to the log-in page)
//	any    the handler ran; it may itself answer 401 or redirect to the log-in page (log-in, log-out)
//	login  a page redirects to /anmelden; the API answers 401
//	404    not found: the object is not visible to the caller (never 403 across municipalities)
//	403    visible, but the caller may not do this (e.g. a token without the scope)
//
// Roles: anon, citizen (filed the fixture submission), member (member of the business account
// the fixture business submission was filed for), staff (Gewerbeamt Dresden, the responsible
// office), other (staff of Leipzig), admin (platform), and API tokens bound to Dresden:
// tsubmit, tread (scope read, but did not file the fixture), tcases, tcasesother (Leipzig).
var roles = []string{"anon", "citizen", "member", "staff", "other", "admin", "tsubmit", "tread", "tcases", "tcasesother"}

// matrix maps route name → role → expectation; "*" is the default for unlisted roles.
var matrix = map[string]map[string]string{
	// Public portal pages.
	"home": {"*": "ok"}, "static": {"*": "ok"}, "barrierefreiheit": {"*": "ok"}, "leichte_sprache": {"*": "ok"},
	"impressum": {"*": "ok"}, "datenschutz": {"*": "ok"}, "services": {"*": "ok"}, "steering": {"*": "ok"}, "api_availability": {"*": "ok"}, "service": {"*": "ok"},
	"register_form": {"*": "ok"}, "register": {"*": "ok"}, "register_sent": {"*": "ok"}, "register_confirm": {"*": "ok"},
	"login_form": {"*": "ok"}, "login": {"*": "any"}, "logout": {"*": "any"},
	"reset_form": {"*": "ok"}, "reset_request": {"*": "ok"}, "reset_new_form": {"*": "ok"}, "reset_new": {"*": "ok"},
	// Account pages: any logged-in account.
	"account":        {"*": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"account_export": {"*": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"org_create":     {"*": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	// Only the owner of the business account may add members.
	"org_member_add": {"*": "404", "member": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	// Staff pages.
	"staff_home":            {"*": "404", "staff": "ok", "other": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_tenants":         {"*": "404", "staff": "ok", "other": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_tenant":          {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_office_save":     {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_settings_save":   {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_services_save":   {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_delegation_save": {"*": "404", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	// Public API.
	"api_tenants": {"*": "ok"}, "api_tenant": {"*": "ok"}, "api_openapi": {"*": "ok"}, "api_services": {"*": "ok"},
	// Filing needs a submit token.
	"api_submit": {"*": "login", "tsubmit": "ok", "tread": "403", "tcases": "403", "tcasesother": "403"},
	// A submission: its filer, its business's members, the responsible office, admins.
	"api_submission":          {"*": "404", "citizen": "ok", "member": "404", "staff": "ok", "admin": "ok", "tcases": "ok"},
	"api_submission_document": {"*": "404", "citizen": "ok", "member": "404", "staff": "ok", "admin": "ok", "tcases": "ok"},
	// Operations.
	"healthz": {"*": "ok"}, "readyz": {"*": "ok"}, "metrics": {"*": "ok"},
	// Online applications: starting one and the mailed resume link are public; a draft is its
	// owner's only (the citizen's fixture draft), never staff's or admins'; the receipt and its
	// documents follow canRead (portal sessions, so tokens count as anonymous here).
	// Integration hub: deliveries of the staff's offices; the recipient directory for platform
	// admins; the exact message bytes like a submission but never for its filer; the pull inbox
	// for inbox tokens bound to a recipient only (the fixture has none: 403 for every token).
	"staff_deliveries":        {"*": "404", "staff": "ok", "other": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"staff_delivery":          {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"staff_delivery_replay":   {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"staff_delivery_redirect": {"*": "404", "staff": "ok", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_recipients":        {"*": "404", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_recipient":         {"*": "404", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"admin_recipient_save":    {"*": "404", "admin": "ok", "anon": "login", "tsubmit": "login", "tread": "login", "tcases": "login", "tcasesother": "login"},
	"api_delivery_message":    {"*": "404", "staff": "ok", "admin": "ok", "tcases": "ok"},
	"api_inbox":               {"*": "login", "tsubmit": "403", "tread": "403", "tcases": "403", "tcasesother": "403"},
	"api_inbox_message":       {"*": "login", "tsubmit": "403", "tread": "403", "tcases": "403", "tcasesother": "403"},
	"api_inbox_ack":           {"*": "login", "tsubmit": "403", "tread": "403", "tcases": "403", "tcasesother": "403"},
	"antrag_new":              {"*": "ok"}, "antrag_resume": {"*": "ok"}, "api_wz": {"*": "ok"},
	"antrag_step":      {"*": "404", "citizen": "ok"},
	"antrag_step_post": {"*": "404", "citizen": "ok"},
	"antrag_submit":    {"*": "404", "citizen": "ok"},
	"antrag_link":      {"*": "404", "citizen": "ok"},
	"antrag_delete":    {"*": "404", "citizen": "ok"},
	"antrag_move":      {"*": "404", "citizen": "ok"},
	"antrag_receipt":   {"*": "404", "citizen": "ok", "staff": "ok", "admin": "ok"},
	"antrag_document":  {"*": "404", "citizen": "ok", "staff": "ok", "admin": "ok"},
}

type fixture struct {
	app      *apptest.App
	sessions map[string]*apptest.Client
	tokens   map[string]string
	params   map[string]string // placeholder → value
}

func newFixture(t *testing.T, app *apptest.App) *fixture {
	f := &fixture{app: app, sessions: map[string]*apptest.Client{}, tokens: map[string]string{}, params: map[string]string{}}
	ctx := context.Background()
	citizen := app.CreateUser("citizen@example.org", identity.KindCitizen)
	app.CreateUser("owner@example.org", identity.KindCitizen)
	app.CreateUser("member@example.org", identity.KindCitizen)
	app.CreateStaff("staff@dresden.example", dresden)
	app.CreateStaff("staff@leipzig.example", "14713000")
	app.CreateUser("admin@example.org", identity.KindAdmin)
	owner, _ := app.DB.UserByEmail(ctx, "member@example.org")
	var orgID string
	if err := app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		orgID, err = sqlstore.CreateOrganisation(ctx, tx, "Muster GmbH", owner.ID, app.Clock())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for role, email := range map[string]string{"citizen": "citizen@example.org", "member": "member@example.org", "staff": "staff@dresden.example",
		"other": "staff@leipzig.example", "admin": "admin@example.org"} {
		c := app.Client()
		c.Login(email)
		f.sessions[role] = c
	}
	f.tokens["tsubmit"] = app.CreateToken(dresden, identity.ScopeSubmit)
	f.tokens["tread"] = app.CreateToken(dresden, identity.ScopeRead)
	f.tokens["tcases"] = app.CreateToken(dresden, identity.ScopeCases)
	f.tokens["tcasesother"] = app.CreateToken("14713000", identity.ScopeCases)

	// The fixture submission, filed by the citizen through the portal path.
	sub := f.file(t, submission.Input{Leistung: "99050012104000", AGS: dresden, Data: gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()), UserID: citizen.ID})
	f.file(t, submission.Input{Leistung: "99050012104000", AGS: dresden, Data: gewerbe.Sample("anmeldung-gmbh", app.Clock()), UserID: owner.ID, OrganisationID: orgID})
	offices, _ := app.DB.ListOffices(ctx, dresden)
	draft := &sqlstore.Draft{ID: identity.NewID(), TenantAGS: dresden, Leistung: "99050012104000", FormID: "gewerbe-anmeldung", FormVersion: 1,
		UserID: citizen.ID, Data: []byte(`{}`), Step: "einstieg", CreatedAt: app.Clock(), UpdatedAt: app.Clock(), ExpiresAt: app.Clock().Add(24 * time.Hour)}
	if err := app.DB.CreateDraft(ctx, draft); err != nil {
		t.Fatal(err)
	}
	f.params = map[string]string{
		"ags": dresden, "key": "99050012104000", "name": "antrag.pdf",
		"submission": sub.ID, "org": orgID, "office": offices[0].ID,
		"draft": draft.ID, "step": "einstieg", "sid": sub.ID,
	}
	for k, v := range caseFixture(t, app, sub.ID) {
		f.params[k] = v
	}
	// A delivery of the fixture submission, offered in a recipient's pull inbox (integration hub).
	if ds, _ := app.DB.DeliveriesOf(ctx, sub.ID); len(ds) == 0 {
		if err := app.DB.InTx(ctx, func(tx *sqlstore.Tx) error { return app.Platform.Hub.Route(ctx, tx, sub) }); err != nil {
			t.Fatal(err)
		}
	}
	app.RunJobs()
	if ds, err := app.DB.DeliveriesOf(ctx, sub.ID); err == nil && len(ds) > 0 {
		f.params["zid"], f.params["deliveryId"], f.params["mid"], f.params["rid"] = ds[0].ID, ds[0].ID, ds[0].ID, ds[0].RecipientID
	}
	// The stylesheet's hashed name.
	if m := regexp.MustCompile(`/static/([^"]+\.css)`).FindStringSubmatch(app.Client().Get("/").Body); m != nil {
		f.params["static"] = m[1]
	}
	return f
}

func (f *fixture) file(t *testing.T, in submission.Input) *submission.Submission {
	t.Helper()
	ctx := context.Background()
	o, _ := f.app.DB.OfficeByKind(ctx, in.AGS, "gewerbeamt")
	p, err := f.app.Platform.Submissions.Prepare(context.Background(), in, submission.Office{ID: o.ID, TenantAGS: o.TenantAGS})
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := f.app.DB.Submit(ctx, p, nil, f.app.Server.SubmitHooks...)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// pathFor fills a route pattern's placeholders with fixture values. Which value a {id} gets
// depends on the route; an unknown placeholder fails the test so new routes get fixtures.
func (f *fixture) pathFor(t *testing.T, rt web.Route) string {
	p := strings.TrimSuffix(rt.Pattern, "{$}")
	return regexp.MustCompile(`\{[a-zA-Z]+\}`).ReplaceAllStringFunc(p, func(ph string) string {
		name := strings.Trim(ph, "{}")
		switch {
		case name == "id" && strings.HasPrefix(rt.Pattern, "/api/v1/submissions/"):
			return f.params["submission"]
		case name == "id" && strings.HasPrefix(rt.Pattern, "/konto/unternehmen/"):
			return f.params["org"]
		case name == "id" && strings.Contains(rt.Pattern, "/aemter/"):
			return f.params["office"]
		case name == "id" && strings.HasPrefix(rt.Pattern, "/antrag/"):
			return f.params["draft"]
		case name == "name" && rt.Name == "static":
			return f.params["static"]
		}
		if v, ok := f.params[name]; ok {
			return v
		}
		t.Errorf("route %s: no fixture for placeholder %s; add one to security_matrix_test.go", rt.Name, ph)
		return "x"
	})
}

func (f *fixture) call(t *testing.T, rt web.Route, role, path string, withCSRF bool) *apptest.Response {
	c := f.sessions[role]
	hdr := map[string]string{}
	if c == nil {
		c = f.app.Client()
	}
	if tok, ok := f.tokens[role]; ok {
		hdr["Authorization"] = "Bearer " + tok
	}
	if rt.Method == "GET" {
		return c.Do("GET", path, "", "", hdr)
	}
	if strings.HasPrefix(rt.Pattern, "/api/") {
		return c.Do(rt.Method, path, "application/json", `{}`, hdr)
	}
	form := url.Values{}
	if withCSRF {
		form.Set("csrf_token", c.CSRF("/anmelden"))
	}
	return c.Do(rt.Method, path, "application/x-www-form-urlencoded", form.Encode(), hdr)
}

func classify(r *apptest.Response) string {
	switch {
	case r.Status == 401 || (r.Status == 303 && strings.HasPrefix(r.Location, "/anmelden")):
		return "login"
	case r.Status == 403:
		return "403"
	case r.Status == 404:
		return "404"
	case r.Status == 405:
		return "405"
	}
	return "ok"
}

func TestSecurityMatrix(t *testing.T) {
	apptest.ForEachDB(t, securityMatrix)
}

func securityMatrix(t *testing.T, app *apptest.App) {
	f := newFixture(t, app)
	// Log-out runs last: it ends the sessions the other probes use.
	routes := append([]web.Route(nil), f.app.Server.Routes()...)
	sort.SliceStable(routes, func(i, j int) bool { return routes[j].Name == "logout" && routes[i].Name != "logout" })
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.Name] = true
		exp, ok := matrix[rt.Name]
		if !ok {
			t.Errorf("route %s (%s %s) has no entry in the security matrix", rt.Name, rt.Method, rt.Pattern)
			continue
		}
		path := f.pathFor(t, rt)
		for _, role := range roles {
			want := exp[role]
			if want == "" {
				want = exp["*"]
			}
			r := f.call(t, rt, role, path, true)
			got := classify(r)
			if want == "any" && (got == "ok" || got == "login") {
				got = "any"
			}
			if got != want {
				t.Errorf("%s %s as %s: got %s (status %d, location %q), want %s", rt.Method, path, role, got, r.Status, r.Location, want)
			}
		}
	}
	var stale []string
	for name := range matrix {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("matrix entries without a route: %v", stale)
	}
}

// TestCSRFOnEveryForm posts to every state-changing portal route with a valid session but no
// CSRF token: each must answer 403 without running its handler.
func TestCSRFOnEveryForm(t *testing.T) {
	f := newFixture(t, apptest.NewSQLite(t))
	n := 0
	for _, rt := range f.app.Server.Routes() {
		if rt.Method == "GET" || strings.HasPrefix(rt.Pattern, "/api/") {
			continue
		}
		path := f.pathFor(t, rt)
		for _, role := range []string{"anon", "citizen", "admin"} {
			r := f.call(t, rt, role, path, false)
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Formular ist abgelaufen") {
				t.Errorf("POST %s as %s without CSRF token: status %d", path, role, r.Status)
			}
			n++
		}
	}
	if n < 10 {
		t.Fatalf("only %d CSRF probes: is the route table empty?", n)
	}
}

// TestEscapingAndSQLMetacharacters stores hostile text through every kind of input and reads
// it back: it comes back as data, escaped in HTML, never executed or interpreted as SQL.
func TestEscapingAndSQLMetacharacters(t *testing.T) {
	app := apptest.NewSQLite(t)
	probe := `<script>alert(1)</script>"><img src=x onerror=alert(2)>'); DROP TABLE users;--`
	c := app.Client()
	r := c.PostForm("/registrieren", "/registrieren", url.Values{"name": {probe}, "email": {"xss@example.org"}, "password": {"0123456789ab"}, "password_confirm": {"0123456789ab"}, "privacy": {"1"}})
	if r.Status != 303 {
		t.Fatalf("register: %d", r.Status)
	}
	u, err := app.DB.UserByEmail(t.Context(), "xss@example.org")
	if err != nil || u.Name != probe {
		t.Fatalf("name not stored as data: %q %v", u.Name, err)
	}
	if _, err := app.DB.Exec(t.Context(), `UPDATE users SET email_verified_at = ? WHERE id = ?`, sqlstore.FormatTime(app.Clock()), u.ID); err != nil {
		t.Fatal(err)
	}
	r = c.PostForm("/anmelden", "/anmelden", url.Values{"email": {"xss@example.org"}, "password": {"0123456789ab"}})
	if r.Status != 303 {
		t.Fatalf("login: %d", r.Status)
	}
	acc := c.Get("/konto")
	if strings.Contains(acc.Body, "<script>alert(1)") || strings.Contains(acc.Body, "<img src=x") || !strings.Contains(acc.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("account page does not escape the name")
	}
	// Search fields echo escaped.
	for _, p := range []string{"/leistungen?q=" + url.QueryEscape(probe), "/leistungen/99050012104000?ort=" + url.QueryEscape(probe)} {
		b := c.Get(p).Body
		if strings.Contains(b, "<script>alert(1)") || strings.Contains(b, "<img src=x") {
			t.Errorf("%s reflects unescaped input", p)
		}
	}
	// Office fields edited by an admin.
	app.CreateUser("admin@example.org", identity.KindAdmin)
	a := app.Client()
	a.Login("admin@example.org")
	offices, _ := app.DB.ListOffices(t.Context(), dresden)
	r = a.PostForm("/verwaltung/gemeinden/"+dresden, "/verwaltung/gemeinden/"+dresden+"/aemter/"+offices[0].ID, url.Values{"name": {probe}, "oeffnungszeiten": {probe}})
	if r.Status != 303 {
		t.Fatalf("office save: %d %s", r.Status, r.Body)
	}
	b := a.Get("/verwaltung/gemeinden/" + dresden).Body
	if strings.Contains(b, "<script>alert(1)") || strings.Contains(b, "<img src=x") {
		t.Fatal("admin page does not escape office fields")
	}
	api := app.Client().Get("/api/v1/tenants/" + dresden).Body
	if !strings.Contains(api, `\u003cscript\u003e`) {
		t.Fatalf("API JSON does not escape: %s", api)
	}
	var n int
	if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("users table: %d %v", n, err)
	}
	_ = fmt.Sprint()
}
