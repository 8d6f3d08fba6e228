package form

import (
	"fmt"
	"sort"
	"strings"
)

// StepView is everything a template needs to render one step. All texts are already in the
// requested language; ids are unique within the page.
type StepView struct {
	// Action is where the step's form posts (set by the caller); "" posts to the page's URL.
	Action    string
	FormID    string
	Version   int
	FormTitle string
	Lang      string
	StepID    string
	Title     string
	Intro     string
	Help      string
	Number    int // position among the visible steps, from 1
	Count     int // number of visible steps
	Steps     []StepLink
	Fields    []FieldView
	// Errors lists the blocking errors of this step for the error summary, in field order.
	Errors []ErrorLink
	// Warnings lists non-blocking hints of this step.
	Warnings  []ErrorLink
	HasPrev   bool
	Multipart bool // the step has a file field: use enctype multipart/form-data
}

// StepLink is one entry of the progress list.
type StepLink struct {
	ID      string
	Title   string
	Current bool
	Done    bool // before the current step
}

// ErrorLink is one entry of the error summary: the message and the id of the control to focus.
type ErrorLink struct {
	Message string
	Href    string // "#<id>"
	Path    string
}

// Kinds of FieldView (the control to render).
const (
	KindText       = "text"
	KindTextarea   = "textarea"
	KindDate       = "date"
	KindNumber     = "number"
	KindRadio      = "radio"
	KindSelect     = "select"
	KindCheckboxes = "checkboxes"
	KindSelects    = "selects" // a multiselect over a long list: several <select>s
	KindAddress    = "address"
	KindGroup      = "group"
	KindFile       = "file"
	KindWZ         = "wz"
)

// FieldView is one field ready to render. ID is the id of the first focusable control (the
// error summary links to it); GroupID the id of a fieldset, where there is one.
type FieldView struct {
	Kind     string
	Path     string
	Name     string
	ID       string
	GroupID  string
	Label    string
	Help     string
	Hint     string
	HelpID   string
	HintID   string
	ErrorID  string
	Error    string
	Invalid  bool
	Required bool
	// DescribedBy lists hint, help and error ids for aria-describedby.
	DescribedBy  string
	Value        string
	Values       []string
	Options      []OptionView
	Autocomplete string
	InputMode    string
	Rows         int
	MaxLength    int

	// Parts are the controls of an address (text inputs and the state select) or the slots of
	// a KindSelects multiselect.
	Parts []FieldView
	// Address: municipalities to choose from when the postal code is ambiguous.
	Choices      []OptionView
	ChoiceName   string
	ChoiceError  string
	LookupAction string

	// Group.
	Items     []ItemView
	CanAdd    bool
	AddLabel  string
	AddAction string

	// WZ picker.
	QueryName    string
	QueryID      string
	Query        string
	Selected     string // "47.91.1 – Versandhandel …"
	Results      []OptionView
	Searched     bool
	SearchAction string
	QueryError   string

	// File.
	Accept       string
	MaxSize      string
	File         *FileMeta
	RemoveAction string
}

// OptionView is one radio button, checkbox or select option.
type OptionView struct {
	Value    string
	Label    string
	Help     string
	HelpID   string
	ID       string
	Selected bool
}

// ItemView is one item of a repeatable group.
type ItemView struct {
	Index        int
	ID           string
	Legend       string
	Fields       []FieldView
	CanRemove    bool
	RemoveLabel  string
	RemoveAction string
}

