package form

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testDef is a small definition exercising every field type.
const testDef = `{
 "id": "test", "version": 2, "leistung": "99000000000000",
 "title": {"de": "Test", "en": "Test"},
 "constants": {"GRENZE": 10},
 "codeLists": {"farben": {"options": [{"value": "rot", "label": {"de": "Rot", "en": "Red"}}, {"value": "blau", "label": {"de": "Blau", "en": "Blue"}}]}},
 "steps": [
  {"id": "eins", "title": {"de": "Eins", "en": "One"}, "fields": [
   {"path": "a.text", "type": "text", "label": {"de": "Text", "en": "Text"}, "required": true, "maxLength": 5},
   {"path": "a.zahl", "type": "number", "label": {"de": "Zahl", "en": "Number"}, "integer": true, "min": 0, "max": 100},
   {"path": "a.dezimal", "type": "number", "label": {"de": "Dezimal", "en": "Decimal"}},
   {"path": "a.datum", "type": "date", "label": {"de": "Datum", "en": "Date"},
    "rules": [{"expr": "date(value) <= today() + months(3)", "message": {"de": "zu spät", "en": "too late"}}]},
   {"path": "a.jn", "type": "yesno", "label": {"de": "JN", "en": "YN"}},
   {"path": "a.farbe", "type": "select", "codeList": "farben", "label": {"de": "Farbe", "en": "Colour"}},
   {"path": "a.farben", "type": "multiselect", "codeList": "farben", "label": {"de": "Farben", "en": "Colours"}, "maxItems": 1},
   {"path": "a.nur_wenn_ja", "type": "text", "label": {"de": "Nur wenn ja", "en": "Only if yes"}, "visibleIf": "a.jn == true", "required": true},
   {"path": "a.pflicht_wenn_gross", "type": "text", "label": {"de": "Pflicht wenn groß", "en": "Required if big"}, "requiredIf": "a.farbe == \"blau\" && GRENZE > 5"},
   {"path": "a.datei", "type": "file", "label": {"de": "Datei", "en": "File"}, "accept": ["application/pdf", "image/*"], "maxBytes": 1000},
   {"path": "a.zeilen", "type": "textarea", "lines": true, "label": {"de": "Zeilen", "en": "Lines"}, "maxItems": 2}
  ]},
  {"id": "zwei", "title": {"de": "Zwei", "en": "Two"}, "visibleIf": "a.jn != false", "fields": [
   {"path": "leute", "type": "group", "label": {"de": "Leute", "en": "People"}, "itemLabel": {"de": "Person", "en": "Person"}, "minItems": 1, "maxItems": 2, "fields": [
    {"path": "name", "type": "text", "label": {"de": "Name", "en": "Name"}, "required": true},
    {"path": "land", "type": "multiselect", "codeList": "staaten", "label": {"de": "Land", "en": "Country"}},
    {"path": "titel", "type": "text", "label": {"de": "Titel", "en": "Title"}, "visibleIf": "len(item.land) > 0 && none(item.land, # in EU_EWR_CH)", "required": true}
   ]}
  ]}
 ],
 "rules": [{"id": "X1", "field": "leute[].name", "expr": "value != item.titel", "message": {"de": "Name gleich Titel", "en": "Name equals title"}}]
}`

func loadTest(t *testing.T, defs ...string) (*Registry, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	shared, err := embedded.ReadFile("codelists/staaten.json")
	if err != nil {
		t.Fatal(err)
	}
	fsys["codelists/staaten.json"] = &fstest.MapFile{Data: shared}
	for i, d := range defs {
		fsys["definitions/d"+string(rune('a'+i))+".json"] = &fstest.MapFile{Data: []byte(d)}
	}
	return Load(fsys)
}

func testDefinition(t *testing.T) *Definition {
	t.Helper()
	r, err := loadTest(t, testDef)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := r.Get("test")
	return d
}

