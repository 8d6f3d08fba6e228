package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/web"
)

const (
	leipzig         = "14713000"
	keyAnmeldung    = "99050012104000"
	keyUmmeldung    = "99050012105000"
	keyHundesteuer  = "99024005000000"
	antragPathRegex = `^/antrag/([0-9a-f]{32})/([a-z-]+)$`
)

var (
	antragRe   = regexp.MustCompile(antragPathRegex)
	csrfAttrRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	receiptRe  = regexp.MustCompile(`^/antrag/eingang/([0-9a-f]{32})$`)
)

// dialog drives one application through the portal like a browser without JavaScript.
type dialog struct {
	t  *testing.T
	c  *apptest.Client
	id string
}

// start opens /antrag/neu and returns the dialog at its first step.
func start(t *testing.T, c *apptest.Client, leistung, ags, firstStep string) *dialog {
	t.Helper()
	r := c.Get("/antrag/neu?leistung=" + leistung + "&ags=" + ags)
	m := antragRe.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil || m[2] != firstStep {
		t.Fatalf("start %s: status %d, location %q", leistung, r.Status, r.Location)
	}
	return &dialog{t: t, c: c, id: m[1]}
}

func (d *dialog) url(step string) string { return "/antrag/" + d.id + "/" + step }

func (d *dialog) csrf(step string) string {
	d.t.Helper()
	r := d.c.Get(d.url(step))
	m := csrfAttrRe.FindStringSubmatch(r.Body)
	if r.Status != 200 || m == nil {
		d.t.Fatalf("GET %s: status %d, no CSRF token", d.url(step), r.Status)
	}
	return m[1]
}

// post sends a step post and returns the response.
func (d *dialog) post(step string, vals url.Values) *apptest.Response {
	d.t.Helper()
	v := url.Values{}
	for k, x := range vals {
		v[k] = x
	}
	v.Set("csrf_token", d.csrf(step))
	return d.c.Do("POST", d.url(step), "application/x-www-form-urlencoded", v.Encode(), nil)
}

// next posts a step and expects to be sent on to want.
func (d *dialog) next(step string, vals url.Values, want string) {
	d.t.Helper()
	r := d.post(step, vals)
	if r.Status != http.StatusSeeOther || r.Location != d.url(want) {
		d.t.Fatalf("%s: status %d, location %q, want %s\n%s", step, r.Status, r.Location, d.url(want), errorSummary(r.Body))
	}
}

type upload struct {
	field, name string
	content     []byte
}

// multipart posts a step with files.
func (d *dialog) multipart(step string, vals url.Values, files []upload, withCSRF bool) *apptest.Response {
	d.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if withCSRF {
		_ = mw.WriteField("csrf_token", d.csrf(step))
	}
	for k, xs := range vals {
		for _, x := range xs {
			_ = mw.WriteField(k, x)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.field, f.name)
		_, _ = w.Write(f.content)
	}
	_ = mw.Close()
	return d.c.Do("POST", d.url(step), mw.FormDataContentType(), buf.String(), nil)
}

var summaryRe = regexp.MustCompile(`(?s)<div class="rh-error-summary".*?</div>`)

func errorSummary(body string) string { return summaryRe.FindString(body) }

