package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

// maxTabs bounds every TabTo: a page that needs more presses of Tab than this
// to reach its main action is itself a finding.
const maxTabs = 40

// citizen is one registration through the browser.
type citizen struct {
	Name, Email, Password string
}

func newCitizen(label string) citizen {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err)
	}
	return citizen{
		Name:     "Erika Mustermann",
		Email:    "erika." + label + "." + hex.EncodeToString(r[:]) + "@example.org",
		Password: "Lindenallee-42-Torbogen",
	}
}

// journeyServer starts the real binary with a mailpit as its SMTP server and
// no demo data, as issue 2's browser test asks.
func journeyServer(t *testing.T) (*testenv.Server, *testenv.Mailpit) {
	t.Helper()
	testenv.Chromium(t) // skip before the build when there is no browser
	mp := testenv.StartMailpit(t)
	host, port := mp.SMTPAddr()
	bin := testenv.BuildRathaus(t)
	srv := testenv.StartRathaus(t, bin,
		"--smtp-host", host,
		"--smtp-port", strconv.Itoa(port),
		"--smtp-from", "rathaus@example.org",
		"--demo=false",
	)
	return srv, mp
}

// TestCitizenJourneyAccessible walks start page → registration → mail →
// confirmation → log-in → account page → log-out twice: once with the
// pointer, checking the shell and running axe-core on every page, and once
// with the keyboard alone (Tab, typing, Space, Enter; no clicks, no script
// clicks), checking that the focus is always visible.
func TestCitizenJourneyAccessible(t *testing.T) {
	srv, mp := journeyServer(t)

	t.Run("pointer", func(t *testing.T) {
		b := NewBrowser(t)
		ctx := b.Ctx
		c := newCitizen("maus")

		navigate(t, ctx, srv.URL+"/")
		checkPage(t, b, "Startseite", "/")
		for _, sel := range []string{`header a[href="/anmelden"]`, `header a[href="/registrieren"]`} {
			if !exists(t, ctx, sel) {
				t.Errorf("start page, logged out: no %s", sel)
			}
		}

		clickAndWait(t, ctx, `header a[href="/registrieren"]`)
		checkPage(t, b, "Registrieren", "/registrieren")
		for _, sel := range []string{
			`input#name[name="name"]`,
			`input#email[name="email"][type="email"]`,
			`input#password[name="password"][type="password"]`,
			`input#password_confirm[name="password_confirm"]`,
			`input#privacy[name="privacy"][type="checkbox"]`,
			`form:has(#email) button[type="submit"]`,
		} {
			if !exists(t, ctx, sel) {
				t.Fatalf("registration form: no %s", sel)
			}
		}
		if err := step(ctx,
			chromedp.SendKeys(chromedp.CSS("#name"), c.Name),
			chromedp.SendKeys(chromedp.CSS("#email"), c.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), c.Password),
			chromedp.SendKeys(chromedp.CSS("#password_confirm"), c.Password),
			chromedp.Click(chromedp.CSS("#privacy"), chromedp.NodeVisible),
		); err != nil {
			t.Fatalf("fill the registration form: %v", err)
		}
		clickAndWait(t, ctx, `form:has(#email) button[type="submit"]`)
		checkPage(t, b, "Registrierung gesendet", "/registrieren/gesendet")

		link := confirmationLink(t, mp, srv, c)
		navigate(t, ctx, link)
		s := checkPage(t, b, "Registrierung bestätigt", "/registrieren/bestaetigen")
		checkConfirmed(t, s)

		clickAndWait(t, ctx, loginLinkSelector(t, b))
		checkPage(t, b, "Anmelden", "/anmelden")
		if err := step(ctx,
			chromedp.SendKeys(chromedp.CSS("#email"), c.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), c.Password),
		); err != nil {
			t.Fatalf("fill the log-in form: %v", err)
		}
		clickAndWait(t, ctx, `form:has(#password) button[type="submit"]`)
		s = checkPage(t, b, "Mein Konto", "/konto")
		checkAccount(t, b, s, c)

		clickAndWait(t, ctx, `form[action="/abmelden"] button`)
		checkLoggedOut(t, b, srv, c)
	})

	t.Run("keyboard", func(t *testing.T) {
		b := NewBrowser(t)
		ctx := b.Ctx
		c := newCitizen("tastatur")

		navigate(t, ctx, srv.URL+"/")
		if f := Tab(t, ctx); f.Href != "#main" {
			t.Errorf("start page: first Tab stop is %s, want the skip link", f)
		} else {
			PressKeys(t, ctx, kb.Enter)
			if f := Tab(t, ctx); f.InHeader {
				t.Errorf("start page: after the skip link, Tab went back into the header: %s", f)
			}
			navigate(t, ctx, srv.URL+"/") // start the walk from the top again
		}

		TabTo(t, ctx, `header a[href="/registrieren"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		wantPath(t, b, "/registrieren")

		TabTo(t, ctx, "#name", maxTabs)
		TypeText(t, ctx, c.Name)
		TabTo(t, ctx, "#email", maxTabs)
		TypeText(t, ctx, c.Email)
		TabTo(t, ctx, "#password", maxTabs)
		TypeText(t, ctx, c.Password)
		TabTo(t, ctx, "#password_confirm", maxTabs)
		TypeText(t, ctx, c.Password)
		TabTo(t, ctx, "#privacy", maxTabs)
		PressKeys(t, ctx, " ")
		if !Focused(t, ctx).Checked {
			t.Fatal("Space on the privacy checkbox did not tick it")
		}
		TabTo(t, ctx, `form:has(#email) button[type="submit"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		wantPath(t, b, "/registrieren/gesendet")

		// Opening the link from the mail is what the mail program does.
		navigate(t, ctx, confirmationLink(t, mp, srv, c))
		wantPath(t, b, "/registrieren/bestaetigen")
		checkConfirmed(t, readShell(t, ctx))

		TabTo(t, ctx, `a[href="/anmelden"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		wantPath(t, b, "/anmelden")

		TabTo(t, ctx, "#email", maxTabs)
		TypeText(t, ctx, c.Email)
		TabTo(t, ctx, "#password", maxTabs)
		TypeText(t, ctx, c.Password)
		TabTo(t, ctx, `form:has(#password) button[type="submit"]`, maxTabs)
		PressEnterAndWait(t, ctx)
		wantPath(t, b, "/konto")
		checkAccount(t, b, readShell(t, ctx), c)

		TabTo(t, ctx, `form[action="/abmelden"] button`, maxTabs)
		PressEnterAndWait(t, ctx)
		checkLoggedOut(t, b, srv, c)
	})
}

// confirmationLink waits for the registration mail and returns the
// confirmation link from its text.
func confirmationLink(t *testing.T, mp *testenv.Mailpit, srv *testenv.Server, c citizen) string {
	t.Helper()
	msg := mp.WaitFor(t, c.Email, "Bestätigen", 30*time.Second)
	prefix := srv.URL + "/registrieren/bestaetigen?token="
	link := msg.Link(prefix)
	if link == "" || link == prefix {
		t.Fatalf("mail %q to %s has no link %s<token>; text:\n%s", msg.Subject, c.Email, prefix, msg.Text)
	}
	return link
}

func checkConfirmed(t *testing.T, s shell) {
	t.Helper()
	if len(s.H1) == 0 || !strings.Contains(strings.ToLower(s.H1[0]), "bestätigt") {
		t.Errorf("confirmation page: h1 %q, want one containing \"bestätigt\"", s.H1)
	}
}

// loginLinkSelector prefers the link in the page content over the header's.
func loginLinkSelector(t *testing.T, b *Browser) string {
	t.Helper()
	if exists(t, b.Ctx, `main a[href="/anmelden"]`) {
		return `main a[href="/anmelden"]`
	}
	return `a[href="/anmelden"]`
}

func checkAccount(t *testing.T, b *Browser, s shell, c citizen) {
	t.Helper()
	if len(s.H1) != 1 || s.H1[0] != "Mein Konto" {
		t.Errorf("account page: h1 %q, want \"Mein Konto\"", s.H1)
	}
	if !strings.Contains(s.Text, c.Email) {
		t.Errorf("account page does not show the e-mail address %s", c.Email)
	}
	if !exists(t, b.Ctx, `form[action="/abmelden"] button`) {
		t.Errorf("account page: no log-out form form[action=\"/abmelden\"] with a button")
	}
	if exists(t, b.Ctx, `header a[href="/anmelden"]`) || exists(t, b.Ctx, `header a[href="/registrieren"]`) {
		t.Errorf("account page: the header still offers Anmelden/Registrieren while logged in")
	}
}

// checkLoggedOut checks the header after log-out and that /konto no longer
// shows the account.
func checkLoggedOut(t *testing.T, b *Browser, srv *testenv.Server, c citizen) {
	t.Helper()
	if !exists(t, b.Ctx, `header a[href="/anmelden"]`) {
		t.Errorf("after log-out (%s): header has no a[href=\"/anmelden\"]", location(t, b.Ctx))
	}
	if _, err := run(b.Ctx, chromedp.NavigateResponse(srv.URL+"/konto")); err != nil {
		t.Fatalf("open /konto after log-out: %v", err)
	}
	if s := readShell(t, b.Ctx); strings.Contains(s.Text, c.Email) {
		t.Errorf("after log-out, /konto (%s) still shows %s", location(t, b.Ctx), c.Email)
	}
}

func wantPath(t *testing.T, b *Browser, path string) {
	t.Helper()
	loc := location(t, b.Ctx)
	u, err := url.Parse(loc)
	if err != nil || u.Path != path {
		keepScreenshot(t, b.Ctx, strings.TrimPrefix(path, "/"))
		t.Fatalf("browser is at %s, want path %s", loc, path)
	}
}

// TestShellPagesAccessible checks the pages linked from every page's footer
// and the English start page: shell and axe-core, as in the journey.
func TestShellPagesAccessible(t *testing.T) {
	srv, _ := journeyServer(t)
	b := NewBrowser(t)
	ctx := b.Ctx
	for _, p := range []struct{ name, path string }{
		{"Erklärung zur Barrierefreiheit", "/barrierefreiheit"},
		{"Leichte Sprache", "/leichte-sprache"},
		{"Impressum", "/impressum"},
		{"Datenschutz", "/datenschutz"},
		{"E-Government-Karte", "/steuerung"},
	} {
		navigate(t, ctx, srv.URL+"/")
		clickAndWait(t, ctx, `footer a[href="`+p.path+`"]`)
		checkPage(t, b, p.name, p.path)
	}
	// The district view of the e-government map.
	navigate(t, ctx, srv.URL+"/steuerung")
	clickAndWait(t, ctx, `a[href^="/steuerung?kreis=Leipzig"]`)
	checkPage(t, b, "E-Government-Karte Leipzig", "/steuerung")

	navigate(t, ctx, srv.URL+"/")
	clickAndWait(t, ctx, `a[hreflang="en"]`)
	s := readShell(t, ctx)
	if s.Lang != "en" && !strings.HasPrefix(s.Lang, "en-") {
		t.Errorf("after the language switch (%s): <html lang=%q>, want en", location(t, ctx), s.Lang)
	}
	if len(s.H1) != 1 {
		t.Errorf("English start page: h1 %q, want exactly one", s.H1)
	}
	if p := b.ConsoleProblems(); len(p) > 0 {
		t.Errorf("English start page: browser console:\n  %s", strings.Join(p, "\n  "))
	}
	AxeCheck(t, ctx, "start page (English)")

}
