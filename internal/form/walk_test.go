package form

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/refdata"
)

var (
	regOnce sync.Once
	reg     *Registry
	regErr  error
	wzOnce  sync.Once
	wzTable *WZTable
)

func registry(t testing.TB) *Registry {
	t.Helper()
	regOnce.Do(func() { reg, regErr = Default() })
	if regErr != nil {
		t.Fatal(regErr)
	}
	return reg
}

func def(t testing.TB, id string) *Definition {
	t.Helper()
	d, ok := registry(t).Get(id)
	if !ok {
		t.Fatalf("definition %s missing", id)
	}
	return d
}

func wz(t testing.TB) *WZTable {
	wzOnce.Do(func() {
		rows, err := refdata.WZ2008()
		if err != nil {
			panic(err)
		}
		entries := make([]WZEntry, len(rows))
		for i, r := range rows {
			entries[i] = WZEntry{Code: r.Code, Title: r.Title}
		}
		wzTable = NewWZTable(entries)
	})
	return wzTable
}

var today = time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)

func testEnv(t testing.TB) Env {
	return Env{
		Today: today,
		PLZ: PLZTable{
			"04109": {{AGS: "14713000", Name: "Leipzig, Stadt"}},
			"04177": {{AGS: "14713000", Name: "Leipzig, Stadt"}},
			"01067": {{AGS: "14612000", Name: "Dresden, Stadt"}},
			"01896": {{AGS: "14625240", Name: "Pulsnitz, Stadt"}, {AGS: "14625200", Name: "Ohorn"}},
			"01454": {{AGS: "14625480", Name: "Radeberg, Stadt"}, {AGS: "14625600", Name: "Wachau"}},
		},
		WZ: wz(t),
		Prefill: map[string]string{
			"account.familienname": "Yılmaz", "account.vornamen": "Ayşe", "account.email": "ayse@example.org",
			"account.geburtsdatum":      "1990-03-27",
			"account.anschrift.strasse": "Karl-Liebknecht-Straße", "account.anschrift.hausnummer": "12",
			"account.anschrift.plz": "04107", "account.anschrift.ort": "Leipzig",
		},
	}
}

// walker posts steps like a browser and checks where the engine sends it.
type walker struct {
	t     *testing.T
	d     *Definition
	env   Env
	draft Draft
}

func (w *walker) post(step string, vals url.Values, files map[string]FileMeta) StepResult {
	w.t.Helper()
	// Round-trip through JSON like a stored draft.
	raw, err := json.Marshal(w.draft)
	if err != nil {
		w.t.Fatal(err)
	}
	if w.draft, err = DecodeDraft(raw); err != nil {
		w.t.Fatal(err)
	}
	d, res, err := w.d.ApplyPost(step, Post{Values: vals, Files: files}, w.draft, w.env)
	if err != nil {
		w.t.Fatal(err)
	}
	w.draft = d
	// Every state must render.
	if _, ok := w.d.View(res.Goto, w.draft, res.Errors, "de"); !ok && res.Goto != ReviewStep {
		w.t.Fatalf("cannot render %s", res.Goto)
	}
	return res
}

func (w *walker) next(step string, vals url.Values, want string) {
	w.t.Helper()
	res := w.post(step, vals, nil)
	if res.Goto != want || Blocking(res.Errors) {
		w.t.Fatalf("%s: goto %q (action %s), want %q; errors %+v", step, res.Goto, res.Action, want, res.Errors)
	}
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func merge(a url.Values, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = append(out[k], v...)
	}
	for k, v := range b {
		out[k] = append(out[k], v...)
	}
	return out
}

func errPaths(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		if !e.Warning {
			out = append(out, e.Path)
		}
	}
	return out
}

func hasPath(errs []FieldError, path string) bool {
	for _, e := range errs {
		if e.Path == path {
			return true
		}
	}
	return false
}