func kv(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

func with(a url.Values, b url.Values) url.Values {
	out := url.Values{}
	for k, x := range a {
		out[k] = append(out[k], x...)
	}
	for k, x := range b {
		out[k] = append(out[k], x...)
	}
	return out
}

var (
	gewEinstieg = kv("betrieb.rechtsform", "einzelunternehmen", "betrieb.niederlassungsart", "hauptniederlassung", "anmeldung.grund", "neuerrichtung")
	gewBetrieb  = kv("betrieb.geschaeftsbezeichnung", "Ayşes Fahrradwerkstatt",
		"betrieb.betriebsstaette.strasse", "Markt", "betrieb.betriebsstaette.hausnummer", "1",
		"betrieb.betriebsstaette.plz", "04109", "betrieb.betriebsstaette.ort", "Leipzig",
		"betrieb.kontakt.telefon", "0341 1234567", "betrieb.kontakt.email", "ayse@example.org")
	gewPerson = kv("personen[0].funktion", "inhaber", "personen[0].familienname", "Yılmaz", "personen[0].vornamen", "Ayşe",
		"personen[0].geburtsdatum", "27.03.1990", "personen[0].geburtsort", "Istanbul", "personen[0].geburtsland", "TR",
		"personen[0].staatsangehoerigkeiten", "TR",
		"personen[0].anschrift.strasse", "Karl-Liebknecht-Straße", "personen[0].anschrift.hausnummer", "12",
		"personen[0].anschrift.plz", "04107", "personen[0].anschrift.ort", "Leipzig", "personen[0].anschrift.staat", "DE")
	gewTitel = kv("personen[0].aufenthaltstitel.art", "Aufenthaltserlaubnis nach § 21 AufenthG",
		"personen[0].aufenthaltstitel.ausgestelltAm", "01.06.2025", "personen[0].aufenthaltstitel.behoerde", "Stadt Leipzig, Ausländerbehörde",
		"personen[0].aufenthaltstitel.auflagen", "")
	gewTaetigkeit = kv("taetigkeit.beschreibung", "Reparatur und Verkauf von Fahrrädern", "betrieb.betriebsart", "handel",
		"betrieb.nebenerwerb", "false", "anmeldung.beginn", "01.12.2026", "dialog.erlaubnis", "false")
	pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
)

// fillGewA1 walks a GewA 1 of a sole trader with Turkish nationality up to the review page.
func fillGewA1(t *testing.T, d *dialog) {
	t.Helper()
	d.next("einstieg", gewEinstieg, "betrieb")
	d.next("betrieb", gewBetrieb, "personen")

	// The residence title appears after the nationality is known: first as a new question,
	// unmarked and focused, with a note; once shown, it is required.
	r := d.post("personen", gewPerson)
	if r.Status != http.StatusSeeOther || r.Location != d.url("personen")+"?neu=f-personen-0-aufenthaltstitel-art" {
		t.Fatalf("nationality post: %d %q", r.Status, r.Location)
	}
	if p := d.c.Get(r.Location); !strings.Contains(p.Body, "weitere Fragen") || strings.Contains(p.Body, `aria-invalid="true"`) || !strings.Contains(p.Body, `id="f-personen-0-aufenthaltstitel-art"`) ||
		strings.Contains(p.Body, "<title>Fehler") {
		t.Fatalf("the new question is not shown, or shown as an error")
	}
	r = d.post("personen", gewPerson)
	if !strings.Contains(r.Body, "<title>Fehler (") {
		t.Error("the title of a page with errors does not say so")
	}
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-personen-0-aufenthaltstitel-art"`) ||
		!strings.Contains(errorSummary(r.Body), "#f-personen-0-aufenthaltstitel-art") {
		t.Fatalf("personen without residence title: status %d\n%s", r.Status, errorSummary(r.Body))
	}
	if !strings.Contains(r.Body, `name="personen[0].aufenthaltstitel.art" type="text" value="" required aria-required="true" aria-invalid="true"`) {
		t.Error("residence title field not marked required and invalid")
	}
	// The draft was saved although the post was invalid.
	if again := d.c.Get(d.url("personen")); !strings.Contains(again.Body, `value="Istanbul"`) {
		t.Error("invalid post not saved in the draft")
	}
	d.next("personen", with(gewPerson, gewTitel), "taetigkeit")

	// WZ search without JavaScript: the search button lists results, a radio picks one.
	r = d.post("taetigkeit", with(gewTaetigkeit, kv("taetigkeit.wz2008.q", "Fahrrad", "_action", "search:taetigkeit.wz2008")))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, d.url("taetigkeit")+"#") {
		t.Fatalf("WZ search: %d %q", r.Status, r.Location)
	}
	page := d.c.Get(d.url("taetigkeit")).Body
	m := regexp.MustCompile(`name="taetigkeit.wz2008" value="([0-9.]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no WZ results on the step")
	}
	// The WZ titles are German only: on the English page they say so (lang="de").
	if en := d.c.Get(d.url("taetigkeit") + "?lang=en").Body; !regexp.MustCompile(`<label class="rh-radio__label" for="[^"]+" lang="de">[0-9]{2}\.`).MatchString(en) {
		t.Error("WZ titles on the English page are not marked as German")
	}
	d.c.Get(d.url("taetigkeit") + "?lang=de")
	d.next("taetigkeit", with(gewTaetigkeit, kv("taetigkeit.wz2008", m[1])), "unterlagen")

	// Uploads: the type is sniffed from the content and must be allowed; size is limited.
	r = d.multipart("unterlagen", nil, []upload{{"unterlagen.ausweis", "ausweis.pdf", []byte("MZ\x90\x00 not a pdf at all")}}, true)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Dateityp ist nicht erlaubt. Erlaubt sind: PDF, JPEG, PNG.") {
		t.Fatalf("executable accepted: %d\n%s", r.Status, errorSummary(r.Body))
	}
	big := append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte{' '}, 10<<20)...)
	r = d.multipart("unterlagen", nil, []upload{{"unterlagen.ausweis", "gross.pdf", big}}, true)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "zu groß") {
		t.Fatalf("11 MB file accepted: %d\n%s", r.Status, errorSummary(r.Body))
	}
	// Too large to read at all: back to the step, which says why.
	huge := append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte{' '}, web.MaxUploadBody+1)...)
	r = d.multipart("unterlagen", nil, []upload{{"unterlagen.ausweis", "riesig.pdf", huge}}, true)
	if r.Status != http.StatusSeeOther || r.Location != d.url("unterlagen")+"?zugross=1" {
		t.Fatalf("upload over the body limit: %d %q", r.Status, r.Location)
	}
	if p := d.c.Get(r.Location); p.Status != 200 || !strings.Contains(p.Body, "zu groß") {
		t.Fatalf("step after a too large upload: %d", p.Status)
	}
	r = d.multipart("unterlagen", kv("_action", "next"), []upload{{"unterlagen.ausweis", `C:\Users\a\ausweis.pdf`, pdfBytes},
		{"unterlagen.aufenthaltstitel", "titel.png", pngBytes}}, true)
	if r.Status != http.StatusSeeOther || r.Location != d.url("pruefen") {
		t.Fatalf("uploads: %d %q\n%s", r.Status, r.Location, errorSummary(r.Body))
	}
}

