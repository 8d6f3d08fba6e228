package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

// The case work journey of issue 5: a citizen files a Gewerbe-Anmeldung with Dresden through
// the portal, the Gewerbeamt asks a question, the citizen answers in the Postfach with an
// attachment, the Gewerbeamt involves the Ordnungsamt, which answers, the Gewerbeamt closes
// the case with a Bescheid, and the citizen reads it. axe-core runs on every page of both
// sides; the notification mails arrive at a real SMTP server (mailpit) without personal data.

const dresdenAGS = "14612000"

// createStaff makes a staff account of an office of Dresden with the CLI against the running
// server's database (SQLite in WAL mode takes the second writer).
func createStaff(t *testing.T, bin string, srv *testenv.Server, email, office string) {
	t.Helper()
	out, err := exec.Command(bin, "user", "create", "--data", srv.DataDir, "--email", email, "--name", "Sachbearbeitung "+office,
		"--kind", "staff", "--tenant", dresdenAGS, "--office", office, "--password", "Amtsstube-2026-sicher").CombinedOutput()
	if err != nil {
		t.Fatalf("rathaus user create %s: %v\n%s", email, err, out)
	}
}

func staffLogin(t *testing.T, b *Browser, srv *testenv.Server, email string) {
	t.Helper()
	navigate(t, b.Ctx, srv.URL+"/anmelden")
	if err := step(b.Ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "Amtsstube-2026-sicher"),
	); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, b.Ctx, `form:has(#password) button[type="submit"]`)
}

