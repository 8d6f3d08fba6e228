package form

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// ReviewSection is one step on the review page: label/value rows and the step to change them.
type ReviewSection struct {
	StepID string // the "Ändern" link goes to this step
	Title  string
	Rows   []ReviewRow
}

// ReviewRow is one answer. Heading rows introduce the items of a group ("Person 1").
type ReviewRow struct {
	Path    string
	Label   string
	Value   string
	Heading bool
}

// Review lists the answers of every visible step in lang; hidden and empty optional fields are
// left out, empty required ones show as "—".
func (d *Definition) Review(draft Draft, lang string) []ReviewSection {
	if lang != "en" {
		lang = "de"
	}
	s := d.newScope(draft, timeZero)
	var out []ReviewSection
	for _, st := range d.Steps {
		if !s.truth(st.visible) {
			continue
		}
		sec := ReviewSection{StepID: st.ID, Title: st.Title.In(lang)}
		for _, f := range st.Fields {
			if s.truth(f.visible) {
				sec.Rows = d.reviewField(s, draft, f, f.Path, nil, 0, lang, sec.Rows)
			}
		}
		out = append(out, sec)
	}
	return out
}

func (d *Definition) reviewField(s *scope, draft Draft, f *Field, path string, item map[string]any, idx int, lang string, rows []ReviewRow) []ReviewRow {
	if f.Type == TypeGroup {
		for i := range items(s.env, path) {
			it := s.item(f, i)
			ip := fmt.Sprintf("%s[%d]", path, i)
			rows = append(rows, ReviewRow{Path: ip, Label: fmt.Sprintf("%s %d", f.ItemLabel.In(lang), i+1), Heading: true})
			for _, c := range f.Fields {
				visible := true
				s.with(it, i, nil, func() { visible = s.truth(c.visible) })
				if visible {
					rows = d.reviewField(s, draft, c, ip+"."+c.Path, it, i, lang, rows)
				}
			}
		}
		return rows
	}
	value := getIn(draft, path)
	text := d.displayValue(f, path, value, draft, lang)
	if text == "" {
		required := f.Required
		if !required && f.required != nil {
			s.with(item, idx, nil, func() { required = s.truth(f.required) })
		}
		if !required {
			return rows
		}
		text = "—"
	}
	return append(rows, ReviewRow{Path: path, Label: f.Label.In(lang), Value: text})
}

func (d *Definition) displayValue(f *Field, path string, value any, draft Draft, lang string) string {
	if raw, ok := rawValue(draft, path); ok {
		return raw
	}
	switch f.Type {
	case TypeDate:
		return displayDate(toString(value))
	case TypeYesNo:
		if b, ok := value.(bool); ok {
			if b {
				return Text{"Ja", "Yes"}.In(lang)
			}
			return Text{"Nein", "No"}.In(lang)
		}
		return ""
	case TypeSelect:
		if s := toString(value); s != "" {
			return f.optionLabel(s, lang)
		}
		return ""
	case TypeMultiSelect:
		var labels []string
		for _, v := range toStrings(value) {
			labels = append(labels, f.optionLabel(v, lang))
		}
		return strings.Join(labels, ", ")
	case TypeTextarea:
		if f.Lines {
			return strings.Join(toStrings(value), "; ")
		}
	case TypeAddress:
		m, _ := asMap(value)
		if isEmpty(m) {
			return ""
		}
		line := strings.TrimSpace(toString(m["strasse"]) + " " + toString(m["hausnummer"]))
		place := strings.TrimSpace(toString(m["plz"]) + " " + toString(m["ort"]))
		parts := []string{line, place}
		if st := toString(m["staat"]); st != "" && st != "DE" {
			if l := d.lists["staaten"]; l != nil {
				if i, ok := l.index[st]; ok {
					st = l.Options[i].Label.In(lang)
				}
			}
			parts = append(parts, st)
		}
		return strings.Join(parts, ", ")
	case TypeFile:
		if fm, ok := fileMeta(value); ok {
			return fmt.Sprintf("%s (%s)", fm.Name, formatBytes(fm.Size))
		}
		return ""
	case TypeWZ:
		code := toString(value)
		if t := toString(uiState(draft, path)["title"]); code != "" && t != "" {
			return code + " – " + t
		}
		return code
	case TypeNumber:
		s := toString(value)
		if lang == "de" {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	return toString(value)
}

// Data returns the payload as a map: the values of visible fields that go into the output,
// the definition's fixed values, no engine state, no empty strings, objects or lists. File
// fields are not part of it (see Attachments).
func (d *Definition) Data(draft Draft) map[string]any {
	s := d.newScope(draft, timeZero)
	out := map[string]any{}
	for _, st := range d.Steps {
		if !s.truth(st.visible) {
			continue
		}
		for _, f := range st.Fields {
			if s.truth(f.visible) {
				d.copyField(s, f, f.Path, out)
			}
		}
	}
	for k, v := range d.Fixed {
		setIn(out, k, deepCopy(v))
	}
	pruned, _ := prune(out).(map[string]any)
	if pruned == nil {
		pruned = map[string]any{}
	}
	return pruned
}

func (d *Definition) copyField(s *scope, f *Field, path string, out map[string]any) {
	if !f.output() || f.Type == TypeFile {
		return
	}
	if f.Type == TypeGroup {
		list := items(s.env, path)
		arr := make([]any, len(list))
		for i := range list {
			it := s.item(f, i)
			im := map[string]any{}
			s.with(it, i, nil, func() {
				for _, c := range f.Fields {
					if s.truth(c.visible) {
						d.copyField(s, c, c.Path, im)
					}
				}
			})
			arr[i] = im
		}
		setIn(out, path, arr)
		return
	}
	// Inside a group, s.env["item"] is the item; outside, the top-level draft.
	src := s.env
	if f.group != nil {
		src, _ = s.env["item"].(map[string]any)
	}
	v := getIn(src, path)
	if f.Type == TypeAddress {
		m, _ := asMap(v)
		cp := map[string]any{}
		for _, k := range []string{"strasse", "hausnummer", "plz", "ort", "staat", "ags"} {
			if x := m[k]; x != nil {
				cp[k] = x
			}
		}
		v = cp
	}
	setIn(out, path, deepCopy(v))
}

// prune drops nil, empty strings, empty objects and empty lists, recursively.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if strings.HasPrefix(k, "$") {
				continue
			}
			if p := prune(e); p != nil {
				m[k] = p
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	case []any:
		var arr []any
		for _, e := range x {
			if p := prune(e); p != nil {
				arr = append(arr, p)
			}
		}
		if len(arr) == 0 {
			return nil
		}
		return arr
	case string:
		if x == "" {
			return nil
		}
	case nil:
		return nil
	}
	return v
}