func TestAntragGewerbeAnmeldung(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		u := app.CreateUser("ayse@example.org", identity.KindCitizen)
		if err := app.DB.UpdateUserName(t.Context(), u.ID, "Ayşe Yılmaz", app.Clock()); err != nil {
			t.Fatal(err)
		}
		c := app.Client()
		c.Login("ayse@example.org")
		d := start(t, c, keyAnmeldung, leipzig, "einstieg")

		// Prefill from the account.
		if p := d.c.Get(d.url("personen")).Body; !strings.Contains(p, `value="Yılmaz"`) || !strings.Contains(p, `value="Ayşe"`) {
			t.Error("name not prefilled from the account")
		}
		fillGewA1(t, d)

		// Save and resume: the draft is listed in "Meine Anträge" with a link back.
		if r := d.post("pruefen", kv("_action", "save")); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "gespeichert") {
			t.Fatalf("save on review: %d %q", r.Status, r.Location)
		}
		c.Do("POST", "/abmelden", "application/x-www-form-urlencoded", url.Values{"csrf_token": {c.CSRF("/konto")}}.Encode(), nil)
		c.Login("ayse@example.org")
		acc := c.Get("/konto").Body
		if !strings.Contains(acc, "Meine Anträge") || !strings.Contains(acc, `href="/antrag/`+d.id+`/review"`) && !strings.Contains(acc, `href="/antrag/`+d.id+`/pruefen"`) {
			t.Fatalf("draft not listed on /konto")
		}

		// Review: all sections, "Ändern" links, no open problems.
		rev := c.Get(d.url("pruefen"))
		if rev.Status != 200 || strings.Contains(rev.Body, "rh-error-summary") || !strings.Contains(rev.Body, `href="/antrag/`+d.id+`/personen"`) ||
			!strings.Contains(rev.Body, "Türkei") || !strings.Contains(rev.Body, "ausweis.pdf") || strings.Count(rev.Body, "<h1") != 1 {
			t.Fatalf("review page: %d\n%s", rev.Status, errorSummary(rev.Body))
		}

		// Another user gets 404 for the draft, also for posts.
		app.CreateUser("other@example.org", identity.KindCitizen)
		o := app.Client()
		o.Login("other@example.org")
		for _, p := range []string{d.url("einstieg"), d.url("pruefen")} {
			if r := o.Get(p); r.Status != 404 {
				t.Errorf("other user GET %s: %d", p, r.Status)
			}
		}
		if r := o.Do("POST", d.url("absenden"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {o.CSRF("/konto")}}.Encode(), nil); r.Status != 404 {
			t.Errorf("other user submit: %d", r.Status)
		}
		if r := app.Client().Get(d.url("einstieg")); r.Status != 404 {
			t.Errorf("anonymous GET of an account's draft: %d", r.Status)
		}

		// Submit twice (a double click): one submission, the same receipt.
		tok := d.csrf("pruefen")
		r1 := c.Do("POST", d.url("absenden"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}}.Encode(), nil)
		r2 := c.Do("POST", d.url("pruefen"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "_action": {"submit"}}.Encode(), nil)
		m := receiptRe.FindStringSubmatch(r1.Location)
		if r1.Status != http.StatusSeeOther || m == nil || r2.Location != r1.Location {
			t.Fatalf("submit: %d %q / %d %q\n%s", r1.Status, r1.Location, r2.Status, r2.Location, r1.Body)
		}
		var n int
		if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM submissions WHERE user_id = ?`, u.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d submissions (%v), want 1", n, err)
		}
		if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM attachments WHERE submission_id = ?`, m[1]).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d attachments linked to the submission (%v), want 2", n, err)
		}
		var version int
		if err := app.DB.QueryRow(t.Context(), `SELECT form_version FROM submissions WHERE id = ?`, m[1]).Scan(&version); err != nil || version != 1 {
			t.Errorf("form version %d (%v)", version, err)
		}

		// The receipt: reference, office, digest, both documents.
		rc := c.Get(r1.Location)
		for _, want := range []string{"GEW-" + leipzig + "-2026-000001", "SHA-256", "28.11.2026, 11:00 Uhr", r1.Location + "/antrag.pdf", r1.Location + "/empfangsbescheinigung.pdf", "Wie geht es weiter?"} {
			if !strings.Contains(rc.Body, want) {
				t.Errorf("receipt lacks %q", want)
			}
		}
		if strings.Count(rc.Body, "<h1") != 1 {
			t.Error("receipt: not exactly one h1")
		}
		for _, doc := range []string{"antrag.pdf", "empfangsbescheinigung.pdf"} {
			r := c.Get(r1.Location + "/" + doc)
			if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF") {
				t.Errorf("%s: %d %s", doc, r.Status, r.Header.Get("Content-Type"))
			}
			if r := o.Get(r1.Location + "/" + doc); r.Status != 404 {
				t.Errorf("other user downloads %s: %d", doc, r.Status)
			}
		}
		if r := o.Get(r1.Location); r.Status != 404 {
			t.Errorf("other user sees the receipt: %d", r.Status)
		}
		// The submitted draft is read-only: its steps lead to the receipt.
		if r := c.Get(d.url("einstieg")); r.Status != http.StatusSeeOther || r.Location != r1.Location {
			t.Errorf("step of a submitted draft: %d %q", r.Status, r.Location)
		}
		if acc := c.Get("/konto").Body; !strings.Contains(acc, "GEW-"+leipzig+"-2026-000001") || strings.Contains(acc, `href="/antrag/`+d.id+`/`) {
			t.Error("account page: submission not listed or draft still open")
		}
	})
}

