// Package form is the form engine of Rathaus: declarative, versioned form definitions kept as
// data (JSON, embedded from definitions/*.json and codelists/*.json), and the rules to walk a
// citizen through them step by step without JavaScript.
//
// A Definition is a list of steps; each step holds fields. Every field names a path into the
// submission payload (for example "betrieb.betriebsstaette" or, inside the repeatable group
// "personen", "personen[].geburtsdatum"), so the data collected by a completed form is the
// payload itself. Drafts are plain JSON-compatible maps (Draft) that the caller stores between
// requests; keys starting with "$" hold engine state (raw input that did not parse, search
// results, municipality choices) and never reach the payload.
//
// Conditional visibility, conditional requiredness, validation rules and fees are expressions
// (github.com/expr-lang/expr), compiled once when a definition is loaded and evaluated against
// the current draft. See Env and the helpers in expr.go for what expressions can use.
//
// The package is a domain package: it knows nothing about HTTP, storage or templates. The
// caller (internal/web) turns a request into a Post, stores drafts and uploads, and renders the
// StepView and ReviewSection values this package produces (internal/web/formui).
package form

import (
	"regexp"

	"github.com/expr-lang/expr/vm"
)

// Text is a user-facing text in German and English. German is the default and the fallback.
type Text struct {
	De string `json:"de"`
	En string `json:"en,omitempty"`
}

// In returns the text in lang ("de" or "en"), falling back to German.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.De
}

// IsZero reports whether the text is empty in both languages.
func (t Text) IsZero() bool { return t.De == "" && t.En == "" }

// FieldType is the kind of a field.
type FieldType string

// The field types the engine knows.
const (
	TypeText        FieldType = "text"        // one line of text
	TypeTextarea    FieldType = "textarea"    // several lines; with Lines the value is a list of lines
	TypeDate        FieldType = "date"        // stored as YYYY-MM-DD; DD.MM.YYYY accepted
	TypeNumber      FieldType = "number"      // int64 with Integer, else float64
	TypeYesNo       FieldType = "yesno"       // bool
	TypeSelect      FieldType = "select"      // one value of a code list
	TypeMultiSelect FieldType = "multiselect" // list of values of a code list
	TypeAddress     FieldType = "address"     // object strasse, hausnummer, plz, ort, staat, ags
	TypeGroup       FieldType = "group"       // repeatable list of objects with child fields
	TypeFile        FieldType = "file"        // upload metadata (FileMeta); never in the payload
	TypeWZ          FieldType = "wz"          // WZ 2008 class or subclass code, picked by search
)

// Widgets a definition may ask for; the default depends on the field type and option count.
const (
	WidgetRadio      = "radio"      // select: radio buttons
	WidgetDropdown   = "select"     // select / multiselect: <select> element(s)
	WidgetCheckboxes = "checkboxes" // multiselect: one checkbox per option
)

// AGS modes of an address field.
const (
	AGSNone     = ""         // no municipality lookup
	AGSLookup   = "lookup"   // look up; set the AGS when the postal code is unambiguous or chosen
	AGSRequired = "required" // the address must resolve to a municipality the platform serves
)

// Definition is one version of a form. Definitions are immutable once loaded and safe for
// concurrent use.
type Definition struct {
	ID          string `json:"id"`
	Version     int    `json:"version"`
	Leistung    string `json:"leistung"` // 14-digit Leistungsschlüssel (LeiKa/FIM)
	Title       Text   `json:"title"`
	Description Text   `json:"description"`
	// Note is for operators and maintainers (for example "key to verify with the LeiKa").
	Note string `json:"note,omitempty"`
	// Fixed values are written into every payload, e.g. {"art": "anmeldung"}. Keys are paths.
	Fixed map[string]any `json:"fixed,omitempty"`
	// Constants are made available to every expression by name.
	Constants map[string]any `json:"constants,omitempty"`
	// CodeLists are the definition's own code lists; shared lists come from codelists/*.json.
	CodeLists map[string]*CodeList `json:"codeLists,omitempty"`
	Steps     []*Step              `json:"steps"`
	// Rules are cross-field rules checked when their step is validated and before submission.
	Rules   []*Rule `json:"rules,omitempty"`
	FeeDecl *Fee    `json:"fee,omitempty"`

	lists    map[string]*CodeList
	stepByID map[string]int
	byPath   map[string]*Field // full pattern path (personen[].geburtsdatum) → field
	roots    map[string]bool
}

// CodeList is a named list of options, e.g. countries or legal forms.
type CodeList struct {
	Name    string   `json:"name"`
	Options []Option `json:"options"`

	index map[string]int
}

// Option is one entry of a code list.
type Option struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
	Help  Text   `json:"help,omitempty"`
}

