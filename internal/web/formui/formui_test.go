package formui

import (
	"bytes"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/form"
)

var (
	tagRe  = regexp.MustCompile(`<(input|select|textarea|label|fieldset|legend|button|a|div|p|ul|h1|h2|h3|dl|section)\b([^>]*)>`)
	attrRe = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9-]*)(?:="([^"]*)")?`)
)

type tag struct {
	name  string
	attrs map[string]string
}

func tags(html string) []tag {
	var out []tag
	for _, m := range tagRe.FindAllStringSubmatch(html, -1) {
		t := tag{name: m[1], attrs: map[string]string{}}
		for _, a := range attrRe.FindAllStringSubmatch(m[2], -1) {
			t.attrs[a[1]] = a[2]
		}
		out = append(out, t)
	}
	return out
}

// checkAccessible applies the structural checks every form page must pass.
func checkAccessible(t *testing.T, name, html string) {
	t.Helper()
	all := tags(html)
	ids := map[string]int{}
	labels := map[string]bool{}
	for _, tg := range all {
		if id, ok := tg.attrs["id"]; ok {
			ids[id]++
		}
		if tg.name == "label" {
			labels[tg.attrs["for"]] = true
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", name, id, n)
		}
	}
	for _, tg := range all {
		switch tg.name {
		case "input", "select", "textarea":
			if tg.attrs["type"] == "hidden" {
				continue
			}
			id := tg.attrs["id"]
			if id == "" || !labels[id] {
				t.Errorf("%s: %s name=%q has no <label for>", name, tg.name, tg.attrs["name"])
			}
			if tg.attrs["name"] == "" {
				t.Errorf("%s: %s id=%q has no name", name, tg.name, id)
			}
		}
		if d, ok := tg.attrs["aria-describedby"]; ok {
			for _, ref := range strings.Fields(d) {
				if ids[ref] == 0 {
					t.Errorf("%s: aria-describedby %q points nowhere", name, ref)
				}
			}
		}
		if tg.name == "a" && strings.HasPrefix(tg.attrs["href"], "#") && ids[tg.attrs["href"][1:]] == 0 {
			t.Errorf("%s: link %q points nowhere", name, tg.attrs["href"])
		}
		if _, ok := tg.attrs["style"]; ok {
			t.Errorf("%s: inline style on %s", name, tg.name)
		}
		for a := range tg.attrs {
			if strings.HasPrefix(a, "on") {
				t.Errorf("%s: inline event handler %s", name, a)
			}
		}
	}
	if strings.Contains(html, "<script") {
		t.Errorf("%s: script in the markup", name)
	}
	if strings.Count(html, "<fieldset") != strings.Count(html, "<legend") {
		t.Errorf("%s: every fieldset needs a legend", name)
	}
}

type plz map[string][]form.Gemeinde

func (p plz) Resolve(s string) []form.Gemeinde { return p[s] }

func env() form.Env {
	return form.Env{
		Today: time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC),
		PLZ:   plz{"04109": {{AGS: "14713000", Name: "Leipzig, Stadt"}}, "01896": {{AGS: "14625240", Name: "Pulsnitz, Stadt"}, {AGS: "14625200", Name: "Ohorn"}}},
		WZ:    form.NewWZTable([]form.WZEntry{{Code: "95.29", Title: "Reparatur von sonstigen Gebrauchsgütern"}, {Code: "47.64.1", Title: "Einzelhandel mit Fahrrädern"}}),
	}
}

const csrf = template.HTML(`<input type="hidden" name="csrf" value="tok">`)

func TestStepsRenderAccessibly(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := form.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range reg.All() {
		// An empty submit of every step shows every required error.
		draft := form.Draft{}
		for _, step := range d.StepIDs() {
			var res form.StepResult
			draft, res, err = d.ApplyPost(step, form.Post{Values: url.Values{}}, draft, env())
			if err != nil {
				t.Fatal(err)
			}
			for _, lang := range []string{"de", "en"} {
				v, ok := d.View(step, draft, res.Errors, lang)
				if !ok {
					t.Fatalf("%s/%s: no view", d.ID, step)
				}
				html := string(r.StepHTML(v, csrf, lang))
				checkAccessible(t, d.ID+"/"+step+"/"+lang, html)
				if !strings.Contains(html, `name="csrf"`) || !strings.Contains(html, `<form method="post"`) {
					t.Errorf("%s/%s: form or CSRF field missing", d.ID, step)
				}
				if form.Blocking(res.Errors) && (!strings.Contains(html, `class="rh-error-summary"`) || !strings.Contains(html, `aria-invalid="true"`)) {
					t.Errorf("%s/%s: errors not shown", d.ID, step)
				}
			}
		}
	}
}