func TestAntragAnonymousResumeByMail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		c := app.Client()
		d := start(t, c, keyAnmeldung, leipzig, "einstieg")
		d.next("einstieg", gewEinstieg, "betrieb")

		// Without the browser's cookie the draft does not exist.
		if r := app.Client().Get(d.url("betrieb")); r.Status != 404 {
			t.Fatalf("draft visible without its cookie: %d", r.Status)
		}
		// An invalid address is refused on the page.
		r := c.Do("POST", "/antrag/"+d.id+"/link", "application/x-www-form-urlencoded", url.Values{"csrf_token": {d.csrf("betrieb")}, "step": {"betrieb"}, "email": {"kein-at"}}.Encode(), nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="later-email-error"`) || !strings.Contains(r.Body, `value="kein-at"`) ||
			!strings.Contains(r.Body, `aria-invalid="true" autofocus`) || !strings.Contains(r.Body, "<title>Fehler (1): ") {
			t.Fatalf("invalid address: %d (the address kept, the field focused, the title saying so)", r.Status)
		}
		// The page is answered at /link, but the step posts to its own address.
		if !strings.Contains(r.Body, `<form method="post" novalidate id="step-form" action="`+d.url("betrieb")+`"`) {
			t.Fatal("the step re-rendered by /link does not post to the step")
		}
		// Sent with the step's form ("save"): what was typed on the step is saved too.
		r = c.Do("POST", "/antrag/"+d.id+"/link", "application/x-www-form-urlencoded", url.Values{"csrf_token": {d.csrf("betrieb")}, "step": {"betrieb"},
			"email": {"gruenderin@example.org"}, "_action": {"save"}, "betrieb.geschaeftsbezeichnung": {"Getippt vor dem Pausieren"}}.Encode(), nil)
		if r.Status != http.StatusSeeOther || r.Location != d.url("betrieb")+"?link=gesendet" {
			t.Fatalf("mail link: %d %q", r.Status, r.Location)
		}
		if p := c.Get(d.url("betrieb")); !strings.Contains(p.Body, `value="Getippt vor dem Pausieren"`) {
			t.Fatal("what was typed on the step was not saved with the link")
		}
		app.RunJobs()
		msg, ok := app.Outbox.Last("gruenderin@example.org")
		if !ok {
			t.Fatal("no resume mail")
		}
		link := regexp.MustCompile(`http://\S+/antrag/fortsetzen\?token=\S+`).FindString(msg.Text)
		if link == "" {
			t.Fatalf("mail without link:\n%s", msg.Text)
		}
		u, _ := url.Parse(link)

		// Another browser opens the link and continues where the draft was left.
		b := app.Client()
		r = b.Get(u.RequestURI())
		if r.Status != http.StatusSeeOther || r.Location != d.url("betrieb") {
			t.Fatalf("resume link: %d %q", r.Status, r.Location)
		}
		d2 := &dialog{t: t, c: b, id: d.id}
		if p := b.Get(d.url("einstieg")).Body; !strings.Contains(p, `value="neuerrichtung" checked`) {
			t.Error("resumed draft lost the first step's answers")
		}
		if r := b.Get("/antrag/fortsetzen?token=" + d.id + ".falsch-falsch-falsch-falsch"); r.Status != http.StatusGone {
			t.Errorf("forged token: %d", r.Status)
		}
		d2.next("betrieb", gewBetrieb, "personen")
		d2.next("personen", with(gewPerson, gewTitel), "taetigkeit")
		d2.next("taetigkeit", gewTaetigkeit, "unterlagen")
		d2.next("unterlagen", nil, "pruefen")
		r = b.Do("POST", d.url("absenden"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {d2.csrf("pruefen")}}.Encode(), nil)
		if r.Status != http.StatusSeeOther || !receiptRe.MatchString(r.Location) {
			t.Fatalf("anonymous submit: %d %q", r.Status, r.Location)
		}
		// The anonymous submitter sees the receipt and documents; a stranger does not.
		if rc := b.Get(r.Location); rc.Status != 200 || !strings.Contains(rc.Body, "GEW-"+leipzig) {
			t.Fatalf("anonymous receipt: %d", rc.Status)
		}
		if doc := b.Get(r.Location + "/empfangsbescheinigung.pdf"); doc.Status != 200 || !strings.HasPrefix(doc.Body, "%PDF") {
			t.Errorf("anonymous document: %d", doc.Status)
		}
		if rc := app.Client().Get(r.Location); rc.Status != 404 {
			t.Errorf("stranger sees the receipt: %d", rc.Status)
		}
	})
}

