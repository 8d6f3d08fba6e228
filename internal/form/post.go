package form

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ActionField is the name of the submit buttons; their value says what the user asked for:
// "next", "back", "save", "add:<group>", "remove:<group>[i]", "search:<wz path>",
// "plz:<address path>" or "remove-file:<file path>". A post without it (Enter in a text
// field in browsers that send no button) counts as "next".
const ActionField = "_action"

// Action is what ApplyPost did.
type Action string

// Actions of a step post.
const (
	ActionNext       Action = "next"        // the step is complete; go to Goto
	ActionStay       Action = "stay"        // "next" was asked for but the step has errors
	ActionBack       Action = "back"        // go back to Goto (input kept, not validated)
	ActionSave       Action = "save"        // "Entwurf speichern": input kept, stay
	ActionAddItem    Action = "add-item"    // a group item was added; stay
	ActionRemoveItem Action = "remove-item" // a group item was removed; stay
	ActionSearchWZ   Action = "search-wz"   // a WZ search ran; stay and show the results
	ActionLookupPLZ  Action = "lookup-plz"  // municipalities were looked up; stay
	ActionRemoveFile Action = "remove-file" // an upload was removed; stay
	// ActionReveal: the answers of the post brought up questions of the step the page did not
	// show (the residence title after a nationality, the previous site after the reason
	// "Verlegung"). Stay and show them; Errors holds only those of the fields the page showed,
	// and Focus names the first new question. Without it, a step whose new questions are
	// optional went on to the next step and they were never asked, and required ones came up
	// already marked as errors.
	ActionReveal Action = "reveal"
)

// Post is one submitted step: the form values and the uploads the caller has already stored
// (keyed by the file field's concrete path). Callers must build Files themselves from the
// multipart request; Values must not be trusted to carry file metadata.
type Post struct {
	Values url.Values
	Files  map[string]FileMeta
}

// StepResult tells the caller what happened and where to go.
type StepResult struct {
	Action Action
	// Goto is the step to show next: a step id, ReviewStep, or the posted step itself.
	Goto string
	// Errors of the posted step, warnings included. Re-render the step with them when Goto is
	// the posted step; otherwise redirect (POST → redirect → GET).
	Errors []FieldError
	// Focus is the concrete path of a new group item or search result to move to, if any.
	Focus string
}

// ErrUnknownStep is returned for a step id the definition does not have.
var ErrUnknownStep = errors.New("form: unknown step")

// ApplyPost merges the posted values of step stepID into a copy of draft and decides what
// happens next. The caller must store the returned draft in every case (it keeps unparseable
// input so the page can be re-rendered with it) and then follow StepResult.Goto.
//
// Only fields that were visible when the page was rendered from draft are read. Fields that
// become visible because of the post (for example residence-title questions after a non-EU
// nationality was chosen) are validated on the new data, so the re-rendered step shows them.
func (d *Definition) ApplyPost(stepID string, post Post, draft Draft, env Env) (Draft, StepResult, error) {
	step, ok := d.Step(stepID)
	if !ok {
		return draft, StepResult{}, fmt.Errorf("%w %q", ErrUnknownStep, stepID)
	}
	if post.Values == nil {
		post.Values = url.Values{}
	}
	out := draft.Clone()
	before := d.newScope(draft, env.Today)
	verb, arg := parseAction(post.Values.Get(ActionField))
	p := &postReader{d: d, post: post, out: out, env: env, verb: verb, arg: arg, step: step, done: map[string]bool{}}
	// Pass 1 reads what the page showed. Later passes read fields the post itself revealed,
	// if the browser sent them (a script may have shown them already).
	vis := before
	for pass := 0; pass < 3; pass++ {
		p.later = pass > 0
		for _, f := range step.Fields {
			p.field(vis, f, f.Path, nil, 0)
		}
		vis = d.newScope(out, env.Today)
	}
	res := StepResult{Goto: stepID, Errors: p.errs}
	switch verb {
	case "add":
		res.Action = ActionAddItem
		res.Focus = p.addItem(before, arg)
		return out, res, nil
	case "remove":
		res.Action = ActionRemoveItem
		p.removeItem(arg)
		return out, res, nil
	case "remove-file":
		res.Action = ActionRemoveFile
		if f := d.fieldAt(arg); f != nil && f.Type == TypeFile && f.step == step {
			setIn(out, arg, nil)
		}
		return out, res, nil
	case "search":
		res.Action = ActionSearchWZ
		res.Focus = arg
		return out, res, nil
	case "plz":
		// "Gemeinde zur Postleitzahl ermitteln" answers every time: the municipalities to
		// choose from, the place filled in — or why there is none.
		res.Action = ActionLookupPLZ
		if f := d.fieldAt(arg); f != nil && f.Type == TypeAddress {
			plz := toString(getIn(out, arg+".plz"))
			staat := toString(getIn(out, arg+".staat"))
			switch {
			case staat != "" && staat != "DE":
				// abroad: nothing to look up
			case !plzRe.MatchString(plz):
				res.Errors = []FieldError{{Path: arg + ".plz", Step: stepID, Code: "plz_format", Message: msg("plz_format", f.Label)}}
			case env.PLZ != nil && len(env.PLZ.Resolve(plz)) == 0:
				res.Errors = []FieldError{{Path: arg + ".plz", Step: stepID, Code: "plz_unknown", Message: msg("plz_unknown", f.Label)}}
			}
			res.Focus = arg + ".ort"
			if len(res.Errors) > 0 {
				res.Focus = arg + ".plz"
			}
		}
		return out, res, nil
	case "back":
		res.Action = ActionBack
		res.Goto = d.prevStep(d.newScope(out, env.Today), stepID)
		if res.Goto == "" {
			res.Goto = stepID
		}
		return out, res, nil
	case "save":
		res.Action = ActionSave
		return out, res, nil
	}
	after := d.newScope(out, env.Today)
	errs := append(p.errs, d.validateStep(after, out, step, env, p.reported)...)
	res.Errors = errs
	if rev := p.revealed(after); len(rev) > 0 {
		res.Action, res.Focus, res.Errors = ActionReveal, rev[0], withoutPaths(errs, rev)
		return out, res, nil
	}
	if Blocking(errs) || p.block {
		res.Action = ActionStay
		return out, res, nil
	}
	res.Action = ActionNext
	res.Goto = d.nextStep(after, stepID)
	return out, res, nil
}

