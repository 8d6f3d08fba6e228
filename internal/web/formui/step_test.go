package formui

import (
	"bytes"
	"html/template"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/web/tmplfold"
)

// stepOracle parses testdata/step.html.tmpl, the specification of a step's markup, as the
// step was rendered before step.go: by html/template with its contextual escaping, the fixed
// texts folded per language (tmplfold).
func stepOracle(t *testing.T) map[string]*template.Template {
	t.Helper()
	src, err := os.ReadFile("testdata/step.html.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*template.Template{}
	for lang, msgs := range messages {
		fm := funcs(msgs)
		fm["choice"] = func(f form.FieldView, typ string) struct {
			F    form.FieldView
			Type string
		} {
			return struct {
				F    form.FieldView
				Type string
			}{f, typ}
		}
		fm["filetypes"] = fileTypes
		fm["options"] = func(opts []form.OptionView) (template.HTML, error) {
			var b strings.Builder
			err := optionTmpl.Execute(&b, opts)
			return template.HTML(b.String()), err
		}
		fm["selectedIn"] = anySelected
		foreign := lang != "de"
		fm["foreign"] = func() bool { return foreign }
		folded := tmplfold.Fold(string(src), func(key string) (string, bool) { s, ok := msgs[key]; return s, ok })
		out[lang] = template.Must(template.New("formui").Funcs(fm).Parse(folded))
	}
	return out
}

// optionTmpl is how the options of a select were written by html/template.
var optionTmpl = template.Must(template.New("o").Parse(`{{range .}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>
{{end}}`))

// hostile puts characters that need escaping into every text of a view (not into the kinds
// of fields, which choose the markup), and a file into every file field.
func hostile(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			hostile(v.Elem(), name)
		}
	case reflect.Slice:
		for i := range v.Len() {
			hostile(v.Index(i), name)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Name == "Kind" {
				continue
			}
			if f.Name == "File" && v.FieldByName("Kind").String() == form.KindFile && v.Field(i).IsNil() {
				v.Field(i).Set(reflect.ValueOf(&form.FileMeta{Name: `a"b<c>.pdf`}))
			}
			hostile(v.Field(i), f.Name)
		}
	case reflect.String:
		s := v.String()
		if name == "Href" {
			v.SetString(s + ` x"y<z>'+%41%zz ü`)
		} else {
			v.SetString(s + ` <b class="x">&amp; 'a'+1` + "\x00")
		}
	}
}