func TestAntragCSRFOnEveryPost(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	d := start(t, c, keyAnmeldung, leipzig, "einstieg")
	for _, p := range []string{d.url("einstieg"), d.url("pruefen"), d.url("absenden"), d.url("link"), d.url("loeschen")} {
		r := c.Do("POST", p, "application/x-www-form-urlencoded", gewEinstieg.Encode(), nil)
		if r.Status != http.StatusForbidden {
			t.Errorf("POST %s without token: %d", p, r.Status)
		}
	}
	if r := d.multipart("einstieg", gewEinstieg, []upload{{"unterlagen.ausweis", "a.pdf", pdfBytes}}, false); r.Status != http.StatusForbidden {
		t.Errorf("multipart without token: %d", r.Status)
	}
	// A multipart post with the token works like a plain one.
	if r := d.multipart("einstieg", gewEinstieg, nil, true); r.Status != http.StatusSeeOther || r.Location != d.url("betrieb") {
		t.Errorf("multipart with token: %d %q", r.Status, r.Location)
	}
	// Deleting the draft (sent with the step's form) saves what was typed and asks first
	// (nothing deleted), then removes it.
	tok := d.csrf("betrieb")
	if p := c.Get(d.url("betrieb")).Body; !strings.Contains(p, `form="step-form" formaction="/antrag/`+d.id+`/loeschen" name="_action" value="save"`) {
		t.Fatal("the delete button is not part of the step's form")
	}
	ask := c.Do("POST", d.url("loeschen"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "step": {"betrieb"}, "_action": {"save"},
		"betrieb.geschaeftsbezeichnung": {"Vor dem Löschen getippt"}}.Encode(), nil)
	if ask.Status != 200 || !strings.Contains(ask.Body, `name="bestaetigt" value="1"`) || !strings.Contains(ask.Body, `href="`+d.url("betrieb")+`"`) {
		t.Fatalf("delete without confirmation: %d", ask.Status)
	}
	if r := c.Get(d.url("betrieb")); r.Status != 200 || !strings.Contains(r.Body, `value="Vor dem Löschen getippt"`) {
		t.Fatalf("the draft was deleted before the confirmation, or the typed name lost: %d", r.Status)
	}
	if r := c.Do("POST", d.url("loeschen"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {tok}, "bestaetigt": {"1"}}.Encode(), nil); r.Status != http.StatusSeeOther {
		t.Errorf("delete: %d", r.Status)
	}
	if r := c.Get(d.url("betrieb")); r.Status != 404 {
		t.Errorf("deleted draft: %d", r.Status)
	}
}

