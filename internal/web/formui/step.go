package formui

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/form"
)

// A form step is written by Go code, not by html/template: html/template evaluates every
// field, condition and escaper of a step through reflection, about 150 µs and 1,300
// allocations a step of the Gewerbeanmeldung, and the step is the most frequent form page.
// The markup is specified by testdata/step.html.tmpl, which html/template renders with its
// contextual escaping; TestStepWriterMatchesTemplate holds the two byte for byte over every
// step and state of the Gewerbe forms, so a change of the markup goes into both.

// stepWriter writes one step in one language.
type stepWriter struct {
	w    *strings.Builder
	msgs map[string]string
	// wzLang is the lang attribute of WZ 2008 titles, which are German only: ` lang="de"`
	// on a page in another language, else empty.
	wzLang string
}

// StepHTML renders one step of a form: the error summary, the fields and the buttons
// "Weiter", "Zurück" and "Entwurf speichern" inside <form method="post">. csrf is the hidden
// CSRF input the web layer provides. The form posts to the current URL.
func (r *Renderer) StepHTML(v form.StepView, csrf template.HTML, lang string) template.HTML {
	msgs, ok := messages[lang]
	if !ok {
		msgs = messages["de"]
	}
	var b strings.Builder
	b.Grow(16 << 10)
	s := &stepWriter{w: &b, msgs: msgs}
	if lang != "de" {
		s.wzLang = ` lang="de"`
	}
	s.step(v, csrf)
	return template.HTML(b.String())
}

// raw writes markup.
func (s *stepWriter) raw(parts ...string) {
	for _, p := range parts {
		s.w.WriteString(p)
	}
}

// text writes a value into text or a quoted attribute, escaped as html/template does there.
func (s *stepWriter) text(v string) { writeEscaped(s.w, v) }

// fixed writes a message without arguments (escaped as tmplfold folds it into a template).
func (s *stepWriter) fixed(key string) {
	m, ok := s.msgs[key]
	if !ok {
		m = key
	}
	s.w.WriteString(html.EscapeString(m))
}

// msg writes a message with arguments, escaped.
func (s *stepWriter) msg(key string, args ...any) {
	m, ok := s.msgs[key]
	if !ok {
		s.text(key)
		return
	}
	s.text(fmt.Sprintf(m, args...))
}

// attr writes ` name="value"` when value is not empty.
func (s *stepWriter) attr(name, value string) {
	if value != "" {
		s.raw(" ", name, `="`)
		s.text(value)
		s.raw(`"`)
	}
}

// flag writes ` text` when on.
func (s *stepWriter) flag(on bool, text string) {
	if on {
		s.raw(text)
	}
}

// tagged writes open, the escaped id, `">`, the escaped body and close: an element whose
// opening tag ends with its id.
func (s *stepWriter) tagged(open, id, body, close string) {
	s.raw(open)
	s.text(id)
	s.raw(`">`)
	s.text(body)
	s.raw(close)
}

// choiceInput writes a radio button or checkbox (typ) and its label.
func (s *stepWriter) choiceInput(typ, id, name, value, label string, checked, required, invalid bool, describedBy string) {
	s.choiceInputLang(typ, id, name, value, label, checked, required, invalid, describedBy, "")
}

// choiceInputLang is choiceInput with a lang attribute (as ` lang="de"`, or "") on the label.
func (s *stepWriter) choiceInputLang(typ, id, name, value, label string, checked, required, invalid bool, describedBy, labelLang string) {
	s.raw(`<input class="rh-`, typ, `__input" type="`, typ, `" id="`)
	s.text(id)
	s.raw(`" name="`)
	s.text(name)
	s.raw(`" value="`)
	s.text(value)
	s.raw(`"`)
	s.flag(checked, " checked")
	s.flag(required, " required")
	s.flag(invalid, ` aria-invalid="true"`)
	s.attr("aria-describedby", describedBy)
	s.raw(">\n")
	s.raw(`<label class="rh-`, typ, `__label" for="`)
	s.text(id)
	s.raw(`"`, labelLang, `>`)
	s.text(label)
	s.raw("</label>\n")
}