// ControlID turns a concrete path into an HTML id ("personen[0].anschrift.plz" →
// "f-personen-0-anschrift-plz").
func ControlID(path string) string {
	var b strings.Builder
	b.WriteString("f-")
	dash := false
	for _, r := range path {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// View prepares step stepID of draft for rendering, with errs (as returned by ApplyPost or
// Validate; entries of other steps are ignored) attached to their fields. ok is false for
// an unknown step.
func (d *Definition) View(stepID string, draft Draft, errs []FieldError, lang string) (StepView, bool) {
	st, ok := d.Step(stepID)
	if !ok {
		return StepView{}, false
	}
	if lang != "en" {
		lang = "de"
	}
	s := d.newScope(draft, timeZero)
	v := StepView{
		FormID: d.ID, Version: d.Version, FormTitle: d.Title.In(lang), Lang: lang,
		StepID: st.ID, Title: st.Title.In(lang), Intro: st.Intro.In(lang), Help: st.Help.In(lang),
	}
	current := false
	for _, x := range d.Steps {
		if !s.truth(x.visible) {
			continue
		}
		v.Count++
		if x == st {
			current = true
			v.Number = v.Count
		}
		v.Steps = append(v.Steps, StepLink{ID: x.ID, Title: x.Title.In(lang), Current: x == st, Done: !current})
	}
	v.HasPrev = d.prevStep(s, stepID) != ""
	b := &viewBuilder{d: d, s: s, draft: draft, lang: lang, errs: map[string]string{}, anchors: map[string]string{}}
	for _, e := range errs {
		if e.Step == stepID && !e.Warning {
			if _, dup := b.errs[e.Path]; !dup {
				b.errs[e.Path] = e.Message.In(lang)
			}
		}
	}
	for _, f := range st.Fields {
		if s.truth(f.visible) {
			v.Fields = append(v.Fields, b.field(f, f.Path, nil, 0))
		}
	}
	v.Multipart = b.multipart
	order := map[string]int{}
	for i, p := range b.order {
		order[p] = i
	}
	for _, e := range errs {
		if e.Step != stepID {
			continue
		}
		href := "#" + b.anchorFor(e.Path)
		link := ErrorLink{Message: e.Message.In(lang), Href: href, Path: e.Path}
		if e.Warning {
			v.Warnings = append(v.Warnings, link)
		} else {
			v.Errors = append(v.Errors, link)
		}
	}
	sort.SliceStable(v.Errors, func(i, j int) bool {
		return b.rank(order, v.Errors[i].Path) < b.rank(order, v.Errors[j].Path)
	})
	return v, true
}

type viewBuilder struct {
	d         *Definition
	s         *scope
	draft     Draft
	lang      string
	errs      map[string]string
	anchors   map[string]string // concrete path → id of its first control
	order     []string
	multipart bool
}

func (b *viewBuilder) anchorFor(path string) string {
	if id, ok := b.anchors[path]; ok {
		return id
	}
	return ControlID(path)
}

func (b *viewBuilder) rank(order map[string]int, path string) int {
	if i, ok := order[path]; ok {
		return i
	}
	return len(order)
}

func (b *viewBuilder) note(path, id string) {
	if _, ok := b.anchors[path]; !ok {
		b.anchors[path] = id
		b.order = append(b.order, path)
	}
}

func (b *viewBuilder) base(f *Field, path string, item map[string]any, idx int) FieldView {
	id := ControlID(path)
	fv := FieldView{
		Path: path, Name: path, ID: id, Label: f.Label.In(b.lang), Help: f.Help.In(b.lang),
		Hint: f.Hint.In(b.lang), Autocomplete: f.Autocomplete, InputMode: f.InputMode,
		MaxLength: f.MaxLength,
	}
	fv.Required = f.Required
	if !fv.Required && f.required != nil {
		b.s.with(item, idx, nil, func() { fv.Required = b.s.truth(f.required) })
	}
	var desc []string
	if fv.Hint != "" {
		fv.HintID = id + "-hint"
		desc = append(desc, fv.HintID)
	}
	if fv.Help != "" {
		fv.HelpID = id + "-help"
		desc = append(desc, fv.HelpID)
	}
	if e, ok := b.errs[path]; ok {
		fv.Error, fv.Invalid, fv.ErrorID = e, true, id+"-error"
		desc = append(desc, fv.ErrorID)
	}
	fv.DescribedBy = strings.Join(desc, " ")
	return fv
}

func (b *viewBuilder) options(f *Field, id string, selected func(string) bool) []OptionView {
	opts := f.options()
	out := make([]OptionView, len(opts))
	for i, o := range opts {
		ov := OptionView{Value: o.Value, Label: o.Label.In(b.lang), Help: o.Help.In(b.lang), ID: fmt.Sprintf("%s-%d", id, i), Selected: selected(o.Value)}
		if ov.Help != "" {
			ov.HelpID = ov.ID + "-help"
		}
		out[i] = ov
	}
	return out
}

func (b *viewBuilder) field(f *Field, path string, item map[string]any, idx int) FieldView {
	fv := b.base(f, path, item, idx)
	value := getIn(b.draft, path)
	raw, hasRaw := rawValue(b.draft, path)
	scalar := func() string {
		if hasRaw {
			return raw
		}
		return toString(value)
	}
	switch f.Type {
	case TypeText:
		fv.Kind, fv.Value = KindText, scalar()
	case TypeTextarea:
		fv.Kind, fv.Rows = KindTextarea, 5
		if f.Lines {
			fv.Value = strings.Join(toStrings(value), "\n")
		} else {
			fv.Value = scalar()
		}
	case TypeDate:
		fv.Kind = KindDate
		fv.Value = scalar()
		if !hasRaw {
			fv.Value = displayDate(fv.Value)
		}
		if fv.InputMode == "" {
			fv.InputMode = "numeric"
		}
	case TypeNumber:
		fv.Kind = KindNumber
		fv.Value = scalar()
		if !hasRaw && b.lang == "de" {
			fv.Value = strings.Replace(fv.Value, ".", ",", 1)
		}
		if fv.InputMode == "" {
			fv.InputMode = "numeric"
			if !f.Integer {
				fv.InputMode = "decimal"
			}
		}
	case TypeYesNo:
		fv.Kind = KindRadio
		cur := toString(value)
		yes, no := Text{"Ja", "Yes"}, Text{"Nein", "No"}
		fv.Options = []OptionView{
			{Value: "true", Label: yes.In(b.lang), ID: fv.ID + "-0", Selected: cur == "true"},
			{Value: "false", Label: no.In(b.lang), ID: fv.ID + "-1", Selected: cur == "false"},
		}
		fv.GroupID, fv.ID = fv.ID, fv.ID+"-0"
	case TypeSelect:
		cur := toString(value)
		fv.Options = b.options(f, fv.ID, func(v string) bool { return v == cur })
		fv.Value = cur
		if f.Widget == WidgetRadio || (f.Widget == "" && len(fv.Options) <= 5) {
			fv.Kind = KindRadio
			fv.GroupID, fv.ID = fv.ID, fv.ID+"-0"
		} else {
			fv.Kind = KindSelect
		}
	case TypeMultiSelect:
		cur := toStrings(value)
		fv.Values = cur
		if f.Widget == WidgetCheckboxes || (f.Widget == "" && len(f.options()) <= 12) {
			fv.Kind = KindCheckboxes
			fv.Options = b.options(f, fv.ID, func(v string) bool { return containsStr(cur, v) })
			fv.GroupID, fv.ID = fv.ID, fv.ID+"-0"
			break
		}
		fv.Kind = KindSelects
		slots := max(3, len(cur)+1)
		if f.MaxItems > 0 {
			slots = min(slots, f.MaxItems)
		}
		fv.GroupID = fv.ID
		for i := range slots {
			sel := ""
			if i < len(cur) {
				sel = cur[i]
			}
			id := fmt.Sprintf("%s-%d", fv.GroupID, i)
			part := FieldView{Kind: KindSelect, Name: path, Path: path, ID: id, Value: sel,
				Label: fmt.Sprintf("%d. %s", i+1, fv.Label), Required: fv.Required && i == 0}
			part.Options = b.options(f, id, func(v string) bool { return v == sel })
			fv.Parts = append(fv.Parts, part)
		}
		fv.ID = fv.GroupID + "-0"
	case TypeAddress:
		b.address(f, &fv, path)
		b.note(path, fv.ID)
		return fv
	case TypeGroup:
		b.group(f, &fv, path)
		b.note(path, fv.ID)
		return fv
	case TypeFile:
		fv.Kind = KindFile
		b.multipart = true
		fv.Accept = strings.Join(f.Accept, ",")
		fv.MaxSize = formatBytes(f.MaxBytes)
		if fm, ok := fileMeta(value); ok {
			fv.File = &fm
			fv.RemoveAction = "remove-file:" + path
		}
	case TypeWZ:
		b.wz(f, &fv, path)
		return fv
	}
	b.note(path, fv.ID)
	return fv
}

func containsStr(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// displayDate shows YYYY-MM-DD as DD.MM.YYYY.
func displayDate(iso string) string {
	if len(iso) == 10 && iso[4] == '-' && iso[7] == '-' {
		return iso[8:10] + "." + iso[5:7] + "." + iso[0:4]
	}
	return iso
}

var partTexts = map[string]Text{
	"strasse": {"Straße", "Street"}, "hausnummer": {"Hausnummer", "House number"},
	"plz": {"Postleitzahl", "Postal code"}, "ort": {"Ort", "Town or city"}, "staat": {"Staat", "Country"},
}

var partAutocomplete = map[string]string{
	"strasse": "address-line1", "plz": "postal-code", "ort": "address-level2", "staat": "country",
}

func (b *viewBuilder) address(f *Field, fv *FieldView, path string) {
	fv.Kind = KindAddress
	fv.GroupID = fv.ID
	section := ""
	if strings.HasPrefix(f.Autocomplete, "section-") {
		section = f.Autocomplete + " "
	}
	parts := append([]string{}, addressParts...)
	if f.Country {
		parts = append(parts, "staat")
	}
	for _, part := range parts {
		pp := path + "." + part
		pv := FieldView{Kind: KindText, Path: pp, Name: pp, ID: ControlID(pp), Label: partTexts[part].In(b.lang),
			Value: toString(getIn(b.draft, pp)), Required: fv.Required || !isEmpty(getIn(b.draft, path))}
		if part == "staat" {
			pv.Required = false
			pv.Kind = KindSelect
			cur := pv.Value
			list := b.d.lists["staaten"]
			for i, o := range list.Options {
				pv.Options = append(pv.Options, OptionView{Value: o.Value, Label: o.Label.In(b.lang), ID: fmt.Sprintf("%s-%d", pv.ID, i), Selected: o.Value == cur})
			}
		}
		if part == "plz" {
			pv.InputMode = "numeric"
		}
		switch part {
		case "strasse", "ort":
			pv.MaxLength = 100
		case "hausnummer":
			pv.MaxLength = 20
		case "plz":
			pv.MaxLength = 10
		}
		if f.Autocomplete != "" && partAutocomplete[part] != "" {
			pv.Autocomplete = section + partAutocomplete[part]
		}
		if e, ok := b.errs[pp]; ok {
			pv.Error, pv.Invalid, pv.ErrorID = e, true, pv.ID+"-error"
			pv.DescribedBy = pv.ErrorID
		}
		b.note(pp, pv.ID)
		fv.Parts = append(fv.Parts, pv)
	}
	fv.ID = fv.Parts[0].ID
	if f.AGS == AGSNone {
		return
	}
	fv.LookupAction = "plz:" + path
	fv.ChoiceName = path + ".ags"
	cur := toString(getIn(b.draft, path+".ags"))
	if st := uiState(b.draft, path); st != nil {
		list, _ := st["gemeinden"].([]any)
		for i, g := range list {
			gm, _ := asMap(g)
			ags := toString(gm["ags"])
			fv.Choices = append(fv.Choices, OptionView{Value: ags, Label: toString(gm["name"]), ID: fmt.Sprintf("%s-%d", ControlID(path+".ags"), i), Selected: ags == cur})
		}
	}
	if len(fv.Choices) > 0 {
		b.note(path+".ags", fv.Choices[0].ID)
	}
	if e, ok := b.errs[path+".ags"]; ok {
		fv.ChoiceError = e
	}
}

func (b *viewBuilder) group(f *Field, fv *FieldView, path string) {
	fv.Kind = KindGroup
	fv.GroupID = fv.ID
	list := items(b.draft, path)
	n := max(len(list), f.MinItems)
	label := f.ItemLabel.In(b.lang)
	for i := range n {
		it := b.s.item(f, i)
		ip := fmt.Sprintf("%s[%d]", path, i)
		iv := ItemView{Index: i, ID: ControlID(ip), Legend: fmt.Sprintf("%s %d", label, i+1)}
		for _, c := range f.Fields {
			visible := true
			b.s.with(it, i, nil, func() { visible = b.s.truth(c.visible) })
			if visible {
				iv.Fields = append(iv.Fields, b.field(c, ip+"."+c.Path, it, i))
			}
		}
		if n > f.MinItems {
			iv.CanRemove = true
			iv.RemoveAction = "remove:" + ip
			rl := f.RemoveLabel.In(b.lang)
			if rl == "" {
				rl = Text{"entfernen", "remove"}.In(b.lang)
			}
			iv.RemoveLabel = fmt.Sprintf("%s %s", iv.Legend, rl)
		}
		fv.Items = append(fv.Items, iv)
	}
	if f.MaxItems == 0 || n < f.MaxItems {
		fv.CanAdd = true
		fv.AddAction = "add:" + path
		fv.AddLabel = f.AddLabel.In(b.lang)
		if fv.AddLabel == "" {
			fv.AddLabel = Text{"Weitere hinzufügen", "Add another"}.In(b.lang)
		}
	}
	if len(fv.Items) > 0 && len(fv.Items[0].Fields) > 0 && !fv.Invalid {
		fv.ID = fv.Items[0].Fields[0].ID
	}
}

func (b *viewBuilder) wz(f *Field, fv *FieldView, path string) {
	fv.Kind = KindWZ
	fv.GroupID = fv.ID
	fv.QueryName = path + ".q"
	fv.QueryID = ControlID(path + ".q")
	fv.SearchAction = "search:" + path
	code := toString(getIn(b.draft, path))
	st := uiState(b.draft, path)
	if code != "" {
		fv.Value = code
		fv.Selected = code
		if t := toString(st["title"]); t != "" {
			fv.Selected = code + " – " + t
		}
	}
	if st != nil && st["q"] != nil {
		fv.Query = toString(st["q"])
		fv.Searched = true
		list, _ := st["results"].([]any)
		for i, r := range list {
			rm, _ := asMap(r)
			c := toString(rm["code"])
			fv.Results = append(fv.Results, OptionView{Value: c, Label: c + " – " + toString(rm["title"]), ID: fmt.Sprintf("%s-r%d", fv.GroupID, i), Selected: c == code})
		}
	} else if raw, ok := rawValue(b.draft, path); ok {
		fv.Query = raw
	}
	if e, ok := b.errs[fv.QueryName]; ok {
		fv.QueryError = e
		if !fv.Invalid {
			fv.ErrorID = fv.QueryID + "-error"
		}
	}
	fv.ID = fv.QueryID
	if len(fv.Results) > 0 {
		b.note(path, fv.Results[0].ID)
	} else {
		b.note(path, fv.QueryID)
	}
	b.note(fv.QueryName, fv.QueryID)
}