func TestAntragUmmeldungOtherMunicipality(t *testing.T) {
	app := apptest.NewSQLite(t)
	d := start(t, app.Client(), keyUmmeldung, leipzig, "einstieg")
	d.next("einstieg", kv("ummeldung.grund", "verlegung_innerhalb_meldebezirk", "ummeldung.datum", "01.11.2026",
		"betrieb.rechtsform", "einzelunternehmen", "betrieb.niederlassungsart", "hauptniederlassung"), "betrieb")
	r := d.post("betrieb", with(gewBetrieb, kv("ummeldung.fruehereBetriebsstaette.strasse", "Prager Straße",
		"ummeldung.fruehereBetriebsstaette.hausnummer", "2", "ummeldung.fruehereBetriebsstaette.plz", "01067",
		"ummeldung.fruehereBetriebsstaette.ort", "Dresden")))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Gewerbeanmeldung") ||
		!strings.Contains(r.Body, `href="/antrag/neu?leistung=`+keyAnmeldung+`&amp;ags=`+leipzig+`"`) {
		t.Fatalf("R9: %d\n%s", r.Status, errorSummary(r.Body))
	}
}

func TestAntragHundesteuerWithFee(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		app.CreateUser("halterin@example.org", identity.KindCitizen)
		c := app.Client()
		c.Login("halterin@example.org")
		d := start(t, c, keyHundesteuer, leipzig, "halter")
		d.next("halter", kv("halter.familienname", "Schmidt", "halter.vornamen", "Jana", "halter.geburtsdatum", "12.05.1985",
			"halter.email", "halterin@example.org", "anschrift.strasse", "Markt", "anschrift.hausnummer", "3",
			"anschrift.plz", "04109", "anschrift.ort", "Leipzig"), "hund")
		d.next("hund", kv("hund.name", "Bello", "hund.rasse", "Mischling", "hund.geburtsjahr", "2022", "hund.aufnahme", "01.11.2026",
			"hund.chipnummer", "276098106543210", "hund.listenhund", "false"), "haltung")
		// A reduction needs proof: the upload field appears and is required.
		r := d.post("haltung", kv("zweithund", "false", "beginn", "01.11.2026", "ermaessigung.grund", "sozialleistung"))
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "?neu=f-") {
			t.Fatalf("proof of reduction not shown as a new question: %d %q", r.Status, r.Location)
		}
		r = d.post("haltung", kv("zweithund", "false", "beginn", "01.11.2026", "ermaessigung.grund", "sozialleistung"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `enctype="multipart/form-data"`) {
			t.Fatalf("proof of reduction not required: %d", r.Status)
		}
		d.next("haltung", kv("zweithund", "false", "beginn", "01.11.2026", "ermaessigung.grund", "keine"), "pruefen")
		rev := c.Get(d.url("pruefen")).Body
		if !strings.Contains(rev, "100,00\u00a0€") || strings.Contains(rev, "rh-error-summary") {
			t.Fatalf("review: fee missing or problems\n%s", errorSummary(rev))
		}
		r = c.Do("POST", d.url("absenden"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {d.csrf("pruefen")}}.Encode(), nil)
		if r.Status != http.StatusSeeOther || !receiptRe.MatchString(r.Location) {
			t.Fatalf("submit: %d %q\n%s", r.Status, r.Location, errorSummary(r.Body))
		}
		if rc := c.Get(r.Location); rc.Status != 200 || !strings.Contains(rc.Body, "-"+leipzig+"-2026-000001") {
			t.Fatalf("receipt: %d", rc.Status)
		}
		for _, doc := range []string{"antrag.pdf", "empfangsbescheinigung.pdf"} {
			if res := c.Get(r.Location + "/" + doc); res.Status != 200 || !strings.HasPrefix(res.Body, "%PDF") {
				t.Errorf("%s: %d", doc, res.Status)
			}
		}
	})
}

