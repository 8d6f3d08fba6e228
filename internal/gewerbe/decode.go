package gewerbe

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// maxDepth bounds the nesting of the input. The schema nests four levels deep; the bound
// leaves room for unknown fields to be reported rather than rejecting the whole document.
const maxDepth = 32

// Decode parses a Gewerbeanzeige strictly. It reports, each with the JSON pointer of the
// offending value relative to the Anzeige document:
//   - input that is not one well-formed UTF-8 JSON value: a single error at "" and a nil
//     Anzeige (codes malformed_json, too_deep);
//   - a member the schema does not define (unknown_field), a member given twice
//     (duplicate_key), a value of the wrong JSON type (type; enum for a non-string where the
//     schema lists values; too_small/too_large for an integer beyond any bound);
//   - a string present but empty where the schema allows no empty string (enum, pattern,
//     too_short, the format codes), since a Go value cannot tell "" from absent.
//
// Missing members and all other value rules are left to Validate, which sees a missing field as
// its zero value. Unless the input is malformed, Decode returns the Anzeige built from every
// value it accepted, so that Validate can report the remaining problems in the same pass.
func Decode(raw []byte) (*Anzeige, []apperr.FieldError) {
	if !utf8.Valid(raw) {
		return nil, []apperr.FieldError{fieldError("", CodeMalformedJSON, "Die Daten sind nicht in UTF-8 kodiert.")}
	}
	// jsontext reads tokens without the allocations and error formatting of encoding/json's
	// Decoder.Token (5 times faster here); duplicate names are let through to be reported with
	// their pointer below, and an escaped lone surrogate becomes U+FFFD as in encoding/json
	// (raw invalid UTF-8 was refused above).
	r := reader{dec: jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))}
	tree, err := r.value(0)
	if err == nil {
		if _, terr := r.dec.ReadToken(); terr != io.EOF {
			err = errTrailing
		}
	}
	if err != nil {
		return nil, []apperr.FieldError{malformed(err)}
	}
	w := walker{errs: r.errs}
	clean, ok := w.walk(tree, schemaTree)
	var a Anzeige
	if !ok {
		return &a, w.errs
	}
	// Without pruning, the raw bytes decode to exactly what was checked; otherwise decode the
	// cleaned tree (unknown and mistyped members removed, integers in canonical form).
	if !w.pruned && r.errs == nil {
		if err := json.Unmarshal(raw, &a); err == nil {
			return &a, w.errs
		}
		a = Anzeige{}
	}
	b, err := json.Marshal(clean)
	if err == nil {
		err = json.Unmarshal(b, &a)
	}
	if err != nil {
		// Unreachable when the schema tree matches the Go types; report rather than panic.
		return &a, append(w.errs, fieldError("", CodeType, "Die Daten passen nicht zum Aufbau einer Gewerbeanzeige."))
	}
	return &a, w.errs
}

var (
	errTrailing = errors.New("trailing data")
	errTooDeep  = errors.New("nesting too deep")
)

func malformed(err error) apperr.FieldError {
	var syn *jsontext.SyntacticError
	switch {
	case errors.Is(err, errTooDeep):
		return fieldError("", CodeTooDeep, fmt.Sprintf("Die Daten sind tiefer als %d Ebenen verschachtelt.", maxDepth))
	case errors.Is(err, errTrailing):
		return fieldError("", CodeMalformedJSON, "Nach dem JSON-Dokument folgen weitere Daten.")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fieldError("", CodeMalformedJSON, "Die Daten sind unvollständig oder leer.")
	case errors.As(err, &syn):
		return fieldError("", CodeMalformedJSON, fmt.Sprintf("Die Daten sind kein gültiges JSON (Fehler an Position %d).", syn.ByteOffset))
	}
	return fieldError("", CodeMalformedJSON, "Die Daten sind kein gültiges JSON.")
}

// object is a JSON object with its members in document order, so that errors come out in the
// order a reader of the document meets them.
type object struct {
	keys []string
	vals map[string]any
}