func (s *stepWriter) step(v form.StepView, csrf template.HTML) {
	s.raw("\n", `<div class="rh-form" lang="`)
	s.text(v.Lang)
	s.raw(`">`, "\n", `<p class="rh-caption">`)
	s.text(v.FormTitle)
	s.raw(" – ")
	s.msg("step_of", v.Number, v.Count)
	s.raw("</p>\n", `<h1 class="rh-heading">`)
	s.text(v.Title)
	s.raw("</h1>\n")
	if len(v.Errors) > 0 {
		s.raw("\n", `<div class="rh-error-summary" id="error-summary" tabindex="-1" autofocus aria-labelledby="error-summary-title">`, "\n",
			`<h2 class="rh-error-summary__title" id="error-summary-title">`)
		s.fixed("error_summary")
		s.raw("</h2>\n", `<ul class="rh-error-summary__list">`, "\n")
		for _, e := range v.Errors {
			s.raw(`<li><a href="`)
			writeURL(s.w, e.Href)
			s.raw(`">`)
			s.text(e.Message)
			s.raw("</a></li>\n")
		}
		s.raw("</ul>\n</div>\n")
	}
	s.raw("\n")
	if len(v.Warnings) > 0 {
		s.raw("\n", `<div class="rh-notice" aria-labelledby="notice-title">`, "\n", `<h2 class="rh-notice__title" id="notice-title">`)
		s.fixed("warnings")
		s.raw("</h2>\n<ul>")
		for _, e := range v.Warnings {
			s.raw("<li>")
			s.text(e.Message)
			s.raw("</li>")
		}
		s.raw("</ul>\n</div>\n")
	}
	s.raw("\n")
	if v.Intro != "" {
		s.raw(`<p class="rh-intro">`)
		s.text(v.Intro)
		s.raw("</p>")
	}
	s.raw("\n")
	if v.Help != "" {
		s.raw(`<div class="rh-inset">`)
		s.text(v.Help)
		s.raw("</div>")
	}
	s.raw("\n", `<p class="rh-required-note">`)
	s.fixed("required_note")
	s.raw("</p>\n", `<form method="post" novalidate id="step-form"`)
	if v.Action != "" {
		s.raw(` action="`)
		writeURL(s.w, v.Action)
		s.raw(`"`)
	}
	s.flag(v.Multipart, ` enctype="multipart/form-data"`)
	s.raw(` class="rh-form__form">`, "\n", string(csrf), "\n", `<button type="submit" name="_action" value="next" hidden tabindex="-1">`)
	s.fixed("next")
	s.raw("</button>\n")
	for i := range v.Fields {
		s.field(&v.Fields[i])
	}
	s.raw("\n", `<div class="rh-actions">`, "\n", `<button type="submit" name="_action" value="next" class="rh-button">`)
	s.fixed("next")
	s.raw("</button>\n")
	if v.HasPrev {
		s.raw(`<button type="submit" name="_action" value="back" class="rh-button rh-button--secondary">`)
		s.fixed("back")
		s.raw("</button>")
	}
	s.raw("\n", `<button type="submit" name="_action" value="save" class="rh-button rh-button--secondary">`)
	s.fixed("save")
	s.raw("</button>\n</div>\n</form>\n</div>\n")
}

func (s *stepWriter) labelText(f *form.FieldView) {
	s.text(f.Label)
	if f.Required {
		s.raw(` <span class="rh-required">(`)
		s.fixed("required")
		s.raw(")</span>")
	}
}

func (s *stepWriter) describe(f *form.FieldView) {
	if f.Hint != "" {
		s.tagged(`<div class="rh-hint" id="`, f.HintID, f.Hint, "</div>\n")
	}
	if f.Help != "" {
		s.tagged(`<div class="rh-help" id="`, f.HelpID, f.Help, "</div>\n")
	}
	if f.Error != "" {
		s.errorMessage(f.ErrorID, f.Error)
	}
}

