package routing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

//go:embed rules/gewerbe-v1.json
var defaultRules []byte

// ReasonWaived is the reason given when a recipient that a rule selects has waived regular
// transmission. RuleWaived is the Decision.Rule recorded for it.
const (
	ReasonWaived = "verzichtet auf regelmäßige Übermittlung (§ 3 Abs. 1 GewAnzV)"
	RuleWaived   = "verzicht"
)

var arten = []gewerbe.Art{gewerbe.ArtAnmeldung, gewerbe.ArtUmmeldung, gewerbe.ArtAbmeldung}

// Input is what one routing decision is made from.
type Input struct {
	Anzeige *gewerbe.Anzeige
	// ZollAnhaltspunkte is set by the office when case work found indications of undeclared
	// work or illegal employment (§ 3 Abs. 3 GewAnzV); the notice itself never sets it.
	ZollAnhaltspunkte bool
	// Waived are the recipient kinds that waived regular transmission (§ 3 Abs. 1 letzter
	// Satz GewAnzV) for this municipality.
	Waived map[Kind]bool
	// Requested are the kinds that asked for transmission where the law leaves it to a request
	// (see the drv_kbs rule); rules read them as the list "angefordert".
	Requested map[Kind]bool
}

// Decision is the outcome for one recipient kind, with the rule that made it and why.
type Decision struct {
	Kind     Kind   `json:"kind"`
	Selected bool   `json:"selected"`
	Rule     string `json:"rule"`
	Reason   string `json:"reason"`
}

// Env is the typed environment rule conditions are written against; the expr names are the
// ones in the tags. Conditions are type-checked against it when rules are loaded.
//
// Functions available besides expr's builtins:
//   - wzPrefix(wz, list): the WZ 2008 code starts with one of the list's codes; dots are
//     ignored, so "47.2" matches "47.25.0" and "56" matches "56.10.1".
//   - mentions(text, list): the lower-cased text contains one of the list's words as a
//     substring (German compounds: "imbiss" matches "Schnellimbiss").
type Env struct {
	Art                  string              `expr:"art"`         // anmeldung | ummeldung | abmeldung
	Betriebsart          []string            `expr:"betriebsart"` // industrie, handwerk, handel, sonstiges
	Rechtsform           string              `expr:"rechtsform"`
	Registereintrag      bool                `expr:"registereintrag"` // betrieb.register is present
	Niederlassungsart    string              `expr:"niederlassungsart"`
	Reisegewerbe         bool                `expr:"reisegewerbe"`
	Automatenaufstellung bool                `expr:"automatenaufstellung"`
	Nebenerwerb          bool                `expr:"nebenerwerb"`
	WZ                   string              `expr:"wz"`   // e.g. "56.10.1", may be empty
	Text                 string              `expr:"text"` // lower-cased description, further activities, business names, permit kind
	Erlaubnis            bool                `expr:"erlaubnis"`
	Handwerkskarte       bool                `expr:"handwerkskarte"`
	Grund                string              `expr:"grund"` // grund of the notice's own section
	Personen             []PersonEnv         `expr:"personen"`
	ZollAnhaltspunkte    bool                `expr:"zollAnhaltspunkte"`
	Angefordert          []string            `expr:"angefordert"` // kinds in Input.Requested
	Lists                map[string][]string `expr:"lists"`
}

// PersonEnv is one person as rule conditions see it.
type PersonEnv struct {
	Funktion               string   `expr:"funktion"`
	Staatsangehoerigkeiten []string `expr:"staatsangehoerigkeiten"`
	// OhneFreizuegigkeit: none of the nationalities is an EU/EEA/CH state.
	OhneFreizuegigkeit bool `expr:"ohneFreizuegigkeit"`
}

// Repository is a loaded, checked rule set. It is immutable and safe for concurrent use.
type Repository struct {
	version string
	rules   []*rule
	lists   map[string][]string
	byPair  map[Kind]map[gewerbe.Art]*rule
}

type rule struct {
	ruleJSON
	program *vm.Program
}

type fileJSON struct {
	Version     string              `json:"version"`
	Description string              `json:"description"`
	Lists       map[string]listJSON `json:"lists"`
	Rules       []ruleJSON          `json:"rules"`
}

type listJSON struct {
	Description string            `json:"description"`
	Values      []string          `json:"values"`
	Notes       map[string]string `json:"notes,omitempty"`
}

type ruleJSON struct {
	ID       string        `json:"id"`
	Kind     Kind          `json:"kind"`
	Arten    []gewerbe.Art `json:"arten"`
	When     string        `json:"when"`
	Selected string        `json:"selected"`
	Excluded string        `json:"excluded"`
}

// Load returns the rule set shipped with the binary (rules/gewerbe-v1.json).
func Load() (*Repository, error) { return LoadFrom(defaultRules) }