func TestAntragStartAndWZAPI(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	// The Zuständigkeitsfinder links to /antrag/neu for the municipality found.
	if b := c.Get("/leistungen/" + keyAnmeldung + "?ort=04109").Body; !strings.Contains(b, `href="/antrag/neu?leistung=`+keyAnmeldung+`&amp;ags=`+leipzig+`"`) {
		t.Error("finder does not link to the application")
	}
	if r := c.Get("/antrag/neu?leistung=" + keyAnmeldung); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/leistungen/"+keyAnmeldung) {
		t.Errorf("start without municipality: %d %q", r.Status, r.Location)
	}
	if r := c.Get("/antrag/neu?leistung=00000000000000&ags=" + leipzig); r.Status != 404 {
		t.Errorf("unknown service: %d", r.Status)
	}
	r := c.Get("/api/v1/wz?q=Friseur")
	if r.Status != 200 || !strings.Contains(r.Body, `"code":"96.02`) {
		t.Errorf("wz api: %d %s", r.Status, r.Body)
	}
	if r := c.Get("/api/v1/wz?q="); r.Status != 200 || !strings.Contains(r.Body, `"count":0`) {
		t.Errorf("empty wz query: %s", r.Body)
	}
	// The step page loads form.js with defer and no inline script or style.
	d := start(t, c, keyAnmeldung, leipzig, "einstieg")
	p := c.Get(d.url("einstieg")).Body
	js := regexp.MustCompile(`<script src="(/static/form\.[0-9a-f]{12}\.js)" defer></script>`).FindStringSubmatch(p)
	if js == nil || strings.Contains(p, "<script>") || strings.Contains(p, " style=") || strings.Count(p, "<h1") != 1 {
		t.Fatal("step page: script tag, inline code or h1 count wrong")
	}
	if r := c.Get(js[1]); r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "javascript") {
		t.Errorf("form.js: %d", r.Status)
	}
}

// filledGewA1 logs a citizen in, starts a Gewerbeanmeldung with the municipality ags and walks
// it to the review page (fillGewA1; premises in Leipzig).
func filledGewA1(t *testing.T, ags string) (*apptest.App, *apptest.Client, *dialog) {
	t.Helper()
	app := apptest.NewSQLite(t)
	app.CreateUser("ayse@example.org", identity.KindCitizen)
	c := app.Client()
	c.Login("ayse@example.org")
	d := start(t, c, keyAnmeldung, ags, "einstieg")
	fillGewA1(t, d)
	return app, c, d
}

// TestAntragHandedOverToTheRightMunicipality: a Gewerbeanmeldung started with Dresden for
// premises in Leipzig is not lost: the review page offers to hand the draft over to Leipzig,
// which keeps every answer and upload, and it is then filed with Leipzig.
func TestAntragHandedOverToTheRightMunicipality(t *testing.T) {
	app, c, d := filledGewA1(t, dresden)
	rev := c.Get(d.url("pruefen"))
	action := "/antrag/" + d.id + "/gemeinde"
	if !strings.Contains(rev.Body, `action="`+action+`"`) || !strings.Contains(rev.Body, "Antrag an Leipzig") {
		t.Fatalf("review does not offer the hand-over:\n%s", errorSummary(rev.Body))
	}
	// The offer follows the heading and the error summary (reading and tab order), and the
	// title says there are errors.
	if strings.Index(rev.Body, "Antrag an Leipzig") < strings.Index(rev.Body, "<h1") || !strings.Contains(rev.Body, "<title>Fehler (") {
		t.Fatal("the hand-over offer comes before the heading, or the title does not say there are errors")
	}
	r := c.Do("POST", action, "application/x-www-form-urlencoded", url.Values{"csrf_token": {d.csrf("pruefen")}}.Encode(), nil)
	if r.Status != http.StatusSeeOther || r.Location != d.url("pruefen")+"?uebergeben=1" {
		t.Fatalf("hand-over: %d %q", r.Status, r.Location)
	}
	rev = c.Get(r.Location)
	if rev.Status != 200 || strings.Contains(rev.Body, "rh-error-summary") || !strings.Contains(rev.Body, "jetzt bei Leipzig") ||
		!strings.Contains(rev.Body, "Türkei") || !strings.Contains(rev.Body, "ausweis.pdf") {
		t.Fatalf("review after the hand-over: %d\n%s", rev.Status, errorSummary(rev.Body))
	}
	r = c.Do("POST", d.url("absenden"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {d.csrf("pruefen")}}.Encode(), nil)
	if r.Status != http.StatusSeeOther || !receiptRe.MatchString(r.Location) {
		t.Fatalf("submit: %d %q", r.Status, r.Location)
	}
	if p := c.Get(r.Location); !strings.Contains(p.Body, "GEW-"+leipzig+"-") {
		t.Fatal("not filed with Leipzig")
	}
	// Leipzig's Gewerbeamt sees the applicant's uploads on the case and can open them.
	sid := receiptRe.FindStringSubmatch(r.Location)[1]
	cs, err := app.DB.CaseBySubmission(t.Context(), sid)
	if err != nil {
		t.Fatal(err)
	}
	app.CreateStaff("gewerbe@leipzig.example", leipzig)
	staff := app.Client()
	staff.Login("gewerbe@leipzig.example")
	page := staff.Get("/amt/vorgaenge/" + cs.ID)
	m := regexp.MustCompile(`href="(/amt/vorgaenge/[^"]+/unterlagen/[^"]+)">ausweis\.pdf</a>`).FindStringSubmatch(page.Body)
	if page.Status != 200 || m == nil || !strings.Contains(page.Body, "Unterlagen der antragstellenden Person") {
		t.Fatalf("case page does not list the uploads: %d", page.Status)
	}
	if !strings.Contains(page.Body, ": wartet") || strings.Contains(page.Body, ": queued") {
		t.Fatal("the case page shows the delivery status as a code")
	}
	if f := staff.Get(m[1]); f.Status != 200 || f.Body != string(pdfBytes) {
		t.Fatalf("upload download: %d", f.Status)
	}
	// Another user cannot hand someone's draft over.
	if r := app.Client().Do("POST", action, "application/x-www-form-urlencoded", "", nil); r.Status != 403 && r.Status != 404 {
		t.Fatalf("anonymous hand-over: %d", r.Status)
	}
}