// TestStepWriterMatchesTemplate: the Go step writer produces exactly the bytes html/template
// produces from the specification, for every step of every form, new, after an empty post
// (every required error), with texts that need escaping in every field, and in the special
// states of the Gewerbeanmeldung (two persons, WZ search with results, none, a kept choice, an
// ambiguous postal code), in both languages.
func TestStepWriterMatchesTemplate(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	oracle := stepOracle(t)
	n := 0
	check := func(name string, v form.StepView, lang string) {
		t.Helper()
		var want bytes.Buffer
		data := struct {
			V    form.StepView
			CSRF template.HTML
		}{v, csrf}
		if err := oracle[lang].ExecuteTemplate(&want, "step", data); err != nil {
			t.Fatalf("%s: template: %v", name, err)
		}
		if g, w := string(r.StepHTML(v, csrf, lang)), want.String(); g != w {
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			from := max(0, i-120)
			t.Fatalf("%s/%s: differs at byte %d\n got: …%s\nwant: …%s", name, lang, i, g[from:min(len(g), i+80)], w[from:min(len(w), i+80)])
		}
		n++
	}
	both := func(name string, v form.StepView) {
		t.Helper()
		for _, lang := range []string{"de", "en"} {
			check(name, v, lang)
			h := deepCopy(v)
			hostile(reflect.ValueOf(&h).Elem(), "")
			check(name+" (escaping)", h, lang)
		}
	}
	reg, err := form.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range reg.All() {
		draft := d.NewDraft(env())
		for _, step := range d.StepIDs() {
			v, _ := d.View(step, draft, nil, "de")
			both(d.ID+"/"+step, v)
		}
		draft = form.Draft{}
		for _, step := range d.StepIDs() {
			var res form.StepResult
			draft, res, err = d.ApplyPost(step, form.Post{Values: url.Values{}}, draft, env())
			if err != nil {
				t.Fatal(err)
			}
			v, _ := d.View(step, draft, res.Errors, "de")
			both(d.ID+"/"+step+" (errors)", v)
		}
	}
	d, _ := reg.Get("gewerbe-anmeldung")
	post := func(draft form.Draft, step string, vals url.Values) (form.Draft, []form.FieldError) {
		draft, res, err := d.ApplyPost(step, form.Post{Values: vals}, draft, env())
		if err != nil {
			t.Fatal(err)
		}
		return draft, res.Errors
	}
	draft, errs := post(form.Draft{}, "personen", url.Values{form.ActionField: {"add:personen"}, "personen[0].staatsangehoerigkeiten": {"US"}, "personen[0].geburtsdatum": {"31.02.1990"}})
	v, _ := d.View("personen", draft, errs, "de")
	both("two persons", v)
	for name, vals := range map[string]url.Values{
		"wz results":   {"taetigkeit.wz2008.q": {"Fahrrad"}, form.ActionField: {"search:taetigkeit.wz2008"}},
		"wz none":      {"taetigkeit.wz2008.q": {"Raumfahrt"}, form.ActionField: {"search:taetigkeit.wz2008"}},
		"wz too short": {"taetigkeit.wz2008.q": {"x"}, form.ActionField: {"search:taetigkeit.wz2008"}},
	} {
		draft, errs := post(form.Draft{}, "taetigkeit", vals)
		v, _ := d.View("taetigkeit", draft, errs, "de")
		both(name, v)
	}
	draft, _ = post(form.Draft{}, "taetigkeit", url.Values{"taetigkeit.wz2008": {"95.29"}})
	draft, errs = post(draft, "taetigkeit", url.Values{"taetigkeit.wz2008": {"95.29"}, "taetigkeit.wz2008.q": {"Fahrrad"}, form.ActionField: {"search:taetigkeit.wz2008"}})
	v, _ = d.View("taetigkeit", draft, errs, "de")
	both("wz kept choice", v)
	draft, errs = post(form.Draft{}, "betrieb", url.Values{"betrieb.betriebsstaette.plz": {"01896"}})
	v, _ = d.View("betrieb", draft, errs, "de")
	both("municipality choice", v)
	v.Errors = []form.ErrorLink{{Message: "a", Href: "javascript:alert(1)"}, {Message: "b", Href: "#a:b"}, {Message: "c", Href: "HTTPS://x.example/y z?q=1&r=%2"}, {Message: "d", Href: "mailto:a@b"}}
	both("links", v)
	if n < 100 {
		t.Fatalf("only %d views compared", n)
	}
	t.Logf("%d views compared", n)
}

// deepCopy copies a view so that hostile changes no slice of the original.
func deepCopy(v form.StepView) form.StepView {
	var walk func(x reflect.Value) reflect.Value
	walk = func(x reflect.Value) reflect.Value {
		switch x.Kind() {
		case reflect.Pointer:
			if x.IsNil() {
				return x
			}
			c := reflect.New(x.Elem().Type())
			c.Elem().Set(walk(x.Elem()))
			return c
		case reflect.Slice:
			if x.IsNil() {
				return x
			}
			c := reflect.MakeSlice(x.Type(), x.Len(), x.Len())
			for i := range x.Len() {
				c.Index(i).Set(walk(x.Index(i)))
			}
			return c
		case reflect.Struct:
			c := reflect.New(x.Type()).Elem()
			for i := range x.NumField() {
				c.Field(i).Set(walk(x.Field(i)))
			}
			return c
		default:
			return x
		}
	}
	return walk(reflect.ValueOf(v)).Interface().(form.StepView)
}
