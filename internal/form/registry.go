package form

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

//go:embed definitions/*.json codelists/*.json
var embedded embed.FS

// Registry holds all loaded definitions, every version of each. It is immutable after Load
// and safe for concurrent use.
type Registry struct {
	byID map[string][]*Definition // versions ascending
}

// Default loads the definitions shipped with Rathaus (embedded in the binary).
func Default() (*Registry, error) { return Load(embedded) }

// Load reads code lists from codelists/*.json (each file an object mapping list names to
// lists) and definitions from definitions/*.json (one Definition per file), checks them and
// compiles every expression. Any problem is an error naming the file: a broken definition must
// stop start-up, not a citizen halfway through a form.
func Load(fsys fs.FS) (*Registry, error) {
	shared := map[string]*CodeList{}
	listFiles, err := fs.Glob(fsys, "codelists/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range listFiles {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var lists map[string]*CodeList
		if err := decodeStrict(data, &lists); err != nil {
			return nil, fmt.Errorf("form: %s: %w", name, err)
		}
		for n, l := range lists {
			if _, dup := shared[n]; dup {
				return nil, fmt.Errorf("form: %s: code list %q defined twice", name, n)
			}
			l.Name = n
			if err := l.prepare(); err != nil {
				return nil, fmt.Errorf("form: %s: %w", name, err)
			}
			shared[n] = l
		}
	}
	defFiles, err := fs.Glob(fsys, "definitions/*.json")
	if err != nil {
		return nil, err
	}
	r := &Registry{byID: map[string][]*Definition{}}
	for _, name := range defFiles {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		d := new(Definition)
		if err := decodeStrict(data, d); err != nil {
			return nil, fmt.Errorf("form: %s: %w", path.Base(name), err)
		}
		if err := d.prepare(shared); err != nil {
			return nil, fmt.Errorf("form: %s: %w", path.Base(name), err)
		}
		for _, o := range r.byID[d.ID] {
			if o.Version == d.Version {
				return nil, fmt.Errorf("form: %s: %s version %d defined twice", path.Base(name), d.ID, d.Version)
			}
		}
		r.byID[d.ID] = append(r.byID[d.ID], d)
	}
	for _, vs := range r.byID {
		sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
	}
	return r, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Get returns the newest version of the definition id.
func (r *Registry) Get(id string) (*Definition, bool) {
	vs := r.byID[id]
	if len(vs) == 0 {
		return nil, false
	}
	return vs[len(vs)-1], true
}

// GetVersion returns one version of a definition; submissions pin the version they were
// filled with and are re-read with it.
func (r *Registry) GetVersion(id string, version int) (*Definition, bool) {
	for _, d := range r.byID[id] {
		if d.Version == version {
			return d, true
		}
	}
	return nil, false
}

// ForLeistung returns the newest definition for a Leistungsschlüssel.
func (r *Registry) ForLeistung(key string) (*Definition, bool) {
	var best *Definition
	for _, vs := range r.byID {
		d := vs[len(vs)-1]
		if d.Leistung == key && (best == nil || d.ID < best.ID) {
			best = d
		}
	}
	return best, best != nil
}

// All returns the newest version of every definition, ordered by id.
func (r *Registry) All() []*Definition {
	out := make([]*Definition, 0, len(r.byID))
	for _, vs := range r.byID {
		out = append(out, vs[len(vs)-1])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (l *CodeList) prepare() error {
	l.index = make(map[string]int, len(l.Options))
	for i, o := range l.Options {
		if o.Value == "" || o.Label.De == "" {
			return fmt.Errorf("code list %q: option %d needs a value and a German label", l.Name, i)
		}
		if _, dup := l.index[o.Value]; dup {
			return fmt.Errorf("code list %q: value %q twice", l.Name, o.Value)
		}
		l.index[o.Value] = i
	}
	if len(l.Options) == 0 {
		return fmt.Errorf("code list %q is empty", l.Name)
	}
	return nil
}

var (
	idRe       = regexp.MustCompile(`^[a-z][a-z0-9-]{1,62}$`)
	leistungRe = regexp.MustCompile(`^[0-9]{14}$`)
	pathRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)
)

// ReviewStep is the pseudo step id that follows the last step: the review page.
const ReviewStep = "review"

func (d *Definition) prepare(shared map[string]*CodeList) error {
	if !idRe.MatchString(d.ID) {
		return fmt.Errorf("id %q: want lower-case letters, digits and dashes", d.ID)
	}
	if d.Version < 1 {
		return fmt.Errorf("%s: version must be ≥ 1", d.ID)
	}
	if !leistungRe.MatchString(d.Leistung) {
		return fmt.Errorf("%s: leistung %q is not a 14-digit Leistungsschlüssel", d.ID, d.Leistung)
	}
	if d.Title.De == "" || d.Title.En == "" {
		return fmt.Errorf("%s: title needs German and English", d.ID)
	}
	if len(d.Steps) == 0 {
		return fmt.Errorf("%s: no steps", d.ID)
	}
	d.lists = map[string]*CodeList{}
	for n, l := range shared {
		d.lists[n] = l
	}
	for n, l := range d.CodeLists {
		l.Name = n
		if err := l.prepare(); err != nil {
			return err
		}
		d.lists[n] = l
	}
	d.roots = map[string]bool{}
	for _, s := range d.Steps {
		for _, f := range s.Fields {
			root, _, _ := strings.Cut(f.Path, ".")
			d.roots[root] = true
		}
	}
	for k := range d.Fixed {
		root, _, _ := strings.Cut(k, ".")
		d.roots[root] = true
	}
	d.stepByID = map[string]int{}
	d.byPath = map[string]*Field{}
	for i, s := range d.Steps {
		if !idRe.MatchString(s.ID) || s.ID == ReviewStep {
			return fmt.Errorf("%s: bad step id %q", d.ID, s.ID)
		}
		if _, dup := d.stepByID[s.ID]; dup {
			return fmt.Errorf("%s: step %q twice", d.ID, s.ID)
		}
		d.stepByID[s.ID] = i
		if s.Title.De == "" || s.Title.En == "" {
			return fmt.Errorf("%s: step %q needs a German and English title", d.ID, s.ID)
		}
		if len(s.Fields) == 0 {
			return fmt.Errorf("%s: step %q has no fields", d.ID, s.ID)
		}
		var err error
		if s.VisibleIf != "" {
			if s.visible, err = d.compile(s.VisibleIf); err != nil {
				return fmt.Errorf("%s: step %q visibleIf: %w", d.ID, s.ID, err)
			}
		}
		for _, f := range s.Fields {
			if err := d.prepareField(s, nil, f); err != nil {
				return fmt.Errorf("%s: step %q: %w", d.ID, s.ID, err)
			}
		}
	}
	for i, r := range d.Rules {
		if r.Field == "" {
			return fmt.Errorf("%s: rule %d (%s) names no field", d.ID, i, r.ID)
		}
		f := d.byPath[r.Field]
		if f == nil {
			return fmt.Errorf("%s: rule %d (%s): unknown field %q", d.ID, i, r.ID, r.Field)
		}
		r.field = f
		if err := d.prepareRule(r); err != nil {
			return fmt.Errorf("%s: rule %d (%s): %w", d.ID, i, r.ID, err)
		}
	}
	if d.FeeDecl != nil {
		if d.FeeDecl.Currency == "" || d.FeeDecl.Label.De == "" {
			return fmt.Errorf("%s: fee needs a currency and a label", d.ID)
		}
		var err error
		if d.FeeDecl.prog, err = d.compile(d.FeeDecl.AmountExpr); err != nil {
			return fmt.Errorf("%s: fee: %w", d.ID, err)
		}
	}
	return nil
}

func (d *Definition) prepareRule(r *Rule) error {
	if r.Message.De == "" || r.Message.En == "" {
		return fmt.Errorf("message needs German and English")
	}
	if r.Severity != "" && r.Severity != "error" && r.Severity != "warning" {
		return fmt.Errorf("severity %q", r.Severity)
	}
	var err error
	if r.prog, err = d.compile(r.Expr); err != nil {
		return err
	}
	if r.When != "" {
		if r.when, err = d.compile(r.When); err != nil {
			return fmt.Errorf("when: %w", err)
		}
	}
	return nil
}

var knownTypes = []FieldType{TypeText, TypeTextarea, TypeDate, TypeNumber, TypeYesNo, TypeSelect,
	TypeMultiSelect, TypeAddress, TypeGroup, TypeFile, TypeWZ}

func (d *Definition) prepareField(s *Step, group *Field, f *Field) error {
	if !pathRe.MatchString(f.Path) {
		return fmt.Errorf("bad path %q", f.Path)
	}
	f.step, f.group = s, group
	f.full = f.Path
	if group != nil {
		f.full = group.Path + "[]." + f.Path
	}
	if _, dup := d.byPath[f.full]; dup {
		return fmt.Errorf("path %q twice", f.full)
	}
	d.byPath[f.full] = f
	if !slices.Contains(knownTypes, f.Type) {
		return fmt.Errorf("%s: unknown type %q", f.full, f.Type)
	}
	if f.Label.De == "" || f.Label.En == "" {
		return fmt.Errorf("%s: label needs German and English", f.full)
	}
	switch f.Type {
	case TypeSelect, TypeMultiSelect:
		if f.CodeList != "" {
			if f.list = d.lists[f.CodeList]; f.list == nil {
				return fmt.Errorf("%s: unknown code list %q", f.full, f.CodeList)
			}
		} else if len(f.Options) == 0 {
			return fmt.Errorf("%s: no options", f.full)
		}
	case TypeGroup:
		if group != nil {
			return fmt.Errorf("%s: groups cannot be nested", f.full)
		}
		if len(f.Fields) == 0 || f.ItemLabel.De == "" {
			return fmt.Errorf("%s: a group needs fields and an itemLabel", f.full)
		}
		if f.MaxItems > 0 && f.MaxItems < f.MinItems {
			return fmt.Errorf("%s: maxItems < minItems", f.full)
		}
		for _, c := range f.Fields {
			if err := d.prepareField(s, f, c); err != nil {
				return err
			}
		}
	case TypeFile:
		if len(f.Accept) == 0 || f.MaxBytes <= 0 {
			return fmt.Errorf("%s: a file field needs accept and maxBytes", f.full)
		}
	case TypeAddress:
		if f.AGS != AGSNone && f.AGS != AGSLookup && f.AGS != AGSRequired {
			return fmt.Errorf("%s: ags %q", f.full, f.AGS)
		}
		if f.Country && d.lists["staaten"] == nil {
			return fmt.Errorf("%s: country needs the code list staaten", f.full)
		}
	}
	if f.Pattern != "" {
		var err error
		if f.pattern, err = regexp.Compile(f.Pattern); err != nil {
			return fmt.Errorf("%s: pattern: %w", f.full, err)
		}
	}
	var err error
	if f.VisibleIf != "" {
		if f.visible, err = d.compile(f.VisibleIf); err != nil {
			return fmt.Errorf("%s: visibleIf: %w", f.full, err)
		}
	}
	if f.RequiredIf != "" {
		if f.required, err = d.compile(f.RequiredIf); err != nil {
			return fmt.Errorf("%s: requiredIf: %w", f.full, err)
		}
	}
	for i, r := range f.Rules {
		r.field = f
		if err := d.prepareRule(r); err != nil {
			return fmt.Errorf("%s: rule %d: %w", f.full, i, err)
		}
	}
	return nil
}

// StepIDs returns the ids of all steps in order.
func (d *Definition) StepIDs() []string {
	out := make([]string, len(d.Steps))
	for i, s := range d.Steps {
		out[i] = s.ID
	}
	return out
}

// Step returns the step with the given id.
func (d *Definition) Step(id string) (*Step, bool) {
	i, ok := d.stepByID[id]
	if !ok {
		return nil, false
	}
	return d.Steps[i], true
}