// LoadFrom parses and checks a rule set: a version id, valid kinds and notice kinds, every
// condition compiling to a bool against Env, every referenced list defined, and exactly one
// rule per (recipient kind, notice kind). Errors are apperr.KindInvalid and name the rule.
func LoadFrom(data []byte) (*Repository, error) {
	r, err := load(data)
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.KindInvalid, Key: "error.routing.rules_invalid",
			Msg: "Das Regelwerk ist ungültig", Err: err}
	}
	return r, nil
}

func load(data []byte) (*Repository, error) {
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("routing rules: %w", err)
	}
	if strings.TrimSpace(f.Version) == "" {
		return nil, errors.New("routing rules: version is missing")
	}
	repo := &Repository{
		version: f.Version,
		lists:   make(map[string][]string, len(f.Lists)),
		byPair:  make(map[Kind]map[gewerbe.Art]*rule),
	}
	for name, l := range f.Lists {
		if len(l.Values) == 0 {
			return nil, fmt.Errorf("routing rules %s: list %q is empty", f.Version, name)
		}
		vals := make([]string, len(l.Values))
		for i, v := range l.Values {
			vals[i] = strings.ToLower(strings.TrimSpace(v))
			if vals[i] == "" {
				return nil, fmt.Errorf("routing rules %s: list %q has an empty value", f.Version, name)
			}
		}
		repo.lists[name] = vals
	}
	ids := make(map[string]bool)
	for i, rj := range f.Rules {
		where := fmt.Sprintf("routing rules %s: rule %d %q", f.Version, i+1, rj.ID)
		switch {
		case rj.ID == "":
			return nil, fmt.Errorf("%s: id is missing", where)
		case ids[rj.ID]:
			return nil, fmt.Errorf("%s: id is used twice", where)
		case !rj.Kind.Valid():
			return nil, fmt.Errorf("%s: unknown recipient kind %q", where, rj.Kind)
		case len(rj.Arten) == 0:
			return nil, fmt.Errorf("%s: arten is empty", where)
		case strings.TrimSpace(rj.Excluded) == "" && strings.TrimSpace(rj.When) != "true":
			return nil, fmt.Errorf("%s: reason for excluded is missing", where)
		case strings.TrimSpace(rj.Selected) == "" && strings.TrimSpace(rj.When) != "false":
			return nil, fmt.Errorf("%s: reason for selected is missing", where)
		}
		ids[rj.ID] = true
		prog, err := compile(rj.When, repo.lists)
		if err != nil {
			return nil, fmt.Errorf("%s: condition %q: %w", where, rj.When, err)
		}
		ru := &rule{ruleJSON: rj, program: prog}
		repo.rules = append(repo.rules, ru)
		for _, art := range rj.Arten {
			if !validArt(art) {
				return nil, fmt.Errorf("%s: unknown notice kind %q", where, art)
			}
			m := repo.byPair[rj.Kind]
			if m == nil {
				m = make(map[gewerbe.Art]*rule)
				repo.byPair[rj.Kind] = m
			}
			if prev := m[art]; prev != nil {
				return nil, fmt.Errorf("%s: %s/%s is already decided by rule %q", where, rj.Kind, art, prev.ID)
			}
			m[art] = ru
		}
	}
	var missing []string
	for _, k := range kinds {
		for _, art := range arten {
			if repo.byPair[k][art] == nil {
				missing = append(missing, string(k)+"/"+string(art))
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("routing rules %s: no rule for %s", f.Version, strings.Join(missing, ", "))
	}
	return repo, nil
}

func validArt(a gewerbe.Art) bool {
	for _, x := range arten {
		if a == x {
			return true
		}
	}
	return false
}

// compile type-checks a condition against Env and checks that every lists.<name> it uses
// exists (a map lookup would silently yield nil otherwise).
func compile(src string, lists map[string][]string) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("condition is empty")
	}
	check := &listCheck{lists: lists}
	prog, err := expr.Compile(src,
		expr.Env(Env{}),
		expr.AsBool(),
		expr.Patch(check),
		expr.Function("wzPrefix", func(p ...any) (any, error) {
			return wzPrefix(p[0].(string), p[1].([]string)), nil
		}, new(func(string, []string) bool)),
		expr.Function("mentions", func(p ...any) (any, error) {
			return mentions(p[0].(string), p[1].([]string)), nil
		}, new(func(string, []string) bool)),
	)
	if err != nil {
		return nil, err
	}
	if len(check.unknown) > 0 {
		sort.Strings(check.unknown)
		return nil, fmt.Errorf("unknown list(s) %s", strings.Join(check.unknown, ", "))
	}
	return prog, nil
}

type listCheck struct {
	lists   map[string][]string
	unknown []string
}

