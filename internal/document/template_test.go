package document

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestFillTemplate(t *testing.T) {
	vars := map[string]string{
		"name":           "Jürgen Weiß",
		"betrag":         "25,00 EUR",
		"gebühr":         "10,00 EUR",
		"antrag.datum":   "28.11.2026",
		"kassen-zeichen": "5.0123",
		"_x":             "X",
		"leer":           "",
		"tricky":         "{{name}} }} {{",
	}
	cases := []struct {
		name, tpl, want string
		unknown         []string // want an *UnknownPlaceholdersError with these names
		syntaxAt        int      // want a *TemplateError at this offset (-1: none)
	}{
		{name: "empty", tpl: "", want: "", syntaxAt: -1},
		{name: "no placeholder", tpl: "Der Antrag wird abgelehnt.", want: "Der Antrag wird abgelehnt.", syntaxAt: -1},
		{name: "one", tpl: "Sehr geehrter {{name}},", want: "Sehr geehrter Jürgen Weiß,", syntaxAt: -1},
		{name: "blanks inside", tpl: "Gebühr: {{ betrag }} / {{\tbetrag\n}}", want: "Gebühr: 25,00 EUR / 25,00 EUR", syntaxAt: -1},
		{name: "repeated and adjacent", tpl: "{{_x}}{{_x}}{{_x}}", want: "XXX", syntaxAt: -1},
		{name: "unicode, dot and hyphen", tpl: "{{gebühr}}, {{antrag.datum}}, {{kassen-zeichen}}", want: "10,00 EUR, 28.11.2026, 5.0123", syntaxAt: -1},
		{name: "empty value", tpl: "a{{leer}}b", want: "ab", syntaxAt: -1},
		{name: "value not scanned again", tpl: "[{{tricky}}]", want: "[{{name}} }} {{]", syntaxAt: -1},
		{name: "closing braces alone", tpl: "}} a }}", want: "}} a }}", syntaxAt: -1},
		{name: "third closing brace is text", tpl: "{{_x}}}", want: "X}", syntaxAt: -1},
		{name: "single braces are text", tpl: "{name} {_x}", want: "{name} {_x}", syntaxAt: -1},
		{name: "unknown", tpl: "{{name}} {{aktenzeichen}}", unknown: []string{"aktenzeichen"}, syntaxAt: -1},
		{name: "unknown sorted once", tpl: "{{z}} {{a}} {{z}} {{name}} {{Name}}", unknown: []string{"Name", "a", "z"}, syntaxAt: -1},
		{name: "unclosed", tpl: "ab {{name", syntaxAt: 3},
		{name: "unclosed after a good one", tpl: "{{name}} {{", syntaxAt: 9},
		{name: "empty name", tpl: "x{{}}", syntaxAt: 1},
		{name: "blank name", tpl: "{{  }}", syntaxAt: 0},
		{name: "digit first", tpl: "{{1a}}", syntaxAt: 0},
		{name: "blank inside name", tpl: "{{a b}}", syntaxAt: 0},
		{name: "third opening brace", tpl: "{{{name}}", syntaxAt: 0},
		{name: "nested", tpl: "{{a {{name}}}}", syntaxAt: 0},
		{name: "syntax error wins over unknown", tpl: "{{unbekannt}} {{", syntaxAt: 14},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FillTemplate(c.tpl, vars)
			var te *TemplateError
			var ue *UnknownPlaceholdersError
			switch {
			case c.syntaxAt >= 0:
				if !errors.As(err, &te) || te.Offset != c.syntaxAt {
					t.Fatalf("err = %v, want a TemplateError at byte %d", err, c.syntaxAt)
				}
			case c.unknown != nil:
				if !errors.As(err, &ue) || !slices.Equal(ue.Names, c.unknown) {
					t.Fatalf("err = %v, want unknown %v", err, c.unknown)
				}
				for _, n := range c.unknown {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("error %q does not name %q", err, n)
					}
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("got %q, want %q", got, c.want)
				}
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	got, err := Placeholders("{{b}} {{ a }} {{b}} text }} {{c.d}}")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c.d"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := Placeholders("{{a"); err == nil {
		t.Error("no error for an unclosed placeholder")
	}
}

// FuzzFillTemplate checks FillTemplate against Placeholders: both agree on what is malformed;
// a template filled with a value for every placeholder succeeds; filling it with its own
// placeholders gives a canonical template that fills to itself; text without "{{" is copied.
func FuzzFillTemplate(f *testing.F) {
	for _, s := range []string{"", "a", "{{a}}", "{{ a }}{{b}}", "{{", "}}", "{{}}", "{{{a}}}", "x{{a.b-c}}y", "{{ü}}", "{{a}", "\xff{{a}}"} {
		f.Add(s, "wert")
	}
	f.Add("{{a}}", "{{a}}")
	f.Fuzz(func(t *testing.T, tpl, val string) {
		names, perr := Placeholders(tpl)
		vars := map[string]string{}
		for _, n := range names {
			vars[n] = val
		}
		out, err := FillTemplate(tpl, vars)
		if (perr == nil) != (err == nil) {
			t.Fatalf("Placeholders err %v, FillTemplate err %v", perr, err)
		}
		if perr != nil {
			var te *TemplateError
			if !errors.As(err, &te) || te.Offset < 0 || te.Offset >= len(tpl) || !strings.HasPrefix(tpl[te.Offset:], "{{") {
				t.Fatalf("malformed template: err %v does not point at a {{", err)
			}
			return
		}
		if !strings.Contains(tpl, "{{") && out != tpl {
			t.Fatalf("text without placeholders changed: %q -> %q", tpl, out)
		}
		if len(names) > 0 {
			var ue *UnknownPlaceholdersError
			if _, err := FillTemplate(tpl, nil); !errors.As(err, &ue) || !slices.Equal(ue.Names, names) {
				t.Fatalf("without values: err %v, want unknown %v", err, names)
			}
		}
		ident := map[string]string{}
		for _, n := range names {
			ident[n] = "{{" + n + "}}"
		}
		canon, err := FillTemplate(tpl, ident)
		if err != nil {
			t.Fatal(err)
		}
		again, err := FillTemplate(canon, ident)
		if err != nil || again != canon {
			t.Fatalf("canonical template %q fills to %q (err %v)", canon, again, err)
		}
	})
}