// fileAnmeldungDresden walks the portal's GewA 1 for Dresden and returns the reference.
func fileAnmeldungDresden(t *testing.T, b *Browser, srv *testenv.Server) string {
	t.Helper()
	ctx := b.Ctx
	navigate(t, ctx, srv.URL+"/antrag/neu?leistung="+anmeldungKey+"&ags="+dresdenAGS)
	wantStep(t, b, "Einstieg", "einstieg")
	next := chromedp.Click(chromedp.CSS(`main button.rh-button[value="next"]`), chromedp.NodeVisible)
	if err := step(ctx,
		chromedp.SetValue(chromedp.CSS("#f-betrieb-rechtsform"), "einzelunternehmen"),
		chromedp.Click(chromedp.CSS("#f-betrieb-niederlassungsart-0"), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS("#f-anmeldung-grund-0"), chromedp.NodeVisible),
	); err != nil {
		t.Fatal(err)
	}
	submitExpect(t, ctx, "Einstieg", next, 200)
	wantStep(t, b, "Betrieb", "betrieb")
	if err := step(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-betrieb-geschaeftsbezeichnung"), "Elbkiosk Mustermann"),
		chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-strasse"), "Altmarkt"),
		chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-hausnummer"), "1"),
		chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-plz"), "01067"),
		chromedp.SendKeys(chromedp.CSS("#f-betrieb-betriebsstaette-ort"), "Dresden"),
		chromedp.SendKeys(chromedp.CSS("#f-betrieb-kontakt-telefon"), "0351 1234567"),
	); err != nil {
		t.Fatal(err)
	}
	submitExpect(t, ctx, "Betrieb", next, 200)
	wantStep(t, b, "Personen", "personen")
	if err := step(ctx,
		chromedp.Click(chromedp.CSS("#f-personen-0-funktion-0"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#f-personen-0-geburtsdatum"), "27.03.1990"),
		chromedp.SendKeys(chromedp.CSS("#f-personen-0-geburtsort"), "Meißen"),
		chromedp.SetValue(chromedp.CSS("#f-personen-0-staatsangehoerigkeiten-0"), "DE"),
		chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-strasse"), "Prager Straße"),
		chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-hausnummer"), "12"),
		chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-plz"), "01069"),
		chromedp.SendKeys(chromedp.CSS("#f-personen-0-anschrift-ort"), "Dresden"),
	); err != nil {
		t.Fatal(err)
	}
	submitExpect(t, ctx, "Personen", next, 200)
	wantStep(t, b, "Tätigkeit", "taetigkeit")
	if err := step(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-taetigkeit-beschreibung"), "Einzelhandel mit Getränken, Zeitschriften und Tabakwaren"),
		chromedp.Click(chromedp.CSS("#f-betrieb-betriebsart-2"), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS("#f-betrieb-nebenerwerb-1"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#f-anmeldung-beginn"), beginn()),
	); err != nil {
		t.Fatal(err)
	}
	submitExpect(t, ctx, "Tätigkeit", next, 200)
	wantStep(t, b, "Unterlagen", "unterlagen")
	submitExpect(t, ctx, "Unterlagen", next, 200)
	wantStep(t, b, "Prüfen", "pruefen")
	clickAndWait(t, ctx, `main button.rh-button[value="submit"]`)
	ref := regexp.MustCompile(`GEW-14612000-\d{4}-\d{6}`).FindString(readShell(t, ctx).Text)
	if ref == "" {
		t.Fatalf("no Dresden reference on the receipt (%s):\n%s", location(t, ctx), readShell(t, ctx).Text)
	}
	return ref
}

// postfachMail waits for the n-th "Neue Nachricht" mail and checks it carries no personal data.
func postfachMail(t *testing.T, mp *testenv.Mailpit, srv *testenv.Server, c citizen, n int, personal ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got []testenv.Message
		for _, m := range mp.Messages(t) {
			if strings.Contains(m.Subject, "Neue Nachricht in Ihrem Postfach") && strings.Contains(strings.Join(m.To, ","), c.Email) {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			m := got[0]
			if m.Link(srv.URL+"/postfach") == "" {
				t.Errorf("notification mail has no link to the Postfach:\n%s", m.Text)
			}
			for _, p := range append(personal, c.Name, "Mustermann") {
				if strings.Contains(m.Subject+m.Text, p) {
					t.Errorf("notification mail contains personal data %q:\n%s", p, m.Text)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notification mails to %s, want %d", len(got), c.Email, n)
		}
		time.Sleep(200 * time.Millisecond) // polling an outside SMTP server: no event to wait on
	}
}

func TestCaseWorkJourneyAccessible(t *testing.T) {
	testenv.Chromium(t)
	mp := testenv.StartMailpit(t)
	host, port := mp.SMTPAddr()
	bin := testenv.BuildRathaus(t)
	srv := testenv.StartRathaus(t, bin, "--smtp-host", host, "--smtp-port", strconv.Itoa(port), "--smtp-from", "rathaus@example.org", "--demo=false")
	createStaff(t, bin, srv, "gewerbeamt@dresden.example", "gewerbeamt")
	createStaff(t, bin, srv, "ordnungsamt@dresden.example", "ordnungsamt")

	// The citizen files.
	cb := NewBrowser(t)
	c := newCitizen("vorgang")
	registerPointer(t, cb, srv, mp, c)
	ref := fileAnmeldungDresden(t, cb, srv)

	// The Gewerbeamt finds the case and asks a question.
	gb := NewBrowser(t)
	staffLogin(t, gb, srv, "gewerbeamt@dresden.example")
	navigate(t, gb.Ctx, srv.URL+"/amt/vorgaenge")
	checkPage(t, gb, "Vorgänge", "/amt/vorgaenge")
	if !strings.Contains(readShell(t, gb.Ctx).Text, ref) {
		t.Fatalf("the inbox does not list %s", ref)
	}
	clickAndWait(t, gb.Ctx, `main table a[href^="/amt/vorgaenge/"]`)
	casePath := strings.TrimPrefix(location(t, gb.Ctx), srv.URL)
	checkPage(t, gb, "Vorgang", casePath)
	caseID := strings.TrimPrefix(casePath, "/amt/vorgaenge/")
	if err := step(gb.Ctx, chromedp.SendKeys(chromedp.CSS("#question"), "Bitte senden Sie uns eine Kopie Ihres Personalausweises.")); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, gb.Ctx, `form[action$="/rueckfrage"] button[type="submit"]`)
	checkPage(t, gb, "Vorgang nach der Rückfrage", casePath)
	postfachMail(t, mp, srv, c, 1, ref, "Personalausweis", "Elbkiosk")

	// The citizen answers in the Postfach with an attachment.
	navigate(t, cb.Ctx, srv.URL+"/")
	clickAndWait(t, cb.Ctx, `header a[href="/postfach"]`)
	checkPage(t, cb, "Postfach", "/postfach")
	clickAndWait(t, cb.Ctx, `main a[href="/postfach/`+caseID+`"]`)
	checkPage(t, cb, "Postfach-Vorgang", "/postfach/"+caseID)
	if !strings.Contains(readShell(t, cb.Ctx).Text, "Personalausweises") {
		t.Fatal("the Postfach does not show the question")
	}
	attachment := filepath.Join(t.TempDir(), "ausweis.pdf")
	if err := os.WriteFile(attachment, []byte("%PDF-1.4\n% Kopie des Ausweises\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := step(cb.Ctx,
		chromedp.SendKeys(chromedp.CSS("#reply"), "Anbei die Kopie."),
		chromedp.SetUploadFiles(chromedp.CSS("#reply_files"), []string{attachment}),
	); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, cb.Ctx, `form[action$="/nachricht"] button[type="submit"]`)
	checkPage(t, cb, "Postfach nach der Antwort", "/postfach/"+caseID)

	// The Gewerbeamt sees the answer and involves the Ordnungsamt (business data only).
	navigate(t, gb.Ctx, srv.URL+casePath)
	checkPage(t, gb, "Vorgang mit Antwort", casePath)
	if s := readShell(t, gb.Ctx).Text; !strings.Contains(s, "Anbei die Kopie.") || !strings.Contains(s, "ausweis.pdf") {
		t.Fatal("the office does not see the answer with its attachment")
	}
	if err := step(gb.Ctx,
		chromedp.SetValue(chromedp.CSS("#office_kind"), "ordnungsamt"),
		chromedp.SendKeys(chromedp.CSS("#part_question"), "Bestehen Bedenken gegen den Verkauf von Tabakwaren am Altmarkt?"),
	); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, gb.Ctx, `form[action$="/beteiligung"] button[type="submit"]`)
	checkPage(t, gb, "Vorgang in Beteiligung", casePath)

	// The Ordnungsamt answers; it sees the business, not the person.
	ob := NewBrowser(t)
	staffLogin(t, ob, srv, "ordnungsamt@dresden.example")
	navigate(t, ob.Ctx, srv.URL+"/amt/beteiligungen")
	checkPage(t, ob, "Beteiligungen", "/amt/beteiligungen")
	clickAndWait(t, ob.Ctx, `main table a[href^="/amt/beteiligungen/"]`)
	partPath := strings.TrimPrefix(location(t, ob.Ctx), srv.URL)
	checkPage(t, ob, "Beteiligung", partPath)
	if s := readShell(t, ob.Ctx).Text; !strings.Contains(s, "Elbkiosk Mustermann") || strings.Contains(s, "Meißen") || strings.Contains(s, "Anbei die Kopie") {
		t.Fatalf("the Ordnungsamt sees the wrong parts:\n%s", s)
	}
	if err := step(ob.Ctx, chromedp.SendKeys(chromedp.CSS("#answer"), "Keine Bedenken. Jugendschutz beachten.")); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, ob.Ctx, `form[action$="/antwort"] button[type="submit"]`)
	checkPage(t, ob, "Beteiligung beantwortet", partPath)

	// The Gewerbeamt reads the statement and closes the case with a Bescheid.
	navigate(t, gb.Ctx, srv.URL+casePath)
	checkPage(t, gb, "Vorgang mit Stellungnahme", casePath)
	if !strings.Contains(readShell(t, gb.Ctx).Text, "Jugendschutz beachten") {
		t.Fatal("the lead office does not see the statement")
	}
	if err := step(gb.Ctx,
		chromedp.Click(chromedp.CSS("#result-abgeschlossen"), chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#template"), "gewerbe_bestaetigung"),
	); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, gb.Ctx, `form[action$="/abschluss"] button[type="submit"]`)
	checkPage(t, gb, "Vorgang abgeschlossen", casePath)

	// The citizen is told and reads the Bescheid (read receipt).
	postfachMail(t, mp, srv, c, 2, ref)
	navigate(t, cb.Ctx, srv.URL+"/postfach/"+caseID)
	checkPage(t, cb, "Postfach mit Bescheid", "/postfach/"+caseID)
	href := eval[string](t, cb.Ctx, `(document.querySelector('main a[href*="/bescheide/"]') || {getAttribute: () => ""}).getAttribute("href")`)
	if href == "" {
		t.Fatal("no Bescheid in the Postfach")
	}
	fetchPDF(t, cb.Ctx, href)
	navigate(t, gb.Ctx, srv.URL+casePath)
	checkPage(t, gb, "Vorgang mit Lesebestätigung", casePath)
	if !strings.Contains(readShell(t, gb.Ctx).Text, "abgerufen am") {
		t.Error("the office does not see the read receipt")
	}
}
