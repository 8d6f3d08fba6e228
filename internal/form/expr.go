package form

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Expressions are written in the expr language (https://expr-lang.org). Besides the draft's
// top-level keys, the definition's Constants and, inside groups and field rules, `item`,
// `index` and `value`, they can use:
//
//	today()                   the current date (Env.Today)
//	date(s)                   parse YYYY-MM-DD (or DD.MM.YYYY); an empty or bad date is an error,
//	                          which makes a rule not apply and a condition false
//	years(n), months(n), days(n)
//	                          periods to add to or subtract from a date: today() + months(3)
//	age(birth, at)            full years between two dates
//	year(t)                   the year of a date
//	filled(x), isEmpty(x)     whether a value is given
//	EU_EWR_CH, EU             ISO alpha-2 codes of the EU/EEA/Switzerland and of the EU
//
// A runtime error (a missing value, a type mismatch) makes visibleIf/requiredIf false and
// makes a validation rule pass: missing values are the business of required.

// EU lists the member states of the European Union (ISO 3166-1 alpha-2).
var EU = []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}

// EUEWRCH lists the states whose citizens need no residence title to run a business in
// Germany: the EU, the other EEA states (Iceland, Liechtenstein, Norway) and Switzerland.
var EUEWRCH = append(append([]string{}, EU...), "IS", "LI", "NO", "CH")

// Period is a calendar period (years, months, days) added to a date in expressions.
type Period struct{ Years, Months, Days int }

var helperOptions = []expr.Option{
	expr.Function("date", func(p ...any) (any, error) { return parseDateValue(p[0]) }, new(func(any) time.Time)),
	expr.Function("years", func(p ...any) (any, error) {
		n, err := intArg(p[0])
		return Period{Years: n}, err
	}, new(func(any) Period)),
	expr.Function("months", func(p ...any) (any, error) {
		n, err := intArg(p[0])
		return Period{Months: n}, err
	}, new(func(any) Period)),
	expr.Function("days", func(p ...any) (any, error) {
		n, err := intArg(p[0])
		return Period{Days: n}, err
	}, new(func(any) Period)),
	expr.Function("addPeriod", func(p ...any) (any, error) {
		t, q := p[0].(time.Time), p[1].(Period)
		return t.AddDate(q.Years, q.Months, q.Days), nil
	}, new(func(time.Time, Period) time.Time)),
	expr.Function("subPeriod", func(p ...any) (any, error) {
		t, q := p[0].(time.Time), p[1].(Period)
		return t.AddDate(-q.Years, -q.Months, -q.Days), nil
	}, new(func(time.Time, Period) time.Time)),
	expr.Operator("+", "addPeriod"),
	expr.Operator("-", "subPeriod"),
	expr.Function("age", func(p ...any) (any, error) {
		b, err := parseDateValue(p[0])
		if err != nil {
			return nil, err
		}
		at, err := parseDateValue(p[1])
		if err != nil {
			return nil, err
		}
		return ageAt(b, at), nil
	}, new(func(any, any) int)),
	expr.Function("year", func(p ...any) (any, error) {
		t, err := parseDateValue(p[0])
		if err != nil {
			return nil, err
		}
		return t.Year(), nil
	}, new(func(any) int)),
	expr.Function("filled", func(p ...any) (any, error) { return !isEmpty(p[0]), nil }, new(func(any) bool)),
	expr.Function("isEmpty", func(p ...any) (any, error) { return isEmpty(p[0]), nil }, new(func(any) bool)),
}

var helperNames = map[string]bool{
	"date": true, "years": true, "months": true, "days": true, "addPeriod": true, "subPeriod": true,
	"age": true, "year": true, "filled": true, "isEmpty": true, "today": true,
	"EU_EWR_CH": true, "EU": true, "item": true, "index": true, "value": true,
}

func ageAt(birth, at time.Time) int {
	years := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		years--
	}
	return years
}

func intArg(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	}
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1e6 {
		return 0, fmt.Errorf("not a whole number: %v", v)
	}
	return int(f), nil
}

var errNoDate = errors.New("no date")

func parseDateValue(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		if iso, ok := parseDate(x); ok {
			return time.Parse(time.DateOnly, iso)
		}
	}
	return time.Time{}, errNoDate
}

// parseDate accepts YYYY-MM-DD and D.M.YYYY (also DD.MM.YYYY) and returns YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil && t.Year() >= 1000 {
		return t.Format(time.DateOnly), true
	}
	if t, err := time.Parse("2.1.2006", s); err == nil && t.Year() >= 1000 {
		return t.Format(time.DateOnly), true
	}
	return "", false
}