func TestLoadRejectsBrokenDefinitions(t *testing.T) {
	for name, mutate := range map[string]func(string) string{
		"bad expression":    func(s string) string { return strings.Replace(s, `"a.jn == true"`, `"a.jn == "`, 1) },
		"unknown name":      func(s string) string { return strings.Replace(s, `"a.jn == true"`, `"b.jn == true"`, 1) },
		"unknown code list": func(s string) string { return strings.Replace(s, `"codeList": "farben"`, `"codeList": "nix"`, 1) },
		"bad leistung":      func(s string) string { return strings.Replace(s, `99000000000000`, `123`, 1) },
		"unknown type":      func(s string) string { return strings.Replace(s, `"type": "yesno"`, `"type": "maybe"`, 1) },
		"unknown property":  func(s string) string { return strings.Replace(s, `"version": 2`, `"version": 2, "versoin": 3`, 1) },
		"rule on unknown":   func(s string) string { return strings.Replace(s, `"leute[].name"`, `"leute[].nom"`, 1) },
		"duplicate path":    func(s string) string { return strings.Replace(s, `"path": "a.zahl"`, `"path": "a.text"`, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := loadTest(t, mutate(testDef)); err == nil {
				t.Error("loaded")
			}
		})
	}
	if _, err := loadTest(t, testDef, testDef); err == nil {
		t.Error("the same version twice loaded")
	}
	r, err := loadTest(t, testDef, strings.Replace(testDef, `"version": 2`, `"version": 1`, 1))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.Get("test"); d.Version != 2 {
		t.Errorf("Get returned version %d, want the newest", d.Version)
	}
}

func TestVisibilityAndRequiredness(t *testing.T) {
	d := testDefinition(t)
	for _, c := range []struct {
		name  string
		draft Draft
		step  string
		want  []string // blocking error paths of the step
	}{
		{"empty", Draft{}, "eins", []string{"a.text"}},
		{"hidden field is not required", Draft{"a": map[string]any{"text": "x", "jn": false}}, "eins", nil},
		{"visible field is required", Draft{"a": map[string]any{"text": "x", "jn": true}}, "eins", []string{"a.nur_wenn_ja"}},
		{"requiredIf false", Draft{"a": map[string]any{"text": "x", "farbe": "rot"}}, "eins", nil},
		{"requiredIf true", Draft{"a": map[string]any{"text": "x", "farbe": "blau"}}, "eins", []string{"a.pflicht_wenn_gross"}},
		{"group minimum", Draft{}, "zwei", []string{"leute"}},
		{"item field required", Draft{"leute": []any{map[string]any{}}}, "zwei", []string{"leute[0].name"}},
		{"EU national needs no title", Draft{"leute": []any{map[string]any{"name": "A", "land": []any{"FR"}}}}, "zwei", nil},
		{"dual national with an EU state needs no title", Draft{"leute": []any{map[string]any{"name": "A", "land": []any{"US", "IE"}}}}, "zwei", nil},
		{"non-EU national needs title", Draft{"leute": []any{map[string]any{"name": "A", "land": []any{"US"}}}}, "zwei", []string{"leute[0].titel"}},
		{"cross-field rule per item", Draft{"leute": []any{map[string]any{"name": "A", "land": []any{"US"}, "titel": "A"}}}, "zwei", []string{"leute[0].name"}},
		{"too many items", Draft{"leute": []any{map[string]any{"name": "A"}, map[string]any{"name": "B"}, map[string]any{"name": "C"}}}, "zwei", []string{"leute"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := errPaths(d.ValidateStep(c.step, c.draft, Env{Today: today}))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("errors %v, want %v", got, c.want)
			}
		})
	}
	if got := d.VisibleSteps(Draft{"a": map[string]any{"jn": false}}); !reflect.DeepEqual(got, []string{"eins"}) {
		t.Errorf("visible steps %v", got)
	}
	if got := d.VisibleSteps(Draft{}); !reflect.DeepEqual(got, []string{"eins", "zwei"}) {
		t.Errorf("visible steps %v", got)
	}
}