// revealed lists the concrete paths of the step's fields that are visible in vis (the scope
// after the post) but were neither shown by the page nor carried by the post.
func (p *postReader) revealed(vis *scope) []string {
	var out []string
	var walk func(f *Field, path string, item map[string]any, idx int)
	walk = func(f *Field, path string, item map[string]any, idx int) {
		if f.visible != nil {
			visible := false
			vis.with(item, idx, nil, func() { visible = vis.truth(f.visible) })
			if !visible {
				return
			}
		}
		if f.Type == TypeGroup {
			for i := range max(len(items(vis.env, path)), f.MinItems) {
				it := vis.item(f, i)
				for _, c := range f.Fields {
					walk(c, fmt.Sprintf("%s[%d].%s", path, i, c.Path), it, i)
				}
			}
			return
		}
		if !p.done[path] {
			out = append(out, path)
		}
	}
	for _, f := range p.step.Fields {
		walk(f, f.Path, nil, 0)
	}
	return out
}

// withoutPaths drops the errors of the fields at paths (and below them).
func withoutPaths(errs []FieldError, paths []string) []FieldError {
	var out []FieldError
	for _, e := range errs {
		hidden := false
		for _, p := range paths {
			if e.Path == p || strings.HasPrefix(e.Path, p+".") || strings.HasPrefix(e.Path, p+"[") {
				hidden = true
				break
			}
		}
		if !hidden {
			out = append(out, e)
		}
	}
	return out
}

func parseAction(v string) (verb, arg string) {
	v = strings.TrimSpace(v)
	verb, arg, _ = strings.Cut(v, ":")
	switch verb {
	case "next", "back", "save", "add", "remove", "remove-file", "search", "plz":
		return verb, arg
	}
	return "next", ""
}

// fieldAt returns the field a concrete path points to ("personen[1].vornamen" →
// personen[].vornamen), or nil.
func (d *Definition) fieldAt(concrete string) *Field {
	return d.byPath[patternOf(concrete)]
}

var indexRe = regexp.MustCompile(`\[[0-9]+\]`)

func patternOf(concrete string) string { return indexRe.ReplaceAllString(concrete, "[]") }

type postReader struct {
	d         *Definition
	step      *Step
	post      Post
	out       Draft
	env       Env
	verb, arg string
	errs      []FieldError
	reported  map[string]bool // paths that already have a parse error
	done      map[string]bool // paths read already
	later     bool            // a pass after the first: read only fields present in the post
	block     bool            // stay even without errors (e.g. WZ results to choose from)
}

func (p *postReader) fail(path, code string, f *Field, args ...any) {
	if p.reported == nil {
		p.reported = map[string]bool{}
	}
	p.reported[path] = true
	p.errs = append(p.errs, FieldError{Path: path, Step: p.step.ID, Code: code, Message: msg(code, f.Label, args...)})
}