func decodeAnzeige(t *testing.T, payload []byte) gewerbe.Anzeige {
	t.Helper()
	var a gewerbe.Anzeige
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("payload does not decode into gewerbe.Anzeige: %v\n%s", err, payload)
	}
	_, errs, _ := gewerbe.Check(payload, gewerbe.Env{Today: today})
	if len(errs) > 0 {
		t.Fatalf("gewerbe.Check rejects the payload: %+v\n%s", errs, payload)
	}
	return a
}

var person0 = vals(
	"personen[0].funktion", "inhaber",
	"personen[0].familienname", "Yılmaz",
	"personen[0].vornamen", "Ayşe",
	"personen[0].geschlecht", "w",
	"personen[0].geburtsdatum", "27.03.1990",
	"personen[0].geburtsort", "Istanbul",
	"personen[0].geburtsland", "TR",
	"personen[0].staatsangehoerigkeiten", "TR",
	"personen[0].staatsangehoerigkeiten", "",
	"personen[0].anschrift.strasse", "Karl-Liebknecht-Straße",
	"personen[0].anschrift.hausnummer", "12",
	"personen[0].anschrift.plz", "04107",
	"personen[0].anschrift.ort", "Leipzig",
	"personen[0].anschrift.staat", "DE",
)

func TestWalkGewerbeAnmeldung(t *testing.T) {
	d := def(t, "gewerbe-anmeldung")
	env := testEnv(t)
	w := &walker{t: t, d: d, env: env, draft: d.NewDraft(env)}
	if got := d.FirstStep(w.draft); got != "einstieg" {
		t.Fatalf("first step %q", got)
	}
	if got := toString(getIn(w.draft, "personen[0].familienname")); got != "Yılmaz" {
		t.Fatalf("prefill: familienname %q", got)
	}

	// Einstieg: moving in from Dresden. The previous site appears only after the reason is posted.
	einstieg := vals("betrieb.rechtsform", "einzelunternehmen", "betrieb.niederlassungsart", "hauptniederlassung",
		"anmeldung.grund", "verlegung_aus_anderem_meldebezirk")
	res := w.post("einstieg", einstieg, nil)
	if res.Action != ActionReveal || res.Focus != "anmeldung.fruehereBetriebsstaette" || len(res.Errors) != 0 {
		t.Fatalf("previous site not shown as a new question: %+v", res)
	}
	res = w.post("einstieg", einstieg, nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "anmeldung.fruehereBetriebsstaette.strasse") {
		t.Fatalf("previous site not required once shown: %+v", res)
	}
	w.next("einstieg", vals("betrieb.rechtsform", "einzelunternehmen", "betrieb.niederlassungsart", "hauptniederlassung",
		"anmeldung.grund", "verlegung_aus_anderem_meldebezirk",
		"anmeldung.fruehereBetriebsstaette.strasse", "Prager Straße", "anmeldung.fruehereBetriebsstaette.hausnummer", "2",
		"anmeldung.fruehereBetriebsstaette.plz", "01067", "anmeldung.fruehereBetriebsstaette.ort", "Dresden"), "betrieb")

	// Betrieb: the ambiguous postal code asks for the municipality first, unless the place
	// typed names one of them.
	named := vals("betrieb.betriebsstaette.strasse", "Markt", "betrieb.betriebsstaette.hausnummer", "1",
		"betrieb.betriebsstaette.plz", "01896", "betrieb.betriebsstaette.ort", "pulsnitz")
	fresh := &walker{t: t, d: d, env: w.env, draft: Draft{}}
	fresh.post("betrieb", named, nil)
	if got := toString(getIn(fresh.draft, "betrieb.betriebsstaette.ags")); got == "" {
		t.Fatal("the place typed did not settle the ambiguous postal code")
	}
	betrieb := vals("betrieb.geschaeftsbezeichnung", "Ayşes Fahrradwerkstatt",
		"betrieb.betriebsstaette.strasse", "Markt", "betrieb.betriebsstaette.hausnummer", "1",
		"betrieb.betriebsstaette.plz", "01896", "betrieb.betriebsstaette.ort", "Ohorn-Gersdorf",
		"betrieb.kontakt.telefon", "0341 1234567", "betrieb.kontakt.email", "ayse@example.org",
		"betrieb.beteiligungOeffentlicheHand", "false")
	res = w.post("betrieb", betrieb, nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "betrieb.betriebsstaette.ags") {
		t.Fatalf("ambiguous postal code: %+v", res)
	}
	v, _ := d.View("betrieb", w.draft, res.Errors, "de")
	if f := findField(v.Fields, "betrieb.betriebsstaette"); f == nil || len(f.Choices) != 2 || f.ChoiceError == "" {
		t.Fatalf("municipality choice not offered: %+v", f)
	}
	betrieb.Set("betrieb.betriebsstaette.plz", "04109")
	betrieb.Set("betrieb.betriebsstaette.ort", "Leipzig")
	w.next("betrieb", betrieb, "personen")
	if got := toString(getIn(w.draft, "betrieb.betriebsstaette.ags")); got != "14713000" {
		t.Fatalf("ags %q", got)
	}

	// Personen: a Turkish national; the residence title appears and becomes required.
	res = w.post("personen", person0, nil)
	if res.Action != ActionReveal || res.Focus != "personen[0].aufenthaltstitel.art" || len(res.Errors) != 0 {
		t.Fatalf("residence title not shown as a new question: %+v", res)
	}
	res = w.post("personen", person0, nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "personen[0].aufenthaltstitel.art") {
		t.Fatalf("residence title not required: %+v", res)
	}
	v, _ = d.View("personen", w.draft, res.Errors, "de")
	if f := findField(v.Fields, "personen[0].aufenthaltstitel.art"); f == nil || !f.Required || !f.Invalid {
		t.Fatalf("residence title field: %+v", f)
	}
	// Add a second person, then remove it again.
	res = w.post("personen", merge(person0, vals(ActionField, "add:personen")), nil)
	if res.Action != ActionAddItem || len(items(w.draft, "personen")) != 2 || res.Focus != "personen[1]" {
		t.Fatalf("add person: %+v, %d items", res, len(items(w.draft, "personen")))
	}
	res = w.post("personen", merge(person0, vals(ActionField, "remove:personen[1]")), nil)
	if res.Action != ActionRemoveItem || len(items(w.draft, "personen")) != 1 {
		t.Fatalf("remove person: %+v", res)
	}
	w.next("personen", merge(person0, vals("personen[0].aufenthaltstitel.art", "Aufenthaltserlaubnis nach § 21 AufenthG",
		"personen[0].aufenthaltstitel.ausgestelltAm", "2025-06-01", "personen[0].aufenthaltstitel.behoerde", "Stadt Leipzig, Ausländerbehörde")), "taetigkeit")

	// Tätigkeit: WZ search without JS, then pick from the results.
	taet := vals("taetigkeit.beschreibung", "Reparatur und Verkauf von Fahrrädern",
		"taetigkeit.weitere", "Verleih von Fahrrädern\r\n\r\nVersand von Ersatzteilen",
		"betrieb.betriebsart", "handwerk", "betrieb.betriebsart", "handel",
		"betrieb.nebenerwerb", "true", "betrieb.beschaeftigte.vollzeit", "0", "betrieb.beschaeftigte.teilzeit", "2",
		"betrieb.reisegewerbe", "false", "betrieb.automatenaufstellung", "false",
		"anmeldung.beginn", "01.04.2026", "dialog.erlaubnis", "false")
	res = w.post("taetigkeit", merge(taet, vals("taetigkeit.wz2008.q", "Fahrrad", ActionField, "search:taetigkeit.wz2008")), nil)
	if res.Action != ActionSearchWZ {
		t.Fatalf("search: %+v", res)
	}
	v, _ = d.View("taetigkeit", w.draft, nil, "de")
	wzf := findField(v.Fields, "taetigkeit.wz2008")
	if wzf == nil || len(wzf.Results) == 0 {
		t.Fatalf("no WZ results: %+v", wzf)
	}
	// Handwerk shows the Handwerkskarte question now.
	if findField(v.Fields, "dialog.handwerkskarte") == nil {
		t.Fatal("handwerkskarte question hidden although betriebsart contains handwerk")
	}
	code := wzf.Results[0].Value
	w.next("taetigkeit", merge(taet, vals("taetigkeit.wz2008", code, "dialog.handwerkskarte", "true",
		"handwerkskarte.kammer", "Handwerkskammer zu Leipzig", "handwerkskarte.datum", "2026-01-10")), "unterlagen")

	// Unterlagen: a wrong type is refused, a PDF accepted.
	res = w.post("unterlagen", vals(), map[string]FileMeta{"unterlagen.ausweis": {Name: "ausweis.exe", ContentType: "application/x-msdownload", Size: 10}})
	if res.Action != ActionStay || !hasPath(res.Errors, "unterlagen.ausweis") {
		t.Fatalf("exe accepted: %+v", res)
	}
	res = w.post("unterlagen", vals(), map[string]FileMeta{
		"unterlagen.ausweis":          {Name: "ausweis.pdf", ContentType: "application/pdf", Size: 12345, Ref: "blob-1"},
		"unterlagen.aufenthaltstitel": {Name: "titel.jpg", ContentType: "image/jpeg", Size: 2048, Ref: "blob-2"},
	})
	if res.Goto != ReviewStep {
		t.Fatalf("unterlagen: %+v", res)
	}
	if att := d.Attachments(w.draft); len(att) != 2 || att[0].File.Ref != "blob-1" {
		t.Fatalf("attachments %+v", att)
	}

	if errs := d.Validate(w.draft, env); Blocking(errs) {
		t.Fatalf("validate: %+v", errs)
	}
	payload, err := d.Payload(w.draft)
	if err != nil {
		t.Fatal(err)
	}
	a := decodeAnzeige(t, payload)
	if a.Art != gewerbe.ArtAnmeldung || a.Anmeldung == nil || a.Anmeldung.Beginn != "2026-04-01" ||
		a.Anmeldung.FruehereBetriebsstaette == nil || a.Anmeldung.FruehereBetriebsstaette.AGS != "14612000" {
		t.Errorf("anmeldung %+v", a.Anmeldung)
	}
	if len(a.Personen) != 1 || a.Personen[0].Aufenthaltstitel == nil || a.Personen[0].Geburtsdatum != "1990-03-27" ||
		a.Personen[0].Staatsangehoerigkeiten[0] != "TR" || a.Personen[0].Anschrift.Staat != "DE" {
		t.Errorf("personen %+v", a.Personen)
	}
	if a.Betrieb.Nebenerwerb == nil || !*a.Betrieb.Nebenerwerb || a.Betrieb.Beschaeftigte == nil ||
		a.Betrieb.Beschaeftigte.Teilzeit == nil || *a.Betrieb.Beschaeftigte.Teilzeit != 2 || *a.Betrieb.Beschaeftigte.Vollzeit != 0 {
		t.Errorf("betrieb %+v", a.Betrieb)
	}
	if a.Taetigkeit.WZ2008 != code || len(a.Taetigkeit.Weitere) != 2 {
		t.Errorf("taetigkeit %+v", a.Taetigkeit)
	}
	if a.Handwerkskarte == nil || a.Handwerkskarte.Kammer == "" || a.Erlaubnis != nil || a.Betrieb.Register != nil {
		t.Errorf("handwerkskarte %+v erlaubnis %+v register %+v", a.Handwerkskarte, a.Erlaubnis, a.Betrieb.Register)
	}
	if strings.Contains(string(payload), "dialog") || strings.Contains(string(payload), "unterlagen") || strings.Contains(string(payload), "$") {
		t.Errorf("payload leaks dialog state: %s", payload)
	}

	// Review: every visible step, with values in German.
	rev := d.Review(w.draft, "de")
	if len(rev) != 5 || rev[0].StepID != "einstieg" {
		t.Fatalf("review sections %+v", rev)
	}
	if !reviewHas(rev, "Geburtsdatum", "27.03.1990") || !reviewHas(rev, "Staatsangehörigkeit(en)", "Türkei") ||
		!reviewHas(rev, "Art des Betriebs", "Handwerk, Handel") {
		t.Errorf("review rows missing: %+v", rev)
	}
}