func TestApplyPostParsing(t *testing.T) {
	d := testDefinition(t)
	base := func(kv ...string) url.Values { return merge(vals("a.text", "abc"), vals(kv...)) }
	for _, c := range []struct {
		name    string
		post    url.Values
		files   map[string]FileMeta
		path    string
		want    any
		errPath string
	}{
		{"integer", base("a.zahl", " 42 "), nil, "a.zahl", int64(42), ""},
		{"integer with thousands dot", base("a.zahl", "1.000"), nil, "a.zahl", int64(1000), "a.zahl"}, // parsed, but above max
		{"integer rejects decimals", base("a.zahl", "4,5"), nil, "a.zahl", nil, "a.zahl"},
		{"integer rejects text", base("a.zahl", "vier"), nil, "a.zahl", nil, "a.zahl"},
		{"decimal comma", base("a.dezimal", "12,5"), nil, "a.dezimal", 12.5, ""},
		{"decimal point", base("a.dezimal", "12.25"), nil, "a.dezimal", 12.25, ""},
		{"German decimal with thousands", base("a.dezimal", "1.234,5"), nil, "a.dezimal", 1234.5, ""},
		{"date German", base("a.datum", "01.03.2026"), nil, "a.datum", "2026-03-01", ""},
		{"date short German", base("a.datum", "1.3.2026"), nil, "a.datum", "2026-03-01", ""},
		{"date ISO", base("a.datum", "2026-03-01"), nil, "a.datum", "2026-03-01", ""},
		{"date invalid day", base("a.datum", "31.02.2026"), nil, "a.datum", nil, "a.datum"},
		{"date rule", base("a.datum", "01.06.2026"), nil, "a.datum", "2026-06-01", "a.datum"},
		{"yes", base("a.jn", "true", "a.nur_wenn_ja", "x"), nil, "a.jn", true, ""},
		{"no", base("a.jn", "false"), nil, "a.jn", false, ""},
		{"yes/no garbage", base("a.jn", "vielleicht"), nil, "a.jn", nil, "a.jn"},
		{"select", base("a.farbe", "rot"), nil, "a.farbe", "rot", ""},
		{"select unknown", base("a.farbe", "grün"), nil, "a.farbe", nil, "a.farbe"},
		{"multiselect dedupes and drops empty", base("a.farben", "rot", "a.farben", "", "a.farben", "rot"), nil, "a.farben", []any{"rot"}, ""},
		{"multiselect max", base("a.farben", "rot", "a.farben", "blau"), nil, "a.farben", []any{"rot", "blau"}, "a.farben"},
		{"lines", base("a.zeilen", " eins \r\n\r\nzwei\n"), nil, "a.zeilen", []any{"eins", "zwei"}, ""},
		{"text too long", vals("a.text", "abcdef"), nil, "a.text", "abcdef", "a.text"},
		{"file ok", base(), map[string]FileMeta{"a.datei": {Name: "x.pdf", ContentType: "application/pdf", Size: 10, Ref: "r"}}, "a.datei",
			map[string]any{"name": "x.pdf", "type": "application/pdf", "size": int64(10), "ref": "r"}, ""},
		{"file wildcard type", base(), map[string]FileMeta{"a.datei": {Name: "x.png", ContentType: "image/png; q=1", Size: 10}}, "a.datei",
			map[string]any{"name": "x.png", "type": "image/png; q=1", "size": int64(10)}, ""},
		{"file too big", base(), map[string]FileMeta{"a.datei": {Name: "x.pdf", ContentType: "application/pdf", Size: 1001}}, "a.datei", nil, "a.datei"},
		{"file wrong type", base(), map[string]FileMeta{"a.datei": {Name: "x.exe", ContentType: "application/octet-stream", Size: 1}}, "a.datei", nil, "a.datei"},
		{"file metadata in values is ignored", base("a.datei.name", "x.pdf", "a.datei", "x"), nil, "a.datei", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, res, err := d.ApplyPost("eins", Post{Values: c.post, Files: c.files}, Draft{}, Env{Today: today})
			if err != nil {
				t.Fatal(err)
			}
			if got := getIn(out, c.path); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s = %#v, want %#v", c.path, got, c.want)
			}
			got := errPaths(res.Errors)
			if c.errPath == "" && len(got) > 0 || c.errPath != "" && !reflect.DeepEqual(got, []string{c.errPath}) {
				t.Errorf("errors %v, want [%s]", got, c.errPath)
			}
			if c.errPath == "" && res.Goto != "zwei" && res.Goto != ReviewStep {
				t.Errorf("goto %q", res.Goto)
			}
			if c.errPath != "" && (res.Action != ActionStay || res.Goto != "eins") {
				t.Errorf("action %s goto %s, want stay", res.Action, res.Goto)
			}
		})
	}
}

func TestRawInputKeptAndShown(t *testing.T) {
	d := testDefinition(t)
	out, _, _ := d.ApplyPost("eins", Post{Values: vals("a.text", "x", "a.zahl", "zwölf")}, Draft{}, Env{Today: today})
	v, _ := d.View("eins", out, nil, "de")
	if f := findField(v.Fields, "a.zahl"); f == nil || f.Value != "zwölf" {
		t.Fatalf("raw input not shown: %+v", f)
	}
	// Validate (review) still reports it; the payload does not contain it.
	if !hasPath(d.Validate(out, Env{Today: today}), "a.zahl") {
		t.Error("raw input not reported by Validate")
	}
	if p, _ := d.Payload(out); strings.Contains(string(p), "zw") || strings.Contains(string(p), "$") {
		t.Errorf("payload %s", p)
	}
	// Correcting it clears the raw value.
	out, res, _ := d.ApplyPost("eins", Post{Values: vals("a.text", "x", "a.zahl", "12")}, out, Env{Today: today})
	if _, ok := rawValue(out, "a.zahl"); ok || Blocking(res.Errors) {
		t.Errorf("raw kept after correction: %v %+v", out, res.Errors)
	}
}

