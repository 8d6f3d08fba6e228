package form

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm"
)

var timeZero time.Time

// Validate checks every visible step of draft, as before submission and on the review page.
// Errors come in step and field order; warnings (Warning true) do not block submission.
func (d *Definition) Validate(draft Draft, env Env) []FieldError {
	s := d.newScope(draft, env.Today)
	var errs []FieldError
	for _, st := range d.Steps {
		if s.truth(st.visible) {
			errs = append(errs, d.validateStep(s, draft, st, env, nil)...)
		}
	}
	return errs
}

// ValidateStep checks one step of draft (visible fields only).
func (d *Definition) ValidateStep(stepID string, draft Draft, env Env) []FieldError {
	st, ok := d.Step(stepID)
	if !ok {
		return nil
	}
	return d.validateStep(d.newScope(draft, env.Today), draft, st, env, nil)
}

type validator struct {
	d     *Definition
	s     *scope
	draft Draft
	env   Env
	step  *Step
	skip  map[string]bool
	errs  []FieldError
}

func (d *Definition) validateStep(s *scope, draft Draft, st *Step, env Env, skip map[string]bool) []FieldError {
	v := &validator{d: d, s: s, draft: draft, env: env, step: st, skip: skip}
	for _, f := range st.Fields {
		if s.truth(f.visible) {
			v.field(f, f.Path, nil, 0)
		}
	}
	for _, r := range d.Rules {
		f := r.field
		if f.step != st {
			continue
		}
		if f.group == nil {
			if s.truth(f.visible) {
				v.rule(r, f.Path, nil, 0, getIn(s.env, f.Path))
			}
			continue
		}
		if !s.truth(f.group.visible) {
			continue
		}
		for i := range items(s.env, f.group.Path) {
			it := s.item(f.group, i)
			path := fmt.Sprintf("%s[%d].%s", f.group.Path, i, f.Path)
			visible := true
			s.with(it, i, nil, func() { visible = s.truth(f.visible) })
			if visible {
				v.rule(r, path, it, i, getIn(s.env, path))
			}
		}
	}
	return v.errs
}

func (v *validator) add(path, code string, msg Text, warning bool) {
	if v.skip[path] {
		return
	}
	v.errs = append(v.errs, FieldError{Path: path, Step: v.step.ID, Code: code, Message: msg, Warning: warning})
}

// check evaluates a rule program; a runtime error or a non-bool result lets the rule pass.
func (v *validator) check(p *vm.Program) bool {
	out, err := v.s.run(p)
	if err != nil {
		return true
	}
	b, ok := out.(bool)
	return !ok || b
}

func (v *validator) rule(r *Rule, path string, item map[string]any, idx int, value any) {
	for _, e := range v.errs {
		if e.Path == path && !e.Warning {
			return // one error per input is enough
		}
	}
	failed := false
	v.s.with(item, idx, value, func() {
		if r.when != nil && !v.s.truth(r.when) {
			return
		}
		failed = !v.check(r.prog)
	})
	if failed {
		code := r.ID
		if code == "" {
			code = "rule"
		}
		v.add(path, code, r.Message, r.Severity == "warning")
	}
}

func (v *validator) field(f *Field, path string, item map[string]any, idx int) {
	if v.skip[path] {
		return
	}
	if raw, ok := rawValue(v.draft, path); ok {
		code := "invalid_date"
		switch f.Type {
		case TypeNumber:
			code = "invalid_number"
			if f.Integer {
				code = "invalid_integer"
			}
		case TypeWZ:
			code = "wz_unknown"
		}
		_ = raw
		v.add(path, code, msg(code, f.Label), false)
		return
	}
	value := getIn(v.s.env, path)
	required := f.Required
	if !required && f.required != nil {
		v.s.with(item, idx, value, func() { required = v.s.truth(f.required) })
	}
	switch f.Type {
	case TypeGroup:
		v.group(f, path, required)
		return
	case TypeAddress:
		v.address(f, path, required)
	case TypeFile:
		if _, ok := fileMeta(value); !ok && required {
			v.add(path, "required_file", msg("required_file", f.Label), false)
		}
		return
	default:
		if isEmpty(value) {
			if required {
				code := "required"
				if f.Type == TypeSelect || f.Type == TypeMultiSelect || f.Type == TypeYesNo || f.Type == TypeWZ {
					code = "required_choice"
				}
				v.add(path, code, msg(code, f.Label), false)
			}
			return
		}
		if !v.value(f, path, value) {
			return
		}
	}
	if isEmpty(value) {
		return
	}
	for _, r := range f.Rules {
		v.rule(r, path, item, idx, value)
	}
}

