// Package apptest runs the whole application on a temporary database for HTTP scenario tests:
// a fresh SQLite file per test, or a fresh PostgreSQL database (ForEachDB). Mail goes to an
// in-memory outbox; background jobs run when the test calls RunJobs, so tests never sleep.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/blobstore"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/platform"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/testenv"
	"github.com/rathaus-egov/rathaus/internal/web"
)

// App is a running application.
type App struct {
	T        testing.TB
	DB       *sqlstore.DB
	Server   *web.Server
	HTTP     *httptest.Server
	Outbox   *Outbox
	Now      time.Time
	Blobs    *blobstore.FS
	Platform *platform.Platform
	runner   *jobs.Runner
	mu       sync.Mutex
}

// Outbox collects mail.
type Outbox struct {
	mu   sync.Mutex
	Mail []mail.Message
}

// Send implements mail.Sender.
func (o *Outbox) Send(ctx context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Mail = append(o.Mail, m)
	return nil
}

// Describe implements mail.Sender.
func (o *Outbox) Describe() string { return "memory" }

// Last returns the newest mail to the address.
func (o *Outbox) Last(to string) (mail.Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.Mail) - 1; i >= 0; i-- {
		if o.Mail[i].To == to {
			return o.Mail[i], true
		}
	}
	return mail.Message{}, false
}

// ForEachDB runs fn with an app on SQLite and one on PostgreSQL (when configured; required
// in CI).
func ForEachDB(t *testing.T, fn func(t *testing.T, app *App)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, New(t, filepath.Join(t.TempDir(), "app.db"))) })
	t.Run("postgres", func(t *testing.T) { fn(t, New(t, testenv.FreshPostgres(t))) })
}

// NewSQLite starts an app on a fresh SQLite file.
func NewSQLite(t testing.TB) *App { return New(t, filepath.Join(t.TempDir(), "app.db")) }

// New starts an app on the database dsn with the 418 municipalities imported.
func New(t testing.TB, dsn string) *App {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	gs, err := refdata.Gemeinden()
	if err != nil {
		t.Fatal(err)
	}
	app := &App{T: t, DB: db, Outbox: &Outbox{}, Now: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)}
	if _, _, err := db.ImportTenants(ctx, gs, app.Now); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app.HTTP = httptest.NewUnstartedServer(nil)
	app.Blobs = &blobstore.FS{Dir: t.TempDir()}
	p, err := platform.New(ctx, platform.Config{DB: db, Blobs: app.Blobs, Mail: app.Outbox, Log: log, Now: app.Clock,
		BaseURL: "http://" + app.HTTP.Listener.Addr().String(), Worker: "apptest"})
	if err != nil {
		t.Fatal(err)
	}
	app.Platform, app.Server, app.runner = p, p.Web, p.Runner
	app.HTTP.Config.Handler = p.Web.Handler()
	app.HTTP.Start()
	t.Cleanup(app.HTTP.Close)
	return app
}

// Clock returns the app's fixed time.
func (a *App) Clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.Now
}

// Advance moves the app's clock.
func (a *App) Advance(d time.Duration) {
	a.mu.Lock()
	a.Now = a.Now.Add(d)
	a.mu.Unlock()
}

// RunJobs runs every due job once, synchronously, through the platform's handlers, and
// returns how many ran (failed attempts included).
func (a *App) RunJobs() int {
	a.T.Helper()
	n, err := a.runner.RunDue(context.Background())
	if err != nil {
		a.T.Fatal(err)
	}
	return n
}

// CreateUser creates a verified account with password "richtiges-Passwort".
func (a *App) CreateUser(email string, kind identity.Kind, roles ...identity.StaffRole) *identity.User {
	a.T.Helper()
	ctx := context.Background()
	u := &identity.User{Email: email, Name: email, Kind: kind, PasswordHash: identity.HashPassword(Password), EmailVerifiedAt: a.Clock(), Roles: roles}
	err := a.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateUser(ctx, tx, u, a.Clock()); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, a.Clock(), audit.Record{Actor: "system", Action: "user.create", Object: "user:" + u.ID})
	})
	if err != nil {
		a.T.Fatal(err)
	}
	return u
}

// CreateStaff creates a tenant admin and case worker of the tenant's Gewerbeamt.
func (a *App) CreateStaff(email, ags string) *identity.User {
	a.T.Helper()
	off, err := a.DB.OfficeByKind(context.Background(), ags, "gewerbeamt")
	if err != nil {
		a.T.Fatal(err)
	}
	return a.CreateUser(email, identity.KindStaff,
		identity.StaffRole{TenantAGS: ags, OfficeID: off.ID, Role: "sachbearbeitung"},
		identity.StaffRole{TenantAGS: ags, Role: "tenant_admin"})
}

// CreateToken creates an API token and returns its secret.
func (a *App) CreateToken(ags string, scopes ...identity.Scope) string {
	a.T.Helper()
	ctx := context.Background()
	secret, hash := identity.NewSecret(identity.TokenPrefix)
	err := a.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		return sqlstore.CreateToken(ctx, tx, &identity.Token{Name: "test", TenantAGS: ags, Scopes: scopes}, hash, a.Clock())
	})
	if err != nil {
		a.T.Fatal(err)
	}
	return secret
}

// Password is the password of users made by CreateUser.
const Password = "richtiges-Passwort"

// Client is a browser-like HTTP client with a cookie jar that does not follow redirects.
type Client struct {
	app  *App
	HTTP *http.Client
}

// Client returns a new client with an empty cookie jar.
func (a *App) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{app: a, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is a read response.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

func (c *Client) do(req *http.Request) *Response {
	c.app.T.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.app.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Location: resp.Header.Get("Location")}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	c.app.T.Helper()
	req, _ := http.NewRequest("GET", c.app.HTTP.URL+path, nil)
	return c.do(req)
}

// Do sends a request with a body and headers.
func (c *Client) Do(method, path, contentType, body string, header map[string]string) *Response {
	c.app.T.Helper()
	req, _ := http.NewRequest(method, c.app.HTTP.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF fetches page and returns the CSRF token of its first form.
func (c *Client) CSRF(page string) string {
	c.app.T.Helper()
	r := c.Get(page)
	m := csrfRe.FindStringSubmatch(r.Body)
	if m == nil {
		c.app.T.Fatalf("no CSRF token on %s (status %d)", page, r.Status)
	}
	return m[1]
}

// PostForm posts a form with the CSRF token taken from page (empty page: no token).
func (c *Client) PostForm(page, action string, form url.Values) *Response {
	c.app.T.Helper()
	if page != "" {
		form.Set("csrf_token", c.CSRF(page))
	}
	return c.Do("POST", action, "application/x-www-form-urlencoded", form.Encode(), nil)
}

// Login logs the client in and fails the test if that does not work.
func (c *Client) Login(email string) {
	c.app.T.Helper()
	r := c.PostForm("/anmelden", "/anmelden", url.Values{"email": {email}, "password": {Password}})
	if r.Status != http.StatusSeeOther {
		c.app.T.Fatalf("login %s: status %d\n%s", email, r.Status, r.Body)
	}
}

// Cookie returns the value of a cookie the client holds for the app.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.app.HTTP.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