// Step is one page of the dialog.
type Step struct {
	ID        string   `json:"id"`
	Title     Text     `json:"title"`
	Intro     Text     `json:"intro,omitempty"`
	Help      Text     `json:"help,omitempty"`
	VisibleIf string   `json:"visibleIf,omitempty"`
	Fields    []*Field `json:"fields"`

	visible *vm.Program
}

// Field is one question. Path is relative to the group for fields inside a group.
type Field struct {
	Path  string    `json:"path"`
	Type  FieldType `json:"type"`
	Label Text      `json:"label"`
	Help  Text      `json:"help,omitempty"`
	Hint  Text      `json:"hint,omitempty"` // short format hint shown under the label

	Required   bool   `json:"required,omitempty"`
	RequiredIf string `json:"requiredIf,omitempty"`
	VisibleIf  string `json:"visibleIf,omitempty"`

	CodeList string   `json:"codeList,omitempty"`
	Options  []Option `json:"options,omitempty"`
	Widget   string   `json:"widget,omitempty"`

	// Autocomplete is the HTML autocomplete token (given-name, bday, email …). For address
	// fields any non-empty value switches on the address tokens; a value starting with
	// "section-" prefixes them.
	Autocomplete string `json:"autocomplete,omitempty"`
	InputMode    string `json:"inputMode,omitempty"`
	// Prefill names account data ("account.familienname"; for addresses "account.anschrift").
	Prefill string `json:"prefill,omitempty"`
	// Output false keeps the field out of the payload (questions that only steer the dialog).
	Output *bool `json:"output,omitempty"`

	MinLength      int      `json:"minLength,omitempty"`
	MaxLength      int      `json:"maxLength,omitempty"`
	Pattern        string   `json:"pattern,omitempty"`
	PatternMessage Text     `json:"patternMessage,omitempty"`
	Min            *float64 `json:"min,omitempty"`
	Max            *float64 `json:"max,omitempty"`
	Integer        bool     `json:"integer,omitempty"`
	Lines          bool     `json:"lines,omitempty"`

	MinItems    int      `json:"minItems,omitempty"`
	MaxItems    int      `json:"maxItems,omitempty"`
	ItemLabel   Text     `json:"itemLabel,omitempty"`
	AddLabel    Text     `json:"addLabel,omitempty"`
	RemoveLabel Text     `json:"removeLabel,omitempty"`
	Fields      []*Field `json:"fields,omitempty"`

	Country bool   `json:"country,omitempty"` // address: ask for the state (ISO alpha-2)
	AGS     string `json:"ags,omitempty"`     // address: AGSNone, AGSLookup or AGSRequired

	Accept   []string `json:"accept,omitempty"`   // file: allowed media types
	MaxBytes int64    `json:"maxBytes,omitempty"` // file: maximum size

	Rules []*Rule `json:"rules,omitempty"`

	full     string // pattern path, e.g. personen[].geburtsdatum
	group    *Field
	step     *Step
	list     *CodeList
	pattern  *regexp.Regexp
	visible  *vm.Program
	required *vm.Program
}

// FullPath returns the field's path pattern in the payload, e.g. "personen[].geburtsdatum".
func (f *Field) FullPath() string { return f.full }

// Rule is a validation rule: Expr must be true. Field rules see the field's value as `value`
// (and only run when it is filled); rules inside a group also see `item` and `index`.
// Definition rules name the Field (path, may use [] for "every item") the error belongs to.
type Rule struct {
	ID       string `json:"id,omitempty"`
	Expr     string `json:"expr"`
	When     string `json:"when,omitempty"` // the rule only applies when this is true
	Field    string `json:"field,omitempty"`
	Message  Text   `json:"message"`
	Severity string `json:"severity,omitempty"` // "error" (default) or "warning"

	prog  *vm.Program
	when  *vm.Program
	field *Field
}

// Fee declares the fee of a procedure: AmountExpr yields the amount in currency units (it may
// have a fractional part); the engine converts it to cents.
type Fee struct {
	AmountExpr string `json:"amountExpr"`
	Currency   string `json:"currency"`
	Label      Text   `json:"label"`

	prog *vm.Program
}

// FileMeta describes an upload the caller has stored. The engine checks type and size only.
type FileMeta struct {
	Name        string `json:"name"`
	ContentType string `json:"type"`
	Size        int64  `json:"size"`
	Ref         string `json:"ref,omitempty"` // the blob store's reference
}

func (f *Field) output() bool { return f.Output == nil || *f.Output }

// options returns the field's options: inline ones or those of its code list.
func (f *Field) options() []Option {
	if f.list != nil {
		return f.list.Options
	}
	return f.Options
}

func (f *Field) hasOption(v string) bool {
	if f.list != nil {
		_, ok := f.list.index[v]
		return ok
	}
	for _, o := range f.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func (f *Field) optionLabel(v, lang string) string {
	for _, o := range f.options() {
		if o.Value == v {
			return o.Label.In(lang)
		}
	}
	return v
}