// value checks a filled scalar or list value; it reports whether the value is well-formed.
func (v *validator) value(f *Field, path string, value any) bool {
	switch f.Type {
	case TypeText, TypeTextarea:
		strs := toStrings(value)
		if f.Lines && f.MaxItems > 0 && len(strs) > f.MaxItems {
			v.add(path, "max_items", msg("max_items", f.Label, f.MaxItems), false)
			return false
		}
		for _, s := range strs {
			n := utf8.RuneCountInString(s)
			if f.MinLength > 0 && n < f.MinLength {
				v.add(path, "min_length", msg("min_length", f.Label, f.MinLength), false)
				return false
			}
			if f.MaxLength > 0 && n > f.MaxLength {
				v.add(path, "max_length", msg("max_length", f.Label, f.MaxLength), false)
				return false
			}
			if f.pattern != nil && !f.pattern.MatchString(s) {
				m := msg("pattern", f.Label)
				if !f.PatternMessage.IsZero() {
					m = f.PatternMessage
				}
				v.add(path, "pattern", m, false)
				return false
			}
		}
	case TypeNumber:
		n, ok := toFloat(value)
		if !ok {
			v.add(path, "invalid_number", msg("invalid_number", f.Label), false)
			return false
		}
		if f.Min != nil && n < *f.Min {
			v.add(path, "min", msg("min", f.Label, toString(*f.Min)), false)
			return false
		}
		if f.Max != nil && n > *f.Max {
			v.add(path, "max", msg("max", f.Label, toString(*f.Max)), false)
			return false
		}
	case TypeDate:
		if _, err := parseDateValue(value); err != nil {
			v.add(path, "invalid_date", msg("invalid_date", f.Label), false)
			return false
		}
	case TypeYesNo:
		if _, ok := value.(bool); !ok {
			v.add(path, "invalid_option", msg("invalid_option", f.Label), false)
			return false
		}
	case TypeSelect:
		if s, ok := value.(string); !ok || !f.hasOption(s) {
			v.add(path, "invalid_option", msg("invalid_option", f.Label), false)
			return false
		}
	case TypeMultiSelect:
		vals := toStrings(value)
		for _, s := range vals {
			if !f.hasOption(s) {
				v.add(path, "invalid_option", msg("invalid_option", f.Label), false)
				return false
			}
		}
		if f.MinItems > 0 && len(vals) < f.MinItems {
			v.add(path, "min_items", minItemsMsg(f.Label, f.MinItems), false)
			return false
		}
		if f.MaxItems > 0 && len(vals) > f.MaxItems {
			v.add(path, "max_items", msg("max_items", f.Label, f.MaxItems), false)
			return false
		}
	case TypeWZ:
		code := toString(value)
		ok := wzCodeRe.MatchString(code)
		if ok && v.env.WZ != nil {
			_, ok = v.env.WZ.Lookup(code)
		}
		if !ok {
			v.add(path, "wz_unknown", msg("wz_unknown", f.Label), false)
			return false
		}
	}
	return true
}

var partLabels = map[string]string{"strasse": "address_strasse", "hausnummer": "address_hausnr", "plz": "address_plz", "ort": "address_ort"}

var partMax = map[string]int{"strasse": 100, "hausnummer": 20, "ort": 100}

func (v *validator) address(f *Field, path string, required bool) {
	value, _ := asMap(getIn(v.s.env, path))
	if !required && isEmpty(value) {
		return
	}
	ok := true
	for _, part := range addressParts {
		s := toString(value[part])
		if s == "" {
			v.add(path+"."+part, "address_part", msg("address_part", f.Label, messages[partLabels[part]]), false)
			ok = false
			continue
		}
		if m := partMax[part]; m > 0 && utf8.RuneCountInString(s) > m {
			v.add(path+"."+part, "max_length", msg("address_max_length", f.Label, partTexts[part], m), false)
			ok = false
		}
	}
	staat := toString(value["staat"])
	plz := toString(value["plz"])
	if plz != "" {
		if staat == "" || staat == "DE" {
			if !plzRe.MatchString(plz) {
				v.add(path+".plz", "plz_format", msg("plz_format", f.Label), false)
				return
			}
		} else if !foreignPLZRe.MatchString(plz) {
			v.add(path+".plz", "plz_foreign", msg("plz_foreign", f.Label), false)
			return
		}
	}
	if !ok || f.AGS != AGSRequired || toString(value["ags"]) != "" {
		return
	}
	if st := uiState(v.draft, path); st != nil && st["gemeinden"] != nil {
		v.add(path+".ags", "ags_choose", msg("ags_choose", f.Label), false)
		return
	}
	v.add(path+".plz", "plz_unknown", msg("plz_unknown", f.Label), false)
}

func (v *validator) group(f *Field, path string, required bool) {
	list := items(v.s.env, path)
	minItems := f.MinItems
	if required && minItems == 0 {
		minItems = 1
	}
	if len(list) < minItems {
		v.add(path, "min_items", minItemsMsg(f.Label, minItems), false)
	}
	if f.MaxItems > 0 && len(list) > f.MaxItems {
		v.add(path, "max_items", msg("max_items", f.Label, strconv.Itoa(f.MaxItems)), false)
	}
	for i := range list {
		it := v.s.item(f, i)
		for _, c := range f.Fields {
			visible := true
			v.s.with(it, i, nil, func() { visible = v.s.truth(c.visible) })
			if visible {
				v.field(c, fmt.Sprintf("%s[%d].%s", path, i, c.Path), it, i)
			}
		}
	}
	for _, r := range f.Rules {
		v.rule(r, path, nil, 0, getIn(v.s.env, path))
	}
}

var foreignPLZRe = regexpMust(`^[0-9A-Z -]{3,10}$`)

// minItemsMsg asks for at least n entries, in the singular for one.
func minItemsMsg(label Text, n int) Text {
	if n == 1 {
		return msg("min_items_one", label)
	}
	return msg("min_items", label, n)
}