func reviewHas(secs []ReviewSection, label, value string) bool {
	for _, s := range secs {
		for _, r := range s.Rows {
			if r.Label == label && r.Value == value {
				return true
			}
		}
	}
	return false
}

func findField(fields []FieldView, path string) *FieldView {
	for i := range fields {
		f := &fields[i]
		if f.Path == path {
			return f
		}
		for j := range f.Items {
			if x := findField(f.Items[j].Fields, path); x != nil {
				return x
			}
		}
	}
	return nil
}

var person0DE = vals(
	"personen[0].funktion", "gesetzlicher_vertreter",
	"personen[0].familienname", "Schulze",
	"personen[0].vornamen", "Karl",
	"personen[0].geburtsdatum", "1970-01-31",
	"personen[0].geburtsort", "Chemnitz",
	"personen[0].staatsangehoerigkeiten", "DE",
	"personen[0].anschrift.strasse", "Hauptstraße",
	"personen[0].anschrift.hausnummer", "5a",
	"personen[0].anschrift.plz", "04177",
	"personen[0].anschrift.ort", "Leipzig",
)

func TestWalkGewerbeUmmeldung(t *testing.T) {
	d := def(t, "gewerbe-ummeldung")
	env := testEnv(t)
	w := &walker{t: t, d: d, env: env, draft: Draft{}}
	w.next("einstieg", vals("ummeldung.grund", "verlegung_innerhalb_meldebezirk", "ummeldung.datum", "2026-03-01",
		"betrieb.rechtsform", "gmbh", "betrieb.niederlassungsart", "zweigniederlassung"), "betrieb")

	betrieb := vals("betrieb.name", "Muster Bau GmbH",
		"betrieb.register.art", "HRB", "betrieb.register.nummer", "12345", "betrieb.register.gericht", "Amtsgericht Leipzig",
		"betrieb.betriebsstaette.strasse", "Neue Straße", "betrieb.betriebsstaette.hausnummer", "3",
		"betrieb.betriebsstaette.plz", "04109", "betrieb.betriebsstaette.ort", "Leipzig",
		"betrieb.hauptniederlassung.strasse", "Rue de Rivoli", "betrieb.hauptniederlassung.hausnummer", "10",
		"betrieb.hauptniederlassung.plz", "75001", "betrieb.hauptniederlassung.ort", "Paris", "betrieb.hauptniederlassung.staat", "FR",
		"betrieb.kontakt.telefon", "+49 341 999999", "betrieb.gewerbebetriebID", "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
	// R9: the previous site in Dresden is another municipality → refused with an explanation.
	res := w.post("betrieb", merge(betrieb, vals("ummeldung.fruehereBetriebsstaette.strasse", "Alte Straße",
		"ummeldung.fruehereBetriebsstaette.hausnummer", "1", "ummeldung.fruehereBetriebsstaette.plz", "01067",
		"ummeldung.fruehereBetriebsstaette.ort", "Dresden")), nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "ummeldung.fruehereBetriebsstaette") {
		t.Fatalf("R9 not applied: %+v", res)
	}
	for _, e := range res.Errors {
		if e.Code == "R9" && !strings.Contains(e.Message.De, "Gewerbeanmeldung") {
			t.Errorf("R9 message does not explain the Anmeldung: %s", e.Message.De)
		}
	}
	w.next("betrieb", merge(betrieb, vals("ummeldung.fruehereBetriebsstaette.strasse", "Alte Straße",
		"ummeldung.fruehereBetriebsstaette.hausnummer", "1", "ummeldung.fruehereBetriebsstaette.plz", "04177",
		"ummeldung.fruehereBetriebsstaette.ort", "Leipzig")), "personen")
	// R6: a GmbH needs a legal representative.
	p := merge(person0DE, nil)
	p.Set("personen[0].funktion", "betriebsleiter")
	res = w.post("personen", p, nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "personen") {
		t.Fatalf("R6 not applied: %+v", res)
	}
	w.next("personen", person0DE, "taetigkeit")
	w.next("taetigkeit", vals("taetigkeit.beschreibung", "Hochbau", "taetigkeit.wz2008.q", "41.20",
		"betrieb.betriebsart", "sonstiges", "betrieb.nebenerwerb", "false", "dialog.erlaubnis", "true",
		"erlaubnis.art", "Erlaubnis nach § 34c GewO", "erlaubnis.datum", "15.01.2026", "erlaubnis.behoerde", "Stadt Leipzig"), "unterlagen")
	w.next("unterlagen", vals(), ReviewStep)
	if errs := d.Validate(w.draft, env); Blocking(errs) {
		t.Fatalf("validate: %+v", errs)
	}
	payload, err := d.Payload(w.draft)
	if err != nil {
		t.Fatal(err)
	}
	a := decodeAnzeige(t, payload)
	if a.Art != gewerbe.ArtUmmeldung || a.Ummeldung == nil || a.Ummeldung.FruehereBetriebsstaette.AGS != "14713000" ||
		a.Betrieb.Register == nil || a.Betrieb.Hauptniederlassung == nil || a.Betrieb.Hauptniederlassung.Staat != "FR" ||
		a.Taetigkeit.WZ2008 != "41.20" || a.Erlaubnis == nil || a.Erlaubnis.Datum != "2026-01-15" || a.Betrieb.GewerbebetriebID == "" {
		t.Errorf("payload %s", payload)
	}
}

func TestWalkGewerbeAbmeldung(t *testing.T) {
	d := def(t, "gewerbe-abmeldung")
	env := testEnv(t)
	w := &walker{t: t, d: d, env: env, draft: Draft{}}
	// R2: more than three months ahead is refused.
	res := w.post("einstieg", vals("abmeldung.grund", "vollstaendige_aufgabe", "abmeldung.datum", "2026-06-30",
		"betrieb.rechtsform", "einzelunternehmen", "betrieb.niederlassungsart", "hauptniederlassung"), nil)
	// (The reason brings up the optional question why: a new question, shown with R2's error.)
	if res.Action != ActionReveal || res.Focus != "abmeldung.ursache" || !hasPath(res.Errors, "abmeldung.datum") {
		t.Fatalf("R2 not applied: %+v", res)
	}
	// A date in the past is a warning only.
	res = w.post("einstieg", vals("abmeldung.grund", "vollstaendige_aufgabe", "abmeldung.ursache", "alter", "abmeldung.datum", "31.01.2026",
		"abmeldung.kuenftigeAnschrift.strasse", "Seeweg", "abmeldung.kuenftigeAnschrift.hausnummer", "7",
		"abmeldung.kuenftigeAnschrift.plz", "6900", "abmeldung.kuenftigeAnschrift.ort", "Lugano", "abmeldung.kuenftigeAnschrift.staat", "CH",
		"betrieb.rechtsform", "einzelunternehmen", "betrieb.niederlassungsart", "hauptniederlassung"), nil)
	if res.Goto != "betrieb" || len(res.Errors) != 1 || !res.Errors[0].Warning {
		t.Fatalf("past date: %+v", res)
	}
	w.next("betrieb", vals("betrieb.betriebsstaette.strasse", "Markt", "betrieb.betriebsstaette.hausnummer", "1",
		"betrieb.betriebsstaette.plz", "04109", "betrieb.betriebsstaette.ort", "Leipzig", "betrieb.kontakt.telefon", "0341 1234567"), "personen")
	p := merge(person0DE, nil)
	p.Set("personen[0].funktion", "inhaber")
	w.next("personen", p, "taetigkeit")
	w.next("taetigkeit", vals("taetigkeit.beschreibung", "Friseursalon", "taetigkeit.wz2008", "96.02.1",
		"betrieb.betriebsart", "handwerk", "betrieb.nebenerwerb", "false"), "unterlagen")
	w.next("unterlagen", vals(), ReviewStep)
	payload, err := d.Payload(w.draft)
	if err != nil {
		t.Fatal(err)
	}
	a := decodeAnzeige(t, payload)
	if a.Art != gewerbe.ArtAbmeldung || a.Abmeldung == nil || a.Abmeldung.Ursache != "alter" || a.Abmeldung.KuenftigeAnschrift == nil ||
		a.Abmeldung.KuenftigeAnschrift.Staat != "CH" || a.Abmeldung.KuenftigeAnschrift.AGS != "" {
		t.Errorf("payload %s", payload)
	}
}

func TestWalkHundesteuer(t *testing.T) {
	d := def(t, "hundesteuer-anmeldung")
	env := testEnv(t)
	w := &walker{t: t, d: d, env: env, draft: d.NewDraft(env)}
	if toString(getIn(w.draft, "anschrift.plz")) != "04107" || toString(getIn(w.draft, "halter.email")) != "ayse@example.org" {
		t.Fatalf("prefill: %v", w.draft)
	}
	w.next("halter", vals("halter.familienname", "Yılmaz", "halter.vornamen", "Ayşe", "halter.geburtsdatum", "27.03.1990",
		"halter.email", "ayse@example.org", "anschrift.strasse", "Markt", "anschrift.hausnummer", "1",
		"anschrift.plz", "04109", "anschrift.ort", "Leipzig"), "hund")
	hund := vals("hund.name", "Bello", "hund.rasse", "Labrador-Mischling", "hund.geburtsjahr", "2022",
		"hund.aufnahme", "01.02.2026", "hund.chipnummer", "27609812345678", "hund.listenhund", "false")
	res := w.post("hund", hund, nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "hund.chipnummer") {
		t.Fatalf("14-digit chip accepted: %+v", res)
	}
	hund.Set("hund.chipnummer", "276098123456789")
	w.next("hund", hund, "haltung")
	if cents, _, ok := d.Fee(w.draft, "de"); !ok || cents != 10000 {
		t.Fatalf("fee before haltung: %d %v", cents, ok)
	}
	// A reduction needs proof: the upload field appears and is required.
	res = w.post("haltung", vals("zweithund", "true", "beginn", "2026-02-01", "ermaessigung.grund", "sozialleistung"), nil)
	if res.Action != ActionReveal || res.Focus != "ermaessigung.nachweis" || hasPath(res.Errors, "ermaessigung.nachweis") {
		t.Fatalf("proof not shown as a new question: %+v", res)
	}
	res = w.post("haltung", vals("zweithund", "true", "beginn", "2026-02-01", "ermaessigung.grund", "sozialleistung"), nil)
	if res.Action != ActionStay || !hasPath(res.Errors, "ermaessigung.nachweis") {
		t.Fatalf("proof not required: %+v", res)
	}
	res = w.post("haltung", vals("zweithund", "true", "beginn", "2026-02-01", "ermaessigung.grund", "sozialleistung"),
		map[string]FileMeta{"ermaessigung.nachweis": {Name: "bescheid.pdf", ContentType: "application/pdf", Size: 5000}})
	if res.Goto != ReviewStep {
		t.Fatalf("haltung: %+v", res)
	}
	cents, label, ok := d.Fee(w.draft, "de")
	if !ok || cents != 7500 || !strings.Contains(label, "Hundesteuer") {
		t.Fatalf("fee %d %q %v", cents, label, ok)
	}
	if d.FeeCurrency() != "EUR" {
		t.Errorf("currency %q", d.FeeCurrency())
	}
	payload, err := d.Payload(w.draft)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"anschrift":{"ags":"14713000","hausnummer":"1","ort":"Leipzig","plz":"04109","strasse":"Markt"},"beginn":"2026-02-01","ermaessigung":{"grund":"sozialleistung"},"halter":{"email":"ayse@example.org","familienname":"Yılmaz","geburtsdatum":"1990-03-27","vornamen":"Ayşe"},"hund":{"aufnahme":"2026-02-01","chipnummer":"276098123456789","geburtsjahr":2022,"listenhund":false,"name":"Bello","rasse":"Labrador-Mischling"},"zweithund":true}`
	if string(payload) != want {
		t.Errorf("payload\n got %s\nwant %s", payload, want)
	}
	// Listenhund: 600 €.
	w.draft["hund"].(map[string]any)["listenhund"] = true
	w.draft["ermaessigung"] = map[string]any{"grund": "keine"}
	if cents, _, _ := d.Fee(w.draft, "en"); cents != 60000 {
		t.Errorf("listenhund fee %d", cents)
	}
}

// TestAddressPartTooLong: a too long part of an address is named in the message.
func TestAddressPartTooLong(t *testing.T) {
	d := def(t, "gewerbe-anmeldung")
	w := &walker{t: t, d: d, env: testEnv(t), draft: Draft{}}
	res := w.post("betrieb", vals("betrieb.betriebsstaette.strasse", "Markt", "betrieb.betriebsstaette.hausnummer", strings.Repeat("1", 21),
		"betrieb.betriebsstaette.plz", "04109", "betrieb.betriebsstaette.ort", "Leipzig"), nil)
	for _, e := range res.Errors {
		if e.Path == "betrieb.betriebsstaette.hausnummer" {
			if !strings.Contains(e.Message.De, "Hausnummer: höchstens 20 Zeichen") {
				t.Errorf("message %q does not name the house number", e.Message.De)
			}
			return
		}
	}
	t.Fatalf("no error for a 21-character house number: %+v", res.Errors)
}

// TestLookupPLZAnswers: "Gemeinde zur Postleitzahl ermitteln" answers every time.
func TestLookupPLZAnswers(t *testing.T) {
	d := def(t, "gewerbe-anmeldung")
	for plz, want := range map[string]string{"12": "plz_format", "80331": "plz_unknown", "04109": ""} {
		w := &walker{t: t, d: d, env: testEnv(t), draft: Draft{}}
		res := w.post("betrieb", vals("betrieb.betriebsstaette.plz", plz, ActionField, "plz:betrieb.betriebsstaette"), nil)
		if res.Action != ActionLookupPLZ {
			t.Fatalf("%s: %+v", plz, res)
		}
		switch {
		case want == "":
			if len(res.Errors) != 0 || toString(getIn(w.draft, "betrieb.betriebsstaette.ort")) != "Leipzig" || res.Focus != "betrieb.betriebsstaette.ort" {
				t.Errorf("%s: %+v, ort %v", plz, res, getIn(w.draft, "betrieb.betriebsstaette.ort"))
			}
		case len(res.Errors) != 1 || res.Errors[0].Code != want || res.Focus != "betrieb.betriebsstaette.plz":
			t.Errorf("%s: %+v, want %s", plz, res, want)
		}
	}
}

// TestPlaceChangesTheMunicipality: with a shared postal code, a municipality settled by the
// place typed follows when the place is changed later (it stayed with the first).
func TestPlaceChangesTheMunicipality(t *testing.T) {
	d := def(t, "gewerbe-anmeldung")
	w := &walker{t: t, d: d, env: testEnv(t), draft: Draft{}}
	post := func(ort string) string {
		w.post("betrieb", vals("betrieb.betriebsstaette.strasse", "Markt", "betrieb.betriebsstaette.hausnummer", "1",
			"betrieb.betriebsstaette.plz", "01454", "betrieb.betriebsstaette.ort", ort), nil)
		return toString(getIn(w.draft, "betrieb.betriebsstaette.ags"))
	}
	first, second := post("Radeberg"), post("Wachau")
	if first == "" || second == "" || first == second {
		t.Fatalf("Radeberg → %q, then Wachau → %q", first, second)
	}
}