// reader turns the token stream into a tree of *object, []any, string, json.Number, bool and
// nil, reporting duplicate member names (which encoding/json would silently resolve to the
// last one, while other parsers take the first).
type reader struct {
	dec  *jsontext.Decoder
	path []string // reference tokens of the value being read; joined only for an error
	errs []apperr.FieldError
}

// pointerOf joins reference tokens to a JSON pointer (RFC 6901).
func pointerOf(path []string) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteByte('/')
		b.WriteString(escape(s))
	}
	return b.String()
}

func (r *reader) value(depth int) (any, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	case 'n':
		return nil, nil
	}
	if depth >= maxDepth {
		return nil, errTooDeep
	}
	if tok.Kind() == '{' {
		o := &object{vals: map[string]any{}}
		for r.dec.PeekKind() != '}' {
			kt, err := r.dec.ReadToken()
			if err != nil {
				return nil, err
			}
			k := kt.String()
			r.path = append(r.path, k)
			v, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[k]; dup {
				r.errs = append(r.errs, fieldError(pointerOf(r.path), CodeDuplicateKey, "Das Feld ist mehrfach angegeben."))
			} else {
				o.keys = append(o.keys, k)
			}
			r.path = r.path[:len(r.path)-1]
			o.vals[k] = v
		}
		_, err := r.dec.ReadToken() // '}'
		return o, err
	}
	arr := []any{} // not nil: [] stays apart from absent
	for r.dec.PeekKind() != ']' {
		r.path = append(r.path, strconv.Itoa(len(arr)))
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		r.path = r.path[:len(r.path)-1]
		arr = append(arr, v)
	}
	_, err = r.dec.ReadToken() // ']'
	return arr, err
}