// errorMessage writes a field's error message with its id.
func (s *stepWriter) errorMessage(id, message string) {
	s.raw(`<p class="rh-error-message" id="`)
	s.text(id)
	s.raw(`"><span class="rh-visually-hidden">`)
	s.fixed("error_prefix")
	s.raw("</span> ")
	s.text(message)
	s.raw("</p>\n")
}

// fieldOpen writes `<div class="rh-field…">` (with the error modifier when invalid).
func (s *stepWriter) fieldOpen(extra string, invalid bool) {
	s.raw(`<div class="rh-field`, extra)
	s.flag(invalid, " rh-field--error")
	s.raw(`">`, "\n")
}

// fieldsetOpen writes a field's fieldset with its legend and description.
func (s *stepWriter) fieldsetOpen(f *form.FieldView) {
	s.raw(`<fieldset class="rh-fieldset" id="`)
	s.text(f.GroupID)
	s.raw(`"`)
	s.attr("aria-describedby", f.DescribedBy)
	s.raw(">\n", `<legend class="rh-legend">`)
	s.labelText(f)
	s.raw("</legend>\n")
	s.describe(f)
}

func (s *stepWriter) field(f *form.FieldView) {
	switch f.Kind {
	case form.KindText, form.KindDate, form.KindNumber:
		s.input(f)
	case form.KindTextarea:
		s.textarea(f)
	case form.KindRadio:
		s.choices(f, "radio")
	case form.KindCheckboxes:
		s.choices(f, "checkbox")
	case form.KindSelect:
		s.selectField(f)
	case form.KindSelects:
		s.selects(f)
	case form.KindAddress:
		s.address(f)
	case form.KindGroup:
		s.group(f)
	case form.KindFile:
		s.file(f)
	case form.KindWZ:
		s.wz(f)
	}
}

// controlAttrs writes the attributes a text control, textarea and select share after id and
// name.
func (s *stepWriter) controlAttrs(f *form.FieldView, inputMode bool) {
	s.attr("autocomplete", f.Autocomplete)
	if inputMode {
		s.attr("inputmode", f.InputMode)
	}
	s.flag(f.Required, ` required aria-required="true"`)
	s.flag(f.Invalid, ` aria-invalid="true"`)
	s.attr("aria-describedby", f.DescribedBy)
}

func (s *stepWriter) label(f *form.FieldView) {
	s.raw(`<label class="rh-label" for="`)
	s.text(f.ID)
	s.raw(`">`)
	s.labelText(f)
	s.raw("</label>\n")
}

func (s *stepWriter) idName(f *form.FieldView) {
	s.raw(` id="`)
	s.text(f.ID)
	s.raw(`" name="`)
	s.text(f.Name)
	s.raw(`"`)
}

// controlStart writes a field's wrapper, label and description and the start of its
// control's tag (`<tag class="class…" id="…" name="…"`), the error modifier included.
func (s *stepWriter) controlStart(f *form.FieldView, tag, class string) {
	s.fieldOpen("", f.Invalid)
	s.label(f)
	s.describe(f)
	s.raw("<", tag, ` class="`, class)
	s.flag(f.Invalid, " rh-input--error")
	s.raw(`"`)
	s.idName(f)
}

func (s *stepWriter) input(f *form.FieldView) {
	class := "rh-input"
	if f.Kind == form.KindDate {
		class = "rh-input rh-input--date"
	}
	s.controlStart(f, "input", class)
	s.raw(` type="text" value="`)
	s.text(f.Value)
	s.raw(`"`)
	s.controlAttrs(f, true)
	s.raw(">\n</div>\n")
}

func (s *stepWriter) textarea(f *form.FieldView) {
	s.controlStart(f, "textarea", "rh-textarea")
	s.raw(` rows="`, strconv.Itoa(f.Rows), `"`)
	s.controlAttrs(f, false)
	s.raw(">")
	s.text(f.Value)
	s.raw("</textarea>\n</div>\n")
}