func TestAnmeldungMarkup(t *testing.T) {
	r, _ := New()
	reg, _ := form.Default()
	d, _ := reg.Get("gewerbe-anmeldung")
	e := env()
	e.Prefill = map[string]string{"account.familienname": "Muster", "account.vornamen": "Erika"}
	draft := d.NewDraft(e)
	v, _ := d.View("personen", draft, nil, "de")
	if !strings.Contains(string(r.StepHTML(v, csrf, "de")), `value="Muster"`) {
		t.Error("prefilled family name not shown")
	}
	draft, res, _ := d.ApplyPost("personen", form.Post{Values: url.Values{
		"personen[0].staatsangehoerigkeiten": {"US"},
		"personen[0].geburtsdatum":           {"31.02.1990"},
	}}, draft, e)
	v, _ = d.View("personen", draft, res.Errors, "de")
	html := string(r.StepHTML(v, csrf, "de"))
	for _, want := range []string{
		`autocomplete="family-name"`, `autocomplete="given-name"`, `autocomplete="bday"`, `autocomplete="postal-code"`,
		`autocomplete="address-line1"`,
		`value="31.02.1990"`, // the raw input is shown again
		`id="f-personen-0-geburtsdatum-error"`,
		`aria-describedby="f-personen-0-geburtsdatum-hint f-personen-0-geburtsdatum-error"`,
		`name="personen[0].aufenthaltstitel.art"`, // non-EU: the residence title appears
		`value="add:personen"`, `Weitere Person hinzufügen`,
		`(Pflichtangabe)`, `Schritt 3 von 5`, `href="#f-personen-0-geburtsdatum"`,
		`>Weiter<`, `>Zurück<`, `>Entwurf speichern<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("markup lacks %s", want)
		}
	}
	// Two persons: each can be removed, with a distinct accessible name.
	draft, _, _ = d.ApplyPost("personen", form.Post{Values: url.Values{form.ActionField: {"add:personen"}}}, draft, e)
	v, _ = d.View("personen", draft, nil, "de")
	html = string(r.StepHTML(v, csrf, "de"))
	for _, want := range []string{`value="remove:personen[1]"`, `Person 2 entfernen`, `<legend class="rh-legend rh-legend--item">Person 2</legend>`} {
		if !strings.Contains(html, want) {
			t.Errorf("markup lacks %s", want)
		}
	}
	checkAccessible(t, "two persons", html)
}

func TestWZAndMunicipalityChoiceMarkup(t *testing.T) {
	r, _ := New()
	reg, _ := form.Default()
	d, _ := reg.Get("gewerbe-anmeldung")
	draft, _, _ := d.ApplyPost("taetigkeit", form.Post{Values: url.Values{
		"taetigkeit.wz2008.q": {"Fahrrad"}, form.ActionField: {"search:taetigkeit.wz2008"}}}, form.Draft{}, env())
	v, _ := d.View("taetigkeit", draft, nil, "en")
	html := string(r.StepHTML(v, csrf, "en"))
	checkAccessible(t, "wz", html)
	for _, want := range []string{`type="radio"`, `name="taetigkeit.wz2008" value="47.64.1"`, `Results (1)`, `value="search:taetigkeit.wz2008"`, `>Continue<`} {
		if !strings.Contains(html, want) {
			t.Errorf("wz markup lacks %s", want)
		}
	}
	draft, res, _ := d.ApplyPost("betrieb", form.Post{Values: url.Values{
		"betrieb.betriebsstaette.plz": {"01896"}}}, form.Draft{}, env())
	v, _ = d.View("betrieb", draft, res.Errors, "de")
	html = string(r.StepHTML(v, csrf, "de"))
	checkAccessible(t, "ags", html)
	for _, want := range []string{`name="betrieb.betriebsstaette.ags" value="14625200"`, `Ohorn`, `href="#f-betrieb-betriebsstaette-ags-0"`} {
		if !strings.Contains(html, want) {
			t.Errorf("municipality markup lacks %s", want)
		}
	}
}

func TestReviewMarkup(t *testing.T) {
	r, _ := New()
	reg, _ := form.Default()
	d, _ := reg.Get("hundesteuer-anmeldung")
	draft := form.Draft{"hund": map[string]any{"name": "Bello", "listenhund": false}, "zweithund": true}
	cents, label, _ := d.Fee(draft, "de")
	var buf bytes.Buffer
	err := r.Review(&buf, ReviewPage{
		Title: d.Title.In("de"), Sections: d.Review(draft, "de"), Problems: d.Validate(draft, env()),
		Fee:      &FeeView{Label: label, Amount: FormatMoney(cents, "EUR", "de")},
		StepHref: func(id string) string { return "/antrag/1/" + id }, CSRF: csrf, Lang: "de",
	})
	if err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`href="/antrag/1/hund"`, `Ändern<span class="rh-visually-hidden"> Hund</span>`,
		`<dt>Name des Hundes</dt><dd>Bello</dd>`, "150,00\u00a0€", `value="submit"`, `href="/antrag/1/halter#f-halter-familienname"`} {
		if !strings.Contains(html, want) {
			t.Errorf("review lacks %s", want)
		}
	}
	if strings.Contains(html, "style=") || strings.Contains(html, "<script") {
		t.Error("inline style or script")
	}
}

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		cents      int64
		lang, want string
	}{{7500, "de", "75,00\u00a0€"}, {123456789, "de", "1.234.567,89\u00a0€"}, {7500, "en", "€75.00"}, {5, "en", "€0.05"}} {
		if got := FormatMoney(c.cents, "EUR", c.lang); got != c.want {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", c.cents, c.lang, got, c.want)
		}
	}
}

// optionsHTML is writeOptions into a string.
func optionsHTML(opts []form.OptionView) string {
	var b strings.Builder
	writeOptions(&b, opts)
	return b.String()
}

// TestOptionsHTML: options are escaped in values and labels (no markup or attribute breakout
// from a definition's or a code list's text), the chosen one is selected, one per line.
func TestOptionsHTML(t *testing.T) {
	got := optionsHTML([]form.OptionView{
		{Value: "DE", Label: "Deutschland"},
		{Value: `x" onmouseover="alert(1)`, Label: "<b>Fett</b> & 'so'", Selected: true},
	})
	want := "<option value=\"DE\">Deutschland</option>\n" +
		"<option value=\"x&#34; onmouseover=&#34;alert(1)\" selected>&lt;b&gt;Fett&lt;/b&gt; &amp; &#39;so&#39;</option>\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if optionsHTML(nil) != "" {
		t.Fatal("no options, no markup")
	}
}