// escape encodes a member name as a JSON pointer reference token (RFC 6901).
func escape(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// kind is the JSON type a schema node expects.
type kind uint8

const (
	kindObject kind = iota
	kindArray
	kindString
	kindInteger
	kindBoolean
)

// node is the shape of the schema as far as Decode checks it: types and member names. The
// value rules (text, intRule) are shared with Validate.
type node struct {
	kind  kind
	props map[string]*node // kindObject
	items *node            // kindArray
	max   int              // kindArray: most items (maxItems); 0: maxArrayItems
	text  *text            // kindString
	num   *intRule         // kindInteger
}

func objectNode(props map[string]*node) *node { return &node{kind: kindObject, props: props} }
func arrayNode(items *node) *node             { return &node{kind: kindArray, items: items} }

// arrayNodeMax is an array of at most max items (the schema's maxItems).
func arrayNodeMax(items *node, max int) *node { return &node{kind: kindArray, items: items, max: max} }

// maxArrayItems bounds the items of an array whose schema gives no maxItems; its items are
// unique values of short code lists, so more are invalid anyway.
const maxArrayItems = 1000

func stringNode(r *text) *node     { return &node{kind: kindString, text: r} }
func integerNode(r *intRule) *node { return &node{kind: kindInteger, num: r} }

var booleanNode = &node{kind: kindBoolean}

// schemaTree mirrors schemas/gewerbeanzeige.schema.json.
var schemaTree = func() *node {
	anschrift := objectNode(map[string]*node{
		"strasse":    stringNode(rStrasse),
		"hausnummer": stringNode(rHausnummer),
		"plz":        stringNode(rPLZ),
		"ort":        stringNode(rOrt),
		"staat":      stringNode(rStaat),
		"ags":        stringNode(rAGS),
	})
	date := stringNode(rDate)
	return objectNode(map[string]*node{
		"art": stringNode(rArt),
		"betrieb": objectNode(map[string]*node{
			"rechtsform":            stringNode(rRechtsform),
			"name":                  stringNode(rMax250),
			"geschaeftsbezeichnung": stringNode(rMax250),
			"register": objectNode(map[string]*node{
				"art":     stringNode(rRegisterArt),
				"nummer":  stringNode(rRegisterNummer),
				"gericht": stringNode(r2to100),
			}),
			"betriebsstaette":    anschrift,
			"hauptniederlassung": anschrift,
			"kontakt": objectNode(map[string]*node{
				"telefon": stringNode(rTelefon),
				"email":   stringNode(rEmail),
				"web":     stringNode(rMax254),
			}),
			"niederlassungsart": stringNode(rNiederlassung),
			"betriebsart":       arrayNode(stringNode(rBetriebsart)),
			"beschaeftigte": objectNode(map[string]*node{
				"vollzeit": integerNode(rBeschaeftigte),
				"teilzeit": integerNode(rBeschaeftigte),
			}),
			"nebenerwerb":                 booleanNode,
			"reisegewerbe":                booleanNode,
			"automatenaufstellung":        booleanNode,
			"beteiligungOeffentlicheHand": booleanNode,
			"gewerbebetriebID":            stringNode(rUUID),
		}),
		"personen": arrayNodeMax(objectNode(map[string]*node{
			"funktion":               stringNode(rFunktion),
			"familienname":           stringNode(rName120),
			"vornamen":               stringNode(rName120),
			"geburtsname":            stringNode(rMax120),
			"geschlecht":             stringNode(rGeschlecht),
			"doktorgrad":             stringNode(rMax50),
			"geburtsdatum":           date,
			"geburtsort":             stringNode(rMax120),
			"geburtsland":            stringNode(rStaat),
			"staatsangehoerigkeiten": arrayNode(stringNode(rStaat)),
			"anschrift":              anschrift,
			"aufenthaltstitel": objectNode(map[string]*node{
				"art":           stringNode(r2to200),
				"ausgestelltAm": date,
				"behoerde":      stringNode(rMax200),
				"auflagen":      stringNode(rMax1000),
			}),
		}), maxPersonen),
		"taetigkeit": objectNode(map[string]*node{
			"beschreibung": stringNode(rBeschreibung),
			"wz2008":       stringNode(rWZ),
			"weitere":      arrayNodeMax(stringNode(rWeitere), maxWeitere),
		}),
		"anmeldung": objectNode(map[string]*node{
			"beginn":                  date,
			"grund":                   stringNode(rAnmeldeGrund),
			"fruehereBetriebsstaette": anschrift,
			"fruehererInhaber":        stringNode(rMax250),
		}),
		"ummeldung": objectNode(map[string]*node{
			"datum":                   date,
			"grund":                   stringNode(rUmmeldeGrund),
			"fruehereBetriebsstaette": anschrift,
			"fruehereTaetigkeit":      stringNode(rMax2000),
		}),
		"abmeldung": objectNode(map[string]*node{
			"datum":              date,
			"grund":              stringNode(rAbmeldeGrund),
			"ursache":            stringNode(rUrsache),
			"kuenftigeAnschrift": anschrift,
		}),
		"erlaubnis": objectNode(map[string]*node{
			"art":      stringNode(r2to200),
			"datum":    date,
			"behoerde": stringNode(rMax200),
		}),
		"handwerkskarte": objectNode(map[string]*node{
			"datum":  date,
			"kammer": stringNode(r2to200),
		}),
	})
}()

// walker checks a tree against the schema nodes and produces a clean copy without the values
// it rejected.
type walker struct {
	path   []string // reference tokens of the value being walked; joined only for an error
	errs   []apperr.FieldError
	pruned bool // the clean tree differs from the input
}

// walkerErrors bounds the errors a walker records: Check reports at most MaxErrors, and a
// body of hundreds of thousands of invalid items must not allocate an error for each.
const walkerErrors = 10 * MaxErrors

func (w *walker) fail(code, msg string) {
	if len(w.errs) < walkerErrors {
		w.errs = append(w.errs, fieldError(pointerOf(w.path), code, msg))
	}
}

// forbiddenRune reports a character the messages to the recipients cannot carry: XML 1.0
// (XGewerbeanzeige) has no place for the control characters but tab and line breaks, nor for
// U+FFFE and U+FFFF. Stored, they went to the recipients replaced, so the messages no longer
// matched the filed data and its digest; they are refused instead. Everything XML can carry
// is accepted as the schema allows it.
func forbiddenRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// walk returns the clean value and false if v is rejected as a whole.
func (w *walker) walk(v any, n *node) (any, bool) {
	switch n.kind {
	case kindObject:
		o, ok := v.(*object)
		if !ok {
			w.fail(CodeType, "Erwartet wird ein Objekt mit Feldern.")
			return nil, false
		}
		clean := make(map[string]any, len(o.keys))
		for _, k := range o.keys {
			w.path = append(w.path, k)
			if child, known := n.props[k]; !known {
				w.fail(CodeUnknownField, "Dieses Feld ist nicht vorgesehen.")
				w.pruned = true
			} else if cv, ok := w.walk(o.vals[k], child); ok {
				clean[k] = cv
			} else {
				w.pruned = true
			}
			w.path = w.path[:len(w.path)-1]
		}
		return clean, true
	case kindArray:
		arr, ok := v.([]any)
		if !ok {
			w.fail(CodeType, "Erwartet wird eine Liste.")
			return nil, false
		}
		if limit := cmp.Or(n.max, maxArrayItems); len(arr) > limit {
			// Reported once; the items beyond are neither checked nor kept (a body of
			// hundreds of thousands of items must not become as many structs).
			w.fail(CodeTooManyItems, fmt.Sprintf("Höchstens %d Einträge können angegeben werden.", limit))
			arr = arr[:limit]
			w.pruned = true
		}
		clean := make([]any, len(arr))
		for i, item := range arr {
			w.path = append(w.path, strconv.Itoa(i))
			if cv, ok := w.walk(item, n.items); ok {
				clean[i] = cv
			} else {
				// Keep the indices of later items: an empty value stands in for the rejected one.
				clean[i] = zeroOf(n.items.kind)
				w.pruned = true
			}
			w.path = w.path[:len(w.path)-1]
		}
		return clean, true
	case kindString:
		s, ok := v.(string)
		if !ok {
			if n.text.enum != nil {
				w.fail(CodeEnum, fmt.Sprintf("Erwartet wird einer der Werte %s.", strings.Join(n.text.enum, ", ")))
			} else {
				w.fail(CodeType, "Erwartet wird ein Text.")
			}
			return nil, false
		}
		if s == "" {
			if code, msg := n.text.check(""); code != "" {
				w.fail(code, msg)
				return nil, false
			}
		}
		if i := strings.IndexFunc(s, forbiddenRune); i >= 0 {
			r, _ := utf8.DecodeRuneInString(s[i:])
			w.fail(CodeInvalidCharacter, fmt.Sprintf("Der Text enthält ein Steuerzeichen (U+%04X), das an die Empfänger nicht übermittelt werden kann. Bitte entfernen Sie es.", r))
			return nil, false
		}
		return s, true
	case kindInteger:
		return w.integer(v, n.num)
	case kindBoolean:
		if _, ok := v.(bool); !ok {
			w.fail(CodeType, "Erwartet wird true oder false.")
			return nil, false
		}
		return v, true
	}
	return nil, false
}

// integer accepts any JSON number with no fractional part (1.0 and 1e3 are integers in JSON
// Schema) and hands it on in plain form; one beyond the int64 range breaks the schema bounds.
func (w *walker) integer(v any, r *intRule) (any, bool) {
	num, ok := v.(json.Number)
	if !ok {
		w.fail(CodeType, "Erwartet wird eine ganze Zahl.")
		return nil, false
	}
	if _, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return num, true
	}
	// Written otherwise (1.0, 1e3): exact arithmetic decides, not float64, which took
	// 1.0000000000000001 for 1 and 1000000.00000000001 for 1000000.
	q, ok := new(big.Rat).SetString(string(num))
	if !ok || !q.IsInt() {
		w.fail(CodeType, "Erwartet wird eine ganze Zahl.")
		return nil, false
	}
	if q.Num().IsInt64() {
		w.pruned = true
		return json.Number(q.Num().String()), true
	}
	bound := int64(math.MaxInt64)
	if q.Sign() < 0 {
		bound = math.MinInt64
	}
	w.fail(r.check(bound))
	return nil, false
}

func zeroOf(k kind) any {
	switch k {
	case kindObject:
		return map[string]any{}
	case kindArray:
		return []any{}
	case kindString:
		return ""
	case kindBoolean:
		return false
	}
	return json.Number("0")
}