func (s *stepWriter) choices(f *form.FieldView, typ string) {
	s.fieldOpen("", f.Invalid)
	s.fieldsetOpen(f)
	s.raw(`<div class="rh-`, typ, `s">`, "\n")
	for i := range f.Options {
		o := &f.Options[i]
		s.raw(`<div class="rh-`, typ, `">`, "\n")
		s.choiceInput(typ, o.ID, f.Name, o.Value, o.Label, o.Selected, f.Required && typ == "radio", f.Invalid, o.HelpID)
		if o.Help != "" {
			s.tagged(`<div class="rh-hint rh-`+typ+`__hint" id="`, o.HelpID, o.Help, "</div>")
		}
		s.raw("\n</div>\n")
	}
	s.raw("</div>\n</fieldset>\n</div>\n")
}

// selectOptions writes a select's empty choice, its options and the end of the field.
func (s *stepWriter) selectOptions(opts []form.OptionView) {
	s.raw(`<option value="">`)
	s.fixed("choose")
	s.raw("</option>\n")
	writeOptions(s.w, opts)
	s.raw("</select>\n</div>\n")
}

func (s *stepWriter) selectField(f *form.FieldView) {
	s.controlStart(f, "select", "rh-select")
	s.controlAttrs(f, false)
	s.raw(">\n")
	s.selectOptions(f.Options)
}

func (s *stepWriter) selects(f *form.FieldView) {
	s.fieldOpen("", f.Invalid)
	s.fieldsetOpen(f)
	for i := range f.Parts {
		p := &f.Parts[i]
		s.raw(`<div class="rh-field rh-field--slot">`, "\n", `<label class="rh-label" for="`)
		s.text(p.ID)
		s.raw(`">`)
		s.text(p.Label)
		if !p.Required {
			s.raw(` <span class="rh-optional">(`)
			s.fixed("optional")
			s.raw(")</span>")
		}
		s.raw("</label>\n", `<select class="rh-select"`)
		s.idName(p)
		s.flag(p.Required, ` required aria-required="true"`)
		s.flag(f.Invalid, ` aria-invalid="true"`)
		s.raw(">\n")
		s.selectOptions(p.Options)
	}
	s.raw("</fieldset>\n</div>\n")
}

func (s *stepWriter) address(f *form.FieldView) {
	s.fieldOpen(" rh-address", f.Invalid)
	s.fieldsetOpen(f)
	for i := range f.Parts {
		if f.Parts[i].Kind == form.KindSelect {
			s.selectField(&f.Parts[i])
		} else {
			s.input(&f.Parts[i])
		}
	}
	s.raw("\n")
	if len(f.Choices) > 0 {
		s.fieldOpen("", f.ChoiceError != "")
		s.raw(`<fieldset class="rh-fieldset" id="`)
		s.text(f.GroupID)
		s.raw(`-ags"`)
		if f.ChoiceError != "" {
			s.raw(` aria-describedby="`)
			s.text(f.GroupID)
			s.raw(`-ags-error"`)
		}
		s.raw(">\n", `<legend class="rh-legend">`)
		s.fixed("municipality")
		s.raw(` <span class="rh-required">(`)
		s.fixed("required")
		s.raw(")</span></legend>\n")
		if f.ChoiceError != "" {
			s.errorMessage(f.GroupID+"-ags-error", f.ChoiceError)
		}
		for _, c := range f.Choices {
			s.raw(`<div class="rh-radio">`, "\n")
			s.choiceInput("radio", c.ID, f.ChoiceName, c.Value, c.Label, c.Selected, false, f.ChoiceError != "", "")
			s.raw("</div>\n")
		}
		s.raw("</fieldset>\n</div>\n")
	}
	if f.LookupAction != "" {
		s.raw(`<button type="submit" name="_action" value="`)
		s.text(f.LookupAction)
		s.raw(`" class="rh-button rh-button--secondary rh-button--small">`)
		s.fixed("plz_lookup")
		s.raw("</button>\n")
	}
	s.raw("</fieldset>\n</div>\n")
}