func (p *postReader) text(path string) string {
	v := p.post.Values.Get(path)
	v = strings.ReplaceAll(v, "\r\n", "\n")
	v = strings.ToValidUTF8(v, "")
	return strings.TrimSpace(v)
}

// posted reports whether the post carries a value for path or below it.
func (p *postReader) posted(path string) bool {
	if _, ok := p.post.Files[path]; ok {
		return true
	}
	for k := range p.post.Values {
		if k == path || strings.HasPrefix(k, path+".") || strings.HasPrefix(k, path+"[") {
			return true
		}
	}
	return false
}

// field reads one field (and its children) at the concrete path if it is visible in vis.
func (p *postReader) field(vis *scope, f *Field, path string, item map[string]any, idx int) {
	if f.Type != TypeGroup && (p.done[path] || (p.later && !p.posted(path))) {
		return
	}
	if f.visible != nil {
		visible := false
		vis.with(item, idx, nil, func() { visible = vis.truth(f.visible) })
		if !visible {
			return
		}
	}
	p.done[path] = true
	if f.Type != TypeGroup {
		clearRawPrefix(p.out, path)
	}
	switch f.Type {
	case TypeText:
		p.set(path, p.text(path))
	case TypeTextarea:
		v := p.text(path)
		if f.Lines {
			var lines []any
			for _, l := range strings.Split(v, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
			if len(lines) == 0 {
				setIn(p.out, path, nil)
			} else {
				setIn(p.out, path, lines)
			}
			return
		}
		p.set(path, v)
	case TypeDate:
		v := p.text(path)
		if v == "" {
			setIn(p.out, path, nil)
			return
		}
		iso, ok := parseDate(v)
		if !ok {
			setIn(p.out, path, nil)
			setRaw(p.out, path, v)
			p.fail(path, "invalid_date", f)
			return
		}
		setIn(p.out, path, iso)
	case TypeNumber:
		v := p.text(path)
		if v == "" {
			setIn(p.out, path, nil)
			return
		}
		n, ok := parseNumber(v, f.Integer)
		if !ok {
			setIn(p.out, path, nil)
			setRaw(p.out, path, v)
			code := "invalid_number"
			if f.Integer {
				code = "invalid_integer"
			}
			p.fail(path, code, f)
			return
		}
		setIn(p.out, path, n)
	case TypeYesNo:
		switch strings.ToLower(p.text(path)) {
		case "":
			setIn(p.out, path, nil)
		case "true", "ja", "yes", "1":
			setIn(p.out, path, true)
		case "false", "nein", "no", "0":
			setIn(p.out, path, false)
		default:
			p.fail(path, "invalid_option", f)
		}
	case TypeSelect:
		v := p.text(path)
		switch {
		case v == "":
			setIn(p.out, path, nil)
		case f.hasOption(v):
			setIn(p.out, path, v)
		default:
			p.fail(path, "invalid_option", f)
		}
	case TypeMultiSelect:
		var vals []any
		bad := false
		for _, v := range p.post.Values[path] {
			v = strings.TrimSpace(v)
			if v == "" || slices.Contains(vals, any(v)) {
				continue
			}
			if !f.hasOption(v) {
				bad = true
				continue
			}
			vals = append(vals, v)
		}
		if bad {
			p.fail(path, "invalid_option", f)
		}
		if len(vals) == 0 {
			setIn(p.out, path, nil)
		} else {
			setIn(p.out, path, vals)
		}
	case TypeAddress:
		p.address(f, path)
	case TypeGroup:
		n := max(len(items(vis.env, path)), f.MinItems)
		for i := range n {
			it := vis.item(f, i)
			for _, c := range f.Fields {
				p.field(vis, c, fmt.Sprintf("%s[%d].%s", path, i, c.Path), it, i)
			}
			if getIn(p.out, fmt.Sprintf("%s[%d]", path, i)) == nil {
				setIn(p.out, fmt.Sprintf("%s[%d]", path, i), map[string]any{})
			}
		}
	case TypeFile:
		fm, ok := p.post.Files[path]
		if !ok || fm.Name == "" {
			return
		}
		if !acceptsType(f.Accept, fm.ContentType) {
			p.fail(path, "file_type", f, typeNames(f.Accept))
			return
		}
		if fm.Size <= 0 {
			p.fail(path, "file_empty", f)
			return
		}
		if fm.Size > f.MaxBytes {
			p.fail(path, "file_size", f, formatBytes(f.MaxBytes))
			return
		}
		setIn(p.out, path, fm.toMap())
	case TypeWZ:
		p.wz(f, path)
	}
}

func (p *postReader) set(path, v string) {
	if v == "" {
		setIn(p.out, path, nil)
	} else {
		setIn(p.out, path, v)
	}
}

// parseNumber accepts "1234", "1.234" (German thousands), "12,5" and "12.5".
func parseNumber(s string, integer bool) (any, bool) {
	s = strings.ReplaceAll(s, " ", "")
	if thousandsRe.MatchString(s) {
		s = strings.ReplaceAll(s, ".", "")
	}
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	}
	if integer {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return int64(f), true
	}
	return f, true
}