// compileEnv returns the typing environment of the definition's expressions.
func (d *Definition) compileEnv() map[string]any {
	env := map[string]any{
		"today":     func() time.Time { return time.Time{} },
		"EU_EWR_CH": EUEWRCH,
		"EU":        EU,
		"item":      map[string]any{},
		"index":     0,
	}
	for k, v := range d.Constants {
		env[k] = v
	}
	for _, s := range d.Steps {
		for _, f := range s.Fields {
			root, rest, _ := strings.Cut(f.Path, ".")
			switch {
			case rest != "" || f.Type == TypeAddress || f.Type == TypeFile:
				env[root] = map[string]any{}
			case f.Type == TypeGroup || f.Type == TypeMultiSelect || f.Lines:
				env[root] = []any{}
			}
		}
	}
	return env
}

// compile compiles one expression and checks that every name it uses is known.
func (d *Definition) compile(src string) (*vm.Program, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, err
	}
	v := &nameCheck{known: func(n string) bool {
		_, isConst := d.Constants[n]
		return helperNames[n] || d.roots[n] || isConst
	}}
	ast.Walk(&tree.Node, v)
	if len(v.unknown) > 0 {
		return nil, fmt.Errorf("unknown name(s) %s", strings.Join(v.unknown, ", "))
	}
	opts := append([]expr.Option{expr.Env(d.compileEnv()), expr.AllowUndefinedVariables()}, helperOptions...)
	return expr.Compile(src, opts...)
}

type nameCheck struct {
	known   func(string) bool
	vars    map[string]bool
	unknown []string
}

func (c *nameCheck) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.VariableDeclaratorNode:
		if c.vars == nil {
			c.vars = map[string]bool{}
		}
		c.vars[n.Name] = true
	case *ast.IdentifierNode:
		if !c.known(n.Value) && !c.vars[n.Value] && !strings.HasPrefix(n.Value, "$") {
			c.unknown = append(c.unknown, n.Value)
		}
	}
}

// scope is the evaluation environment of one operation on one draft.
type scope struct {
	d   *Definition
	env map[string]any
}

// newScope builds the evaluation environment: the draft normalised so that every declared
// object exists and every declared list is at least empty, plus constants and helpers.
func (d *Definition) newScope(draft Draft, today time.Time) *scope {
	if today.IsZero() {
		today = time.Now()
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	env := map[string]any{}
	for k, v := range draft {
		if !strings.HasPrefix(k, "$") {
			env[k] = deepCopy(v)
		}
	}
	for _, s := range d.Steps {
		normalize(env, s.Fields)
	}
	for k, v := range d.Fixed {
		setIn(env, k, v)
	}
	for k, v := range d.Constants {
		env[k] = v
	}
	env["EU_EWR_CH"] = EUEWRCH
	env["EU"] = EU
	env["today"] = func() time.Time { return today }
	env["item"] = map[string]any{}
	env["index"] = 0
	return &scope{d: d, env: env}
}

// normalize makes every object on the fields' paths exist and every list at least empty.
func normalize(m map[string]any, fields []*Field) {
	for _, f := range fields {
		segs := parsePath(f.Path)
		if len(segs) == 0 {
			continue
		}
		cur := m
		for _, s := range segs[:len(segs)-1] {
			next, ok := asMap(cur[s.key])
			if !ok {
				next = map[string]any{}
				cur[s.key] = next
			}
			cur = next
		}
		last := segs[len(segs)-1].key
		switch {
		case f.Type == TypeGroup:
			arr, ok := cur[last].([]any)
			if !ok {
				arr = []any{}
			}
			for i, it := range arr {
				im, ok := asMap(it)
				if !ok {
					im = map[string]any{}
				}
				normalize(im, f.Fields)
				arr[i] = im
			}
			cur[last] = arr
		case f.Type == TypeMultiSelect || f.Lines:
			if _, ok := cur[last].([]any); !ok {
				cur[last] = []any{}
			}
		case f.Type == TypeAddress:
			if _, ok := asMap(cur[last]); !ok {
				cur[last] = map[string]any{}
			}
		}
	}
}

// with evaluates fn with item, index and value bound; it restores the previous bindings.
func (s *scope) with(item map[string]any, index int, value any, fn func()) {
	oi, ox, ov := s.env["item"], s.env["index"], s.env["value"]
	if item != nil {
		s.env["item"], s.env["index"] = item, index
	}
	s.env["value"] = value
	fn()
	s.env["item"], s.env["index"], s.env["value"] = oi, ox, ov
}

func (s *scope) run(p *vm.Program) (any, error) {
	if p == nil {
		return nil, errors.New("no program")
	}
	return expr.Run(p, s.env)
}

// truth evaluates a condition; nil programs are true, errors and non-bools are false.
func (s *scope) truth(p *vm.Program) bool {
	if p == nil {
		return true
	}
	out, err := s.run(p)
	b, ok := out.(bool)
	return err == nil && ok && b
}

// scopeItem returns the normalised item i of group g in the scope.
func (s *scope) item(g *Field, i int) map[string]any {
	arr, _ := getIn(s.env, g.Path).([]any)
	if i < len(arr) {
		if m, ok := asMap(arr[i]); ok {
			return m
		}
	}
	m := map[string]any{}
	normalize(m, g.Fields)
	return m
}