func (c *listCheck) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "lists" {
		return
	}
	s, ok := m.Property.(*ast.StringNode)
	if !ok {
		c.unknown = append(c.unknown, "(computed name)")
		return
	}
	if _, ok := c.lists[s.Value]; !ok {
		for _, u := range c.unknown {
			if u == s.Value {
				return
			}
		}
		c.unknown = append(c.unknown, s.Value)
	}
}

// wzPrefix reports whether code starts with one of the prefixes, ignoring dots.
func wzPrefix(code string, prefixes []string) bool {
	if code == "" {
		return false
	}
	for _, p := range prefixes {
		if digitPrefix(code, p) {
			return true
		}
	}
	return false
}

func digitPrefix(code, prefix string) bool {
	i, j := 0, 0
	for j < len(prefix) {
		if prefix[j] == '.' {
			j++
			continue
		}
		for i < len(code) && code[i] == '.' {
			i++
		}
		if i >= len(code) || code[i] != prefix[j] {
			return false
		}
		i++
		j++
	}
	return true
}

func mentions(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// Version is the id of the loaded rule set, stored with every decision.
func (r *Repository) Version() string { return r.version }

// Decide returns exactly one Decision per recipient kind, in the order of Kinds(). A kind a
// rule selects is excluded when it waived regular transmission. A missing Anzeige or an
// unknown notice kind excludes every kind.
func (r *Repository) Decide(in Input) []Decision {
	out := make([]Decision, 0, len(kinds))
	if in.Anzeige == nil || !validArt(in.Anzeige.Art) {
		for _, k := range kinds {
			out = append(out, Decision{Kind: k, Reason: "Anzeigeart unbekannt: keine Übermittlung"})
		}
		return out
	}
	env := r.env(in)
	for _, k := range kinds {
		ru := r.byPair[k][in.Anzeige.Art]
		d := Decision{Kind: k, Rule: ru.ID, Reason: ru.Excluded}
		res, err := expr.Run(ru.program, env)
		if err != nil {
			// Conditions are type-checked at load; a run-time error is a rule bug. Fail
			// closed (no transmission) and say so, rather than guessing.
			d.Reason = "Regel nicht auswertbar, keine Übermittlung: " + err.Error()
		} else if sel, _ := res.(bool); sel {
			d.Selected, d.Reason = true, ru.Selected
			if in.Waived[k] {
				d.Selected, d.Rule, d.Reason = false, RuleWaived, ReasonWaived
			}
		}
		out = append(out, d)
	}
	return out
}

func (r *Repository) env(in Input) *Env {
	a := in.Anzeige
	b := a.Betrieb
	e := &Env{
		Art:                  string(a.Art),
		Betriebsart:          b.Betriebsart,
		Rechtsform:           b.Rechtsform,
		Registereintrag:      b.Register != nil,
		Niederlassungsart:    b.Niederlassungsart,
		Reisegewerbe:         b.Reisegewerbe != nil && *b.Reisegewerbe,
		Automatenaufstellung: b.Automatenaufstellung != nil && *b.Automatenaufstellung,
		Nebenerwerb:          b.Nebenerwerb != nil && *b.Nebenerwerb,
		WZ:                   a.Taetigkeit.WZ2008,
		Erlaubnis:            a.Erlaubnis != nil,
		Handwerkskarte:       a.Handwerkskarte != nil,
		ZollAnhaltspunkte:    in.ZollAnhaltspunkte,
		Lists:                r.lists,
	}
	var text strings.Builder
	add := func(s string) {
		if s != "" {
			text.WriteString(s)
			text.WriteByte('\n')
		}
	}
	add(a.Taetigkeit.Beschreibung)
	for _, w := range a.Taetigkeit.Weitere {
		add(w)
	}
	add(b.Name)
	add(b.Geschaeftsbezeichnung)
	if a.Erlaubnis != nil {
		add(a.Erlaubnis.Art)
	}
	if a.Ummeldung != nil {
		add(a.Ummeldung.FruehereTaetigkeit)
	}
	e.Text = strings.ToLower(text.String())
	switch a.Art {
	case gewerbe.ArtAnmeldung:
		if a.Anmeldung != nil {
			e.Grund = a.Anmeldung.Grund
		}
	case gewerbe.ArtUmmeldung:
		if a.Ummeldung != nil {
			e.Grund = a.Ummeldung.Grund
		}
	case gewerbe.ArtAbmeldung:
		if a.Abmeldung != nil {
			e.Grund = a.Abmeldung.Grund
		}
	}
	e.Personen = make([]PersonEnv, len(a.Personen))
	for i, p := range a.Personen {
		e.Personen[i] = PersonEnv{
			Funktion:               p.Funktion,
			Staatsangehoerigkeiten: p.Staatsangehoerigkeiten,
			OhneFreizuegigkeit:     NeedsAufenthaltstitel(p.Staatsangehoerigkeiten),
		}
	}
	for _, k := range kinds {
		if in.Requested[k] {
			e.Angefordert = append(e.Angefordert, string(k))
		}
	}
	return e
}