var thousandsRe = regexp.MustCompile(`^-?[0-9]{1,3}(\.[0-9]{3})+$`)

func acceptsType(accept []string, ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	for _, a := range accept {
		if a == ct || (strings.HasSuffix(a, "/*") && strings.HasPrefix(ct, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

var addressParts = []string{"strasse", "hausnummer", "plz", "ort"}

func (p *postReader) address(f *Field, path string) {
	for _, part := range addressParts {
		v := p.text(path + "." + part)
		if part == "plz" {
			v = strings.ToUpper(v)
		}
		p.set(path+"."+part, v)
	}
	if f.Country {
		v := strings.ToUpper(p.text(path + ".staat"))
		switch {
		case v == "":
			setIn(p.out, path+".staat", nil)
		case p.d.lists["staaten"].index != nil && hasKey(p.d.lists["staaten"].index, v):
			setIn(p.out, path+".staat", v)
		default:
			p.fail(path+".staat", "invalid_option", f)
		}
	}
	if f.AGS == AGSNone {
		return
	}
	staat := toString(getIn(p.out, path+".staat"))
	plz := toString(getIn(p.out, path+".plz"))
	if (staat != "" && staat != "DE") || !plzRe.MatchString(plz) || p.env.PLZ == nil {
		setIn(p.out, path+".ags", nil)
		setUIState(p.out, path, nil)
		return
	}
	cands := p.env.PLZ.Resolve(plz)
	// The municipality chosen in this post wins; else the one the place typed names (the
	// place may have changed since an earlier choice); else the earlier choice.
	chosen := p.text(path + ".ags")
	if chosen == "" {
		chosen = byPlaceName(cands, toString(getIn(p.out, path+".ort")))
	}
	if chosen == "" {
		chosen = toString(getIn(p.out, path+".ags"))
	}
	switch len(cands) {
	case 0:
		setIn(p.out, path+".ags", nil)
		setUIState(p.out, path, nil)
		if f.AGS == AGSRequired {
			p.fail(path+".plz", "plz_unknown", f)
		}
	case 1:
		setIn(p.out, path+".ags", cands[0].AGS)
		setUIState(p.out, path, nil)
		if toString(getIn(p.out, path+".ort")) == "" {
			name, _, _ := strings.Cut(cands[0].Name, ",")
			setIn(p.out, path+".ort", name)
		}
	default:
		list := make([]any, len(cands))
		found := false
		for i, g := range cands {
			list[i] = map[string]any{"ags": g.AGS, "name": g.Name}
			found = found || g.AGS == chosen
		}
		setUIState(p.out, path, map[string]any{"gemeinden": list})
		if found {
			setIn(p.out, path+".ags", chosen)
			return
		}
		setIn(p.out, path+".ags", nil)
		if f.AGS == AGSRequired {
			p.fail(path+".ags", "ags_choose", f)
		}
	}
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// typeNames names allowed media types as people know them ("PDF, JPEG, PNG").
func typeNames(accept []string) string {
	known := map[string]string{"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF",
		"image/webp": "WebP", "image/tiff": "TIFF", "text/plain": "Text (TXT)", "image/*": "Bilder"}
	names := make([]string, len(accept))
	for i, a := range accept {
		if n, ok := known[a]; ok {
			names[i] = n
		} else {
			names[i] = a
		}
	}
	return strings.Join(names, ", ")
}

// byPlaceName returns the AGS of the one candidate whose name (before ", Stadt" and the like)
// is ort, ignoring case; "" when none or several are.
func byPlaceName(cands []Gemeinde, ort string) string {
	ort = strings.TrimSpace(ort)
	if ort == "" {
		return ""
	}
	found := ""
	for _, g := range cands {
		name, _, _ := strings.Cut(g.Name, ",")
		if strings.EqualFold(strings.TrimSpace(name), ort) {
			if found != "" {
				return ""
			}
			found = g.AGS
		}
	}
	return found
}

var plzRe = regexp.MustCompile(`^[0-9]{5}$`)

// wz handles the WZ picker: a radio list named path picks a code; path+".q" is the search box.
func (p *postReader) wz(f *Field, path string) {
	pick := p.text(path)
	q := p.text(path + ".q")
	searching := p.verb == "search" && p.arg == path
	if pick != "" && !searching {
		title, ok := "", false
		if p.env.WZ != nil && wzCodeRe.MatchString(pick) {
			title, ok = p.env.WZ.Lookup(pick)
		}
		if !ok {
			setRaw(p.out, path, pick)
			p.fail(path, "wz_unknown", f)
			return
		}
		setIn(p.out, path, pick)
		setUIState(p.out, path, map[string]any{"title": title})
		return
	}
	if q == "" || (!searching && p.verb != "next") || p.env.WZ == nil {
		return
	}
	if code := strings.TrimSpace(q); wzCodeRe.MatchString(code) {
		if title, ok := p.env.WZ.Lookup(code); ok {
			setIn(p.out, path, code)
			setUIState(p.out, path, map[string]any{"title": title})
			return
		}
	}
	found := p.env.WZ.Search(q, 25)
	results := make([]any, len(found))
	for i, e := range found {
		results[i] = map[string]any{"code": e.Code, "title": e.Title}
	}
	st := map[string]any{"q": q, "results": results}
	if old := uiState(p.out, path); old != nil && old["title"] != nil {
		st["title"] = old["title"]
	}
	setUIState(p.out, path, st)
	if !searching {
		// Enter in the search box submits "next": show the results instead of moving on.
		p.block = true
		if len(found) == 0 {
			p.fail(path+".q", "wz_no_results", f, q)
		} else {
			p.fail(path, "wz_choose", f)
		}
	}
}

// addItem appends an empty item to the group named by arg and returns its path.
func (p *postReader) addItem(before *scope, arg string) string {
	f := p.d.byPath[arg]
	if f == nil || f.Type != TypeGroup || f.step != p.step {
		return ""
	}
	arr, _ := getIn(p.out, arg).([]any)
	if f.MaxItems > 0 && len(arr) >= f.MaxItems {
		return ""
	}
	arr = append(arr, map[string]any{})
	setIn(p.out, arg, arr)
	return fmt.Sprintf("%s[%d]", arg, len(arr)-1)
}

// removeItem removes the item "group[i]" if the group keeps its minimum.
func (p *postReader) removeItem(arg string) {
	segs := parsePath(arg)
	if len(segs) != 1 || segs[0].idx < 0 {
		return
	}
	f := p.d.byPath[segs[0].key]
	if f == nil || f.Type != TypeGroup || f.step != p.step {
		return
	}
	arr, _ := getIn(p.out, f.Path).([]any)
	i := segs[0].idx
	if i >= len(arr) || len(arr) <= f.MinItems {
		return
	}
	arr = append(arr[:i:i], arr[i+1:]...)
	setIn(p.out, f.Path, arr)
	shiftState(p.out, f.Path, i)
}

// nextStep returns the visible step after id, or ReviewStep.
func (d *Definition) nextStep(s *scope, id string) string {
	for i := d.stepByID[id] + 1; i < len(d.Steps); i++ {
		if s.truth(d.Steps[i].visible) {
			return d.Steps[i].ID
		}
	}
	return ReviewStep
}

// prevStep returns the visible step before id, or "".
func (d *Definition) prevStep(s *scope, id string) string {
	i, ok := d.stepByID[id]
	if id == ReviewStep || !ok {
		i = len(d.Steps)
	}
	for i--; i >= 0; i-- {
		if s.truth(d.Steps[i].visible) {
			return d.Steps[i].ID
		}
	}
	return ""
}

// FirstStep returns the id of the first step shown for draft.
func (d *Definition) FirstStep(draft Draft) string {
	return d.nextStepFrom(d.newScope(draft, timeZero), -1)
}

func (d *Definition) nextStepFrom(s *scope, i int) string {
	for i++; i < len(d.Steps); i++ {
		if s.truth(d.Steps[i].visible) {
			return d.Steps[i].ID
		}
	}
	return ReviewStep
}

// PrevStep returns the step before stepID ("review" for the last step's successor) for draft,
// or "" at the first step. It gives the review page its "Zurück" link.
func (d *Definition) PrevStep(stepID string, draft Draft) string {
	return d.prevStep(d.newScope(draft, timeZero), stepID)
}

// VisibleSteps returns the ids of the steps shown for draft, in order.
func (d *Definition) VisibleSteps(draft Draft) []string {
	s := d.newScope(draft, timeZero)
	var out []string
	for _, st := range d.Steps {
		if s.truth(st.visible) {
			out = append(out, st.ID)
		}
	}
	return out
}