// Payload returns the JSON submission payload of draft (see Data). For the Gewerbe forms it is
// a gewerbeanzeige.schema.json document. Validate first: Payload does not check the data.
func (d *Definition) Payload(draft Draft) ([]byte, error) {
	return json.Marshal(d.Data(draft))
}

// Attachment is an upload of a visible file field.
type Attachment struct {
	Path  string
	Label Text
	File  FileMeta
}

// FieldLabel is the label of the field a concrete path ("personen[1].vornamen") names.
func (d *Definition) FieldLabel(concrete string) (Text, bool) {
	if f := d.fieldAt(concrete); f != nil {
		return f.Label, true
	}
	return Text{}, false
}

// Attachments lists the uploads of visible file fields, in form order.
func (d *Definition) Attachments(draft Draft) []Attachment {
	s := d.newScope(draft, timeZero)
	var out []Attachment
	var walk func(fields []*Field, prefix string, group *Field)
	walk = func(fields []*Field, prefix string, group *Field) {
		for _, f := range fields {
			if !s.truth(f.visible) {
				continue
			}
			path := prefix + f.Path
			switch f.Type {
			case TypeFile:
				if fm, ok := fileMeta(getIn(draft, path)); ok {
					out = append(out, Attachment{Path: path, Label: f.Label, File: fm})
				}
			case TypeGroup:
				for i := range items(s.env, path) {
					it := s.item(f, i)
					s.with(it, i, nil, func() { walk(f.Fields, fmt.Sprintf("%s[%d].", path, i), f) })
				}
			}
		}
	}
	for _, st := range d.Steps {
		if s.truth(st.visible) {
			walk(st.Fields, "", nil)
		}
	}
	return out
}

// Fee evaluates the definition's fee for draft: the amount in cents (of the fee's currency)
// and its label in lang. ok is false when the form has no fee or the expression cannot be
// evaluated yet (answers missing).
func (d *Definition) Fee(draft Draft, lang string) (cents int64, label string, ok bool) {
	if d.FeeDecl == nil {
		return 0, "", false
	}
	s := d.newScope(draft, timeZero)
	out, err := s.run(d.FeeDecl.prog)
	if err != nil {
		return 0, "", false
	}
	amount, isNum := toFloat(out)
	if !isNum {
		if i, isInt := out.(int); isInt {
			amount, isNum = float64(i), true
		}
	}
	if !isNum || amount < 0 || math.IsNaN(amount) || amount > 1e9 {
		return 0, "", false
	}
	return int64(math.Round(amount * 100)), d.FeeDecl.Label.In(lang), true
}

// FeeCurrency returns the currency of the fee, or "".
func (d *Definition) FeeCurrency() string {
	if d.FeeDecl == nil {
		return ""
	}
	return d.FeeDecl.Currency
}

// NewDraft returns an empty draft with the account data of env prefilled.
func (d *Definition) NewDraft(env Env) Draft {
	return d.Prefill(Draft{}, env)
}

// Prefill copies account data (env.Prefill) into fields that declare a prefill key and are
// still empty. Inside a group only the first item is prefilled (the applicant).
func (d *Definition) Prefill(draft Draft, env Env) Draft {
	out := draft.Clone()
	if len(env.Prefill) == 0 {
		return out
	}
	var fill func(f *Field, path string)
	fill = func(f *Field, path string) {
		if f.Type == TypeGroup {
			for _, c := range f.Fields {
				fill(c, path+"[0]."+c.Path)
			}
			return
		}
		if f.Prefill == "" {
			return
		}
		if f.Type == TypeAddress {
			if !isEmpty(getIn(out, path)) {
				return
			}
			for _, part := range []string{"strasse", "hausnummer", "plz", "ort", "staat"} {
				if v := env.Prefill[f.Prefill+"."+part]; v != "" && (part != "staat" || f.Country) {
					setIn(out, path+"."+part, v)
				}
			}
			return
		}
		v := env.Prefill[f.Prefill]
		if v == "" || !isEmpty(getIn(out, path)) {
			return
		}
		switch f.Type {
		case TypeDate:
			if iso, ok := parseDate(v); ok {
				setIn(out, path, iso)
			}
		case TypeSelect:
			if f.hasOption(v) {
				setIn(out, path, v)
			}
		case TypeMultiSelect:
			if f.hasOption(v) {
				setIn(out, path, []any{v})
			}
		case TypeText, TypeTextarea:
			setIn(out, path, v)
		}
	}
	for _, st := range d.Steps {
		for _, f := range st.Fields {
			fill(f, f.Path)
		}
	}
	return out
}