func (s *stepWriter) group(f *form.FieldView) {
	s.raw(`<div class="rh-group`)
	s.flag(f.Invalid, " rh-field--error")
	s.raw(`" id="`)
	s.text(f.GroupID)
	s.raw(`">`, "\n", `<h2 class="rh-group__title">`)
	s.text(f.Label)
	s.raw("</h2>\n")
	s.describe(f)
	for i := range f.Items {
		it := &f.Items[i]
		s.raw(`<fieldset class="rh-fieldset rh-group__item" id="`)
		s.text(it.ID)
		s.raw(`">`, "\n", `<legend class="rh-legend rh-legend--item">`)
		s.text(it.Legend)
		s.raw("</legend>\n")
		for j := range it.Fields {
			s.field(&it.Fields[j])
		}
		if it.CanRemove {
			s.button(it.RemoveAction, "rh-button rh-button--secondary", it.RemoveLabel)
		}
		s.raw("</fieldset>\n")
	}
	if f.CanAdd {
		s.button(f.AddAction, "rh-button rh-button--secondary", f.AddLabel)
	}
	s.raw("</div>\n")
}

// button writes a submit button with an action and an escaped label, and a line break.
func (s *stepWriter) button(action, class, label string) {
	s.raw(`<button type="submit" name="_action" value="`)
	s.text(action)
	s.raw(`" class="`, class, `">`)
	s.text(label)
	s.raw("</button>\n")
}

func (s *stepWriter) file(f *form.FieldView) {
	s.fieldOpen("", f.Invalid)
	s.label(f)
	s.raw(`<div class="rh-hint" id="`)
	s.text(f.ID)
	s.raw(`-constraints">`)
	s.msg("file_constraints", fileTypes(f.Accept), f.MaxSize)
	s.raw("</div>\n")
	s.describe(f)
	if f.File != nil {
		s.raw(`<p class="rh-file__current">`)
		s.fixed("file_current")
		s.raw(" <strong>")
		s.text(f.File.Name)
		s.raw("</strong></p>\n", `<button type="submit" name="_action" value="`)
		s.text(f.RemoveAction)
		s.raw(`" class="rh-button rh-button--secondary rh-button--small">`)
		s.fixed("file_remove")
		s.raw(`<span class="rh-visually-hidden">: `)
		s.text(f.Label)
		s.raw("</span></button>\n")
	}
	s.raw(`<input class="rh-file" type="file"`)
	s.idName(f)
	s.raw(` accept="`)
	s.text(f.Accept)
	s.raw(`"`)
	s.flag(f.Required && f.File == nil, ` required aria-required="true"`)
	s.flag(f.Invalid, ` aria-invalid="true"`)
	s.raw(` aria-describedby="`)
	s.text(f.ID)
	s.raw("-constraints")
	if f.DescribedBy != "" {
		s.raw(" ")
		s.text(f.DescribedBy)
	}
	s.raw(`">`, "\n</div>\n")
}

