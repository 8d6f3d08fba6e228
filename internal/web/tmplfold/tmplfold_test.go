package tmplfold

import (
	"bytes"
	"html/template"
	"testing"
)

// TestFoldRendersLikeTheAction: a folded template renders exactly the bytes the unfolded one
// does, in text, attribute and title context, with characters that need escaping; actions
// with arguments, unknown keys and URL attributes stay actions.
func TestFoldRendersLikeTheAction(t *testing.T) {
	msgs := map[string]string{"a": `Anträge & "Fristen" <jetzt>`, "b": "Zurück", "n": "%d offen", "u": "/x y"}
	lookup := func(k string) (string, bool) { s, ok := msgs[k]; return s, ok }
	funcs := template.FuncMap{"t": func(k string, args ...any) string {
		if s, ok := msgs[k]; ok {
			if len(args) > 0 {
				return template.HTMLEscapeString(k) // stands for Sprintf; unchanged by folding
			}
			return s
		}
		return k
	}}
	src := `<title>{{t "a"}}</title><p aria-label="{{t "a"}}" title='{{t "b"}}'>{{t "a"}} {{t "b"}} {{t "n" 3}} {{t "missing"}}</p><a href="{{t "u"}}">{{- t "b" -}}</a>`
	render := func(s string) string {
		var buf bytes.Buffer
		if err := template.Must(template.New("x").Funcs(funcs).Parse(s)).Execute(&buf, nil); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	folded := Fold(src, lookup)
	if got, want := render(folded), render(src); got != want {
		t.Fatalf("folded renders\n%s\nwant\n%s", got, want)
	}
	for _, kept := range []string{`{{t "n" 3}}`, `{{t "missing"}}`, `href="{{t "u"}}"`, `{{- t "b" -}}`} {
		if !bytes.Contains([]byte(folded), []byte(kept)) {
			t.Errorf("folded source lost %s:\n%s", kept, folded)
		}
	}
	if bytes.Contains([]byte(folded), []byte(`{{t "a"}}`)) {
		t.Errorf("a constant key was not folded:\n%s", folded)
	}
}