func TestGroupAddRemove(t *testing.T) {
	d := testDefinition(t)
	env := Env{Today: today}
	draft := Draft{}
	post := func(action string, kv ...string) StepResult {
		t.Helper()
		var res StepResult
		var err error
		draft, res, err = d.ApplyPost("zwei", Post{Values: merge(vals(kv...), vals(ActionField, action))}, draft, env)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := post("add:leute", "leute[0].name", "A"); res.Action != ActionAddItem || len(items(draft, "leute")) != 2 || res.Goto != "zwei" {
		t.Fatalf("add: %+v %v", res, draft)
	}
	if post("add:leute", "leute[0].name", "A", "leute[1].name", "B"); len(items(draft, "leute")) != 2 {
		t.Fatal("added beyond maxItems")
	}
	// Raw input of item 1 moves along when item 0 is removed.
	post("save", "leute[0].name", "A", "leute[1].name", "B")
	draft["$raw"] = map[string]any{"leute[1].x": "raw"}
	if post("remove:leute[0]", "leute[0].name", "A", "leute[1].name", "B"); len(items(draft, "leute")) != 1 || getIn(draft, "leute[0].name") != "B" {
		t.Fatalf("remove: %v", draft)
	}
	if raw, _ := rawValue(draft, "leute[0].x"); raw != "raw" {
		t.Errorf("raw state not shifted: %v", draft["$raw"])
	}
	if post("remove:leute[0]", "leute[0].name", "B"); len(items(draft, "leute")) != 1 {
		t.Fatal("removed below minItems")
	}
	for _, bad := range []string{"remove:leute[99]", "remove:leute", "remove:a.text[0]", "add:a.text", "add:nix", "remove:", "search:nix", "plz:", "remove-file:leute"} {
		before := draft.Clone()
		post(bad, "leute[0].name", "B")
		if !reflect.DeepEqual(before, draft) {
			t.Errorf("%s changed the draft: %v → %v", bad, before, draft)
		}
	}
	if res := post("back", "leute[0].name", ""); res.Action != ActionBack || res.Goto != "eins" || getIn(draft, "leute[0].name") != nil {
		t.Errorf("back: %+v", res)
	}
	if _, _, err := d.ApplyPost("nope", Post{}, draft, env); !errors.Is(err, ErrUnknownStep) {
		t.Errorf("unknown step: %v", err)
	}
}

func TestExpressionHelpers(t *testing.T) {
	d := testDefinition(t)
	s := d.newScope(Draft{"a": map[string]any{"datum": "2026-05-15", "zahl": int64(3)}}, time.Date(2026, 2, 15, 13, 0, 0, 0, time.UTC))
	for src, want := range map[string]any{
		`date(a.datum) <= today() + months(3)`:             true,
		`date(a.datum) <= today() + months(2)`:             false,
		`today() - years(1) < date("2025-02-16")`:          true,
		`date("31.12.2025") < today()`:                     true,
		`age("2008-02-16", today())`:                       17,
		`age("2008-02-15", today())`:                       18,
		`year(a.datum)`:                                    2026,
		`today() + days(14) == date("2026-03-01")`:         true,
		`filled(a.zahl) && isEmpty(a.text)`:                true,
		`"DE" in EU && "CH" in EU_EWR_CH && !("CH" in EU)`: true,
		`GRENZE`: float64(10),
	} {
		p, err := d.compile(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		got, err := s.run(p)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v (%v), want %#v", src, got, err, want)
		}
	}
	// A missing date makes date() fail: conditions are false, rules pass.
	p, _ := d.compile(`date(a.fehlt) < today()`)
	if s.truth(p) {
		t.Error("condition on a missing date is true")
	}
	v := &validator{s: s}
	if !v.check(p) {
		t.Error("rule on a missing date fails")
	}
}

func TestPrefillAndDecodeDraft(t *testing.T) {
	d := def(t, "gewerbe-anmeldung")
	draft := d.NewDraft(testEnv(t))
	if getIn(draft, "personen[0].geburtsdatum") != "1990-03-27" || getIn(draft, "personen[0].anschrift.plz") != "04107" ||
		getIn(draft, "betrieb.kontakt.email") != "ayse@example.org" {
		t.Fatalf("prefill %v", draft)
	}
	// Prefill never overwrites answers.
	draft = d.Prefill(Draft{"betrieb": map[string]any{"kontakt": map[string]any{"email": "x@y.de"}}}, testEnv(t))
	if getIn(draft, "betrieb.kontakt.email") != "x@y.de" {
		t.Error("prefill overwrote an answer")
	}
	got, err := DecodeDraft([]byte(`{"a":{"n":3,"f":1.5,"l":[1,"x"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Draft{"a": map[string]any{"n": int64(3), "f": 1.5, "l": []any{int64(1), "x"}}}) {
		t.Errorf("DecodeDraft %#v", got)
	}
	if _, err := DecodeDraft([]byte(`[`)); err == nil {
		t.Error("bad JSON decoded")
	}
}

func TestViewIDsAndErrorOrder(t *testing.T) {
	d := testDefinition(t)
	// The yes brings up a.nur-wenn-ja: first it is shown without an error, focused …
	out, res, _ := d.ApplyPost("eins", Post{Values: vals("a.jn", "true", "a.zahl", "x")}, Draft{}, Env{Today: today})
	if res.Action != ActionReveal || res.Focus != "a.nur_wenn_ja" || len(res.Errors) != 2 {
		t.Fatalf("revealing post: %+v", res)
	}
	// … and once the page showed it, it is required like the others.
	out, res, _ = d.ApplyPost("eins", Post{Values: vals("a.jn", "true", "a.zahl", "x")}, out, Env{Today: today})
	if res.Action != ActionStay {
		t.Fatalf("second post: %+v", res)
	}
	v, _ := d.View("eins", out, res.Errors, "en")
	if v.Title != "One" || v.Number != 1 || v.Count != 2 || v.HasPrev {
		t.Errorf("view header %+v", v)
	}
	var hrefs []string
	for _, e := range v.Errors {
		hrefs = append(hrefs, e.Href)
	}
	want := []string{"#f-a-text", "#f-a-zahl", "#f-a-nur-wenn-ja"}
	if !reflect.DeepEqual(hrefs, want) {
		t.Errorf("error links %v, want %v", hrefs, want)
	}
	jn := findField(v.Fields, "a.jn")
	if jn.Kind != KindRadio || jn.ID != "f-a-jn-0" || jn.GroupID != "f-a-jn" || !jn.Options[0].Selected {
		t.Errorf("yes/no view %+v", jn)
	}
	if ControlID("leute[10].anschrift.plz") != "f-leute-10-anschrift-plz" {
		t.Error(ControlID("leute[10].anschrift.plz"))
	}
}

// FuzzApplyPost: arbitrary posts never panic, and the resulting draft always renders, reviews,
// validates and serialises.
func FuzzApplyPost(f *testing.F) {
	f.Add("personen", "personen[0].geburtsdatum=31.02.1990&personen[0].staatsangehoerigkeiten=US&_action=add:personen")
	f.Add("taetigkeit", "taetigkeit.wz2008.q=Fahrrad&_action=search:taetigkeit.wz2008")
	f.Add("taetigkeit", "taetigkeit.wz2008=99.99.9&betrieb.beschaeftigte.vollzeit=1e400")
	f.Add("betrieb", "betrieb.betriebsstaette.plz=01896&betrieb.betriebsstaette.ags=x")
	f.Add("personen", "_action=remove:personen[-1]&personen[99999].name=x")
	f.Add("einstieg", "betrieb.rechtsform=%ff%fe&anmeldung.grund=verlegung_aus_anderem_meldebezirk")
	f.Add("unterlagen", "_action=remove-file:unterlagen.ausweis")
	f.Fuzz(func(t *testing.T, step, query string) {
		vals, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		d := def(t, "gewerbe-anmeldung")
		ids := d.StepIDs()
		if _, ok := d.Step(step); !ok {
			step = ids[len(step)%len(ids)]
		}
		env := testEnv(t)
		draft := d.NewDraft(env)
		for i := 0; i < 2; i++ {
			var res StepResult
			draft, res, err = d.ApplyPost(step, Post{Values: vals, Files: map[string]FileMeta{"unterlagen.ausweis": {Name: query, ContentType: step, Size: int64(len(query))}}}, draft, env)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := d.View(step, draft, res.Errors, "de"); !ok {
				t.Fatal("view failed")
			}
		}
		d.Validate(draft, env)
		d.Review(draft, "en")
		if _, err := d.Payload(draft); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMinItemsMessage(t *testing.T) {
	l := Text{De: "Beteiligte Personen", En: "Persons"}
	if got := minItemsMsg(l, 1).De; got != "„Beteiligte Personen“: Bitte mindestens einen Eintrag angeben." {
		t.Errorf("one: %q", got)
	}
	if got := minItemsMsg(l, 2).De; got != "„Beteiligte Personen“: Bitte mindestens 2 Einträge angeben." {
		t.Errorf("two: %q", got)
	}
}
