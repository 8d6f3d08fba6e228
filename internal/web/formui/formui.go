// Package formui renders the steps and the review page of a form (internal/form) as
// accessible HTML fragments: a step is written by Go code (step.go; its markup is specified
// by testdata/step.html.tmpl), the review page by an html/template partial embedded in the
// binary and parsed once by New, so a broken template fails start-up, not a request.
//
// The markup works without JavaScript and under a strict CSP (no inline scripts or styles):
// every control has a <label for>, radio and checkbox sets and composite fields are fieldsets
// with a legend, hints, help and errors are tied to their controls with aria-describedby,
// invalid controls carry aria-invalid, and an error summary with links to the controls comes
// first (it has autofocus, so keyboard and screen-reader users land on it). Required answers
// are marked in text. Buttons are submit buttons named "_action" (see form.ActionField); the
// first one is a hidden "next" so that Enter in a text field continues.
//
// The fragments carry class names prefixed "rh-"; the web shell's stylesheet styles them.
package formui

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/web/tmplfold"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Renderer renders form pages. It is safe for concurrent use.
type Renderer struct {
	byLang map[string]*template.Template
}

// New parses the templates once per language.
func New() (*Renderer, error) {
	r := &Renderer{byLang: map[string]*template.Template{}}
	files, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	for lang, msgs := range messages {
		t := template.New("formui").Funcs(funcs(msgs))
		for _, f := range files {
			b, err := templateFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			// Fixed texts are put into the source before parsing (see tmplfold).
			src := tmplfold.Fold(string(b), func(key string) (string, bool) { s, ok := msgs[key]; return s, ok })
			if _, err := t.New(path.Base(f)).Parse(src); err != nil {
				return nil, fmt.Errorf("formui: %s: %w", f, err)
			}
		}
		if t.Lookup("review") == nil {
			return nil, fmt.Errorf("formui: template %q missing", "review")
		}
		r.byLang[lang] = t
	}
	return r, nil
}

func funcs(msgs map[string]string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			s, ok := msgs[key]
			if !ok {
				return key
			}
			if len(args) > 0 {
				return fmt.Sprintf(s, args...)
			}
			return s
		},
	}
}

// writeOptions writes the <option> elements of a select, one per line, escaped as
// html/template escapes text and quoted attribute values. A select of countries or of the
// days, months and years of a date has dozens to hundreds of options.
func writeOptions(b *strings.Builder, opts []form.OptionView) {
	for _, o := range opts {
		b.WriteString(`<option value="`)
		writeEscaped(b, o.Value)
		b.WriteByte('"')
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		writeEscaped(b, o.Label)
		b.WriteString("</option>\n")
	}
}

var typeNames = map[string]string{
	"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/*": "Bilddateien",
}

func (r *Renderer) tmpl(lang string) (*template.Template, string) {
	if t, ok := r.byLang[lang]; ok {
		return t, lang
	}
	return r.byLang["de"], "de"
}

// ReviewPage is the data of the review page.
type ReviewPage struct {
	Title    string // the form's title
	Sections []form.ReviewSection
	// Problems are the results of Definition.Validate; blocking ones are listed with links to
	// their steps, warnings as notes.
	Problems []form.FieldError
	Fee      *FeeView
	// StepHref returns the URL of a step ("Ändern" links and error links); the fragment id of
	// the control is appended for errors.
	StepHref func(stepID string) string
	CSRF     template.HTML
	Lang     string
	// Action is where the review's form posts; "" posts to the page's URL.
	Action string
}

// FeeView is a fee line on the review page.
type FeeView struct {
	Label  string
	Amount string
}

// FormatMoney formats cents of a currency for lang: "75,00 €" in German, "€75.00" in English.
func FormatMoney(cents int64, currency, lang string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	sym := currency
	if currency == "EUR" {
		sym = "€"
	}
	units := fmt.Sprintf("%d", cents/100)
	sep := ","
	if lang == "en" {
		sep = "."
	}
	// Thousands separators.
	var b strings.Builder
	for i, c := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			if lang == "en" {
				b.WriteByte(',')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteRune(c)
	}
	amount := fmt.Sprintf("%s%s%s%02d", sign, b.String(), sep, cents%100)
	if lang == "en" {
		return sym + amount
	}
	return amount + "\u00a0" + sym
}

type reviewBlock struct {
	Heading string
	Rows    []form.ReviewRow
}

type reviewSection struct {
	StepID, Title, Href string
	Blocks              []reviewBlock
}

// Review renders the review page: every visible step's answers with "Ändern" links, the
// problems still open, the fee, and the buttons "Verbindlich absenden" (value "submit"),
// "Zurück" and "Entwurf speichern".
func (r *Renderer) Review(w io.Writer, p ReviewPage) error {
	t, lang := r.tmpl(p.Lang)
	p.Lang = lang
	href := p.StepHref
	if href == nil {
		href = func(id string) string { return id }
	}
	var secs []reviewSection
	stepTitle := map[string]string{}
	for _, s := range p.Sections {
		rs := reviewSection{StepID: s.StepID, Title: s.Title, Href: href(s.StepID)}
		stepTitle[s.StepID] = s.Title
		cur := reviewBlock{}
		for _, row := range s.Rows {
			if row.Heading {
				if cur.Heading != "" || len(cur.Rows) > 0 {
					rs.Blocks = append(rs.Blocks, cur)
				}
				cur = reviewBlock{Heading: row.Label}
				continue
			}
			cur.Rows = append(cur.Rows, row)
		}
		if cur.Heading != "" || len(cur.Rows) > 0 {
			rs.Blocks = append(rs.Blocks, cur)
		}
		secs = append(secs, rs)
	}
	var errs, warns []form.ErrorLink
	for _, e := range p.Problems {
		link := form.ErrorLink{Message: e.Message.In(lang), Href: href(e.Step) + "#" + form.ControlID(e.Path), Path: e.Path}
		if e.Warning {
			warns = append(warns, link)
		} else {
			errs = append(errs, link)
		}
	}
	return t.ExecuteTemplate(w, "review", struct {
		P        ReviewPage
		Sections []reviewSection
		Errors   []form.ErrorLink
		Warnings []form.ErrorLink
	}{p, secs, errs, warns})
}