// TestAntragLanguageSwitchKeepsInput: on a form step the language switch (a link form.js turns
// into a "save" post of the step to ?lang=…) saves what was typed, then shows the step in the
// other language; Enter in a field still means "Weiter" (the step's first submit button).
func TestAntragLanguageSwitchKeepsInput(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	d := start(t, c, keyAnmeldung, leipzig, "einstieg")
	d.next("einstieg", gewEinstieg, "betrieb")
	page := c.Get(d.url("betrieb"))
	if !strings.Contains(page.Body, `id="step-form"`) || !strings.Contains(page.Body, `lang="en" data-save-step>`) || strings.Contains(page.Body, `formaction="?lang=`) {
		t.Fatal("the language switch of a step is not the link form.js enhances")
	}
	v := url.Values{"csrf_token": {d.csrf("betrieb")}, "_action": {"save"}, "betrieb.geschaeftsbezeichnung": {"Fahrradwerkstatt Mustermann"}}
	r := c.Do("POST", d.url("betrieb")+"?lang=en", "application/x-www-form-urlencoded", v.Encode(), nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("switch: %d", r.Status)
	}
	en := c.Get(r.Location)
	if !strings.Contains(en.Body, `<html lang="en">`) || !strings.Contains(en.Body, `value="Fahrradwerkstatt Mustermann"`) {
		t.Fatal("after the switch the step is not English or lost the input")
	}
}

// TestAntragReviewLinksTheQuestion: a notice about the Handwerkskarte (R4) links to the
// question about it on the step that asks it, not to a step and field that do not exist.
func TestAntragReviewLinksTheQuestion(t *testing.T) {
	_, c, d := filledGewA1(t, leipzig)
	handwerk := with(gewTaetigkeit, kv("betrieb.betriebsart", "handwerk", "dialog.handwerkskarte", "false", "taetigkeit.wz2008", "45.20.1"))
	d.post("taetigkeit", handwerk) // brings up the question about the card
	d.next("taetigkeit", handwerk, "unterlagen")
	rev := c.Get(d.url("pruefen")).Body
	if !strings.Contains(rev, `href="/antrag/`+d.id+`/taetigkeit#f-dialog-handwerkskarte"`) {
		t.Fatalf("the Handwerkskarte notice does not link to its question:\n%s", rev[strings.Index(rev, "<main"):])
	}
}

// TestAntragReviewWarnsOnce: a start date in the past is warned about once on the review
// page, although the form and the procedure both notice it.
func TestAntragReviewWarnsOnce(t *testing.T) {
	app, c, d := filledGewA1(t, leipzig)
	past := app.Clock().AddDate(0, 0, -10).Format("02.01.2006")
	taet := with(gewTaetigkeit, nil)
	taet.Set("anmeldung.beginn", past)
	taet.Set("taetigkeit.wz2008", "47.64.1")
	d.next("taetigkeit", taet, "unterlagen")
	rev := c.Get(d.url("pruefen")).Body
	if n := strings.Count(rev, `/taetigkeit#f-anmeldung-beginn"`); n != 1 {
		t.Fatalf("the past start date is warned about %d times", n)
	}
	r := c.Do("POST", d.url("absenden"), "application/x-www-form-urlencoded", url.Values{"csrf_token": {d.csrf("pruefen")}}.Encode(), nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	if receipt := c.Get(r.Location).Body; strings.Count(receipt, "Das Datum liegt in der Vergangenheit") != 1 {
		t.Fatalf("the receipt warns about the past start date %d times", strings.Count(receipt, "Das Datum liegt in der Vergangenheit"))
	}
}