func (s *stepWriter) wz(f *form.FieldView) {
	s.fieldOpen(" rh-wz", f.Invalid || f.QueryError != "")
	s.fieldsetOpen(f)
	if f.Selected != "" {
		s.raw(`<p class="rh-wz__selected">`)
		s.fixed("wz_selected")
		s.raw(" <strong", s.wzLang, ">")
		s.text(f.Selected)
		s.raw("</strong></p>\n")
	}
	if f.Value != "" && len(f.Results) == 0 {
		s.raw(`<input type="hidden" name="`)
		s.text(f.Name)
		s.raw(`" value="`)
		s.text(f.Value)
		s.raw(`">`, "\n")
	}
	s.raw(`<div class="rh-field">`, "\n", `<label class="rh-label" for="`)
	s.text(f.QueryID)
	s.raw(`">`)
	if f.Value != "" {
		s.fixed("wz_change")
	} else {
		s.fixed("wz_search")
	}
	s.raw("</label>\n", `<div class="rh-hint" id="`)
	s.text(f.QueryID)
	s.raw(`-hint">`)
	s.fixed("wz_hint")
	s.raw("</div>\n")
	if f.QueryError != "" {
		s.errorMessage(f.QueryID+"-error", f.QueryError)
	}
	s.raw(`<input class="rh-input" type="search" id="`)
	s.text(f.QueryID)
	s.raw(`" name="`)
	s.text(f.QueryName)
	s.raw(`" value="`)
	s.text(f.Query)
	s.raw(`" aria-describedby="`)
	s.text(f.QueryID)
	s.raw("-hint")
	if f.QueryError != "" {
		s.raw(" ")
		s.text(f.QueryID)
		s.raw("-error")
	}
	s.raw(`"`)
	s.flag(f.QueryError != "", ` aria-invalid="true"`)
	s.raw(">\n", `<button type="submit" name="_action" value="`)
	s.text(f.SearchAction)
	s.raw(`" class="rh-button rh-button--secondary rh-button--small">`)
	s.fixed("search")
	s.raw("</button>\n</div>\n")
	if f.Searched {
		if len(f.Results) > 0 {
			s.raw(`<fieldset class="rh-fieldset rh-wz__results" id="`)
			s.text(f.GroupID)
			s.raw(`-results">`, "\n", `<legend class="rh-legend">`)
			s.msg("wz_results", len(f.Results))
			s.raw("</legend>\n")
			if f.Value != "" && !anySelected(f.Results) {
				s.raw(`<div class="rh-radio">`, "\n", `<input class="rh-radio__input" type="radio" id="`)
				s.text(f.GroupID)
				s.raw(`-keep" name="`)
				s.text(f.Name)
				s.raw(`" value="`)
				s.text(f.Value)
				s.raw(`" checked>`, "\n", `<label class="rh-radio__label" for="`)
				s.text(f.GroupID)
				s.raw(`-keep">`)
				s.fixed("wz_keep")
				s.raw(" <span", s.wzLang, ">")
				s.text(f.Selected)
				s.raw("</span></label>\n</div>\n")
			}
			for _, o := range f.Results {
				s.raw(`<div class="rh-radio">`, "\n")
				s.choiceInputLang("radio", o.ID, f.Name, o.Value, o.Label, o.Selected, false, f.Invalid, "", s.wzLang)
				s.raw("</div>\n")
			}
			s.raw("</fieldset>\n")
		} else {
			s.raw(`<p class="rh-wz__none" role="status">`)
			s.msg("no_results", f.Query)
			s.raw("</p>\n")
		}
	}
	s.raw("</fieldset>\n</div>\n")
}

func anySelected(opts []form.OptionView) bool {
	for _, o := range opts {
		if o.Selected {
			return true
		}
	}
	return false
}

// fileTypes names the accepted types of a file field ("PDF, JPEG").
func fileTypes(accept string) string {
	var out []string
	for _, a := range strings.Split(accept, ",") {
		a = strings.TrimSpace(a)
		if n, ok := typeNames[a]; ok {
			out = append(out, n)
		} else if a != "" {
			out = append(out, a)
		}
	}
	return strings.Join(out, ", ")
}

// writeEscaped writes s escaped as html/template escapes a value in text, RCDATA and quoted
// attribute context (its htmlReplacementTable).
func writeEscaped(w *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(rep)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// writeURL writes a URL into a quoted href as html/template does: a scheme other than http,
// https or mailto is replaced by "#ZgotmplZ", bytes that may not appear in a URL are
// percent-encoded (valid escapes are kept), and the result is escaped for the attribute.
func writeURL(w *strings.Builder, u string) {
	if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		w.WriteString("#ZgotmplZ")
		return
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
		case c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]): // an escape stays
		default:
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	writeEscaped(w, b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
