package document

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Decision templates are data an office keeps (the Tenor and Begründung of its usual
// Bescheide), so they get a deliberately small language: "{{name}}" is replaced by the value
// of name, everything else is copied. There are no conditions, loops or functions, as
// text/template would offer, so that a template edited by an office cannot run code, and an
// error can name exactly what is missing.

// TemplateError reports a malformed placeholder in a template.
type TemplateError struct {
	Offset int    // byte offset of the "{{" that opens the placeholder
	Reason string // what is wrong, in English
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("document: template: %s at byte %d", e.Reason, e.Offset)
}

// UnknownPlaceholdersError reports the placeholders a template uses that have no value.
type UnknownPlaceholdersError struct {
	Names []string // sorted, each once
}

func (e *UnknownPlaceholdersError) Error() string {
	return "document: template uses unknown placeholders: " + strings.Join(e.Names, ", ")
}

// FillTemplate replaces every placeholder "{{name}}" in tpl by vars[name] and returns the
// result. Blanks around the name are allowed ("{{ name }}"). A name starts with a letter or
// "_" and goes on with letters, digits, "_", "." or "-". Values are inserted as they are and
// not scanned again, so a value containing "{{x}}" stays as it is. Variables the template does
// not use are ignored. A template cannot contain a literal "{{".
//
// It returns a *TemplateError for a malformed or unclosed placeholder and an
// *UnknownPlaceholdersError naming every placeholder without a value.
func FillTemplate(tpl string, vars map[string]string) (string, error) {
	var sb strings.Builder
	sb.Grow(len(tpl))
	var unknown []string
	err := scanTemplate(tpl, func(s string) { sb.WriteString(s) }, func(name string) {
		if v, ok := vars[name]; ok {
			sb.WriteString(v)
		} else {
			unknown = append(unknown, name)
		}
	})
	if err != nil {
		return "", err
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return "", &UnknownPlaceholdersError{Names: slices.Compact(unknown)}
	}
	return sb.String(), nil
}

// Placeholders returns the names of the placeholders tpl uses, sorted and each once, so that
// an office can be told which values a template needs when it saves it. It returns a
// *TemplateError for a malformed or unclosed placeholder.
func Placeholders(tpl string) ([]string, error) {
	var names []string
	err := scanTemplate(tpl, func(string) {}, func(name string) {
		names = append(names, name)
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// scanTemplate calls literal for the text between placeholders and placeholder for each
// placeholder's name, in order.
func scanTemplate(tpl string, literal, placeholder func(string)) error {
	off := 0
	for {
		i := strings.Index(tpl[off:], "{{")
		if i < 0 {
			literal(tpl[off:])
			return nil
		}
		start := off + i
		literal(tpl[off:start])
		j := strings.Index(tpl[start+2:], "}}")
		if j < 0 {
			return &TemplateError{Offset: start, Reason: "unclosed placeholder"}
		}
		name := strings.TrimSpace(tpl[start+2 : start+2+j])
		if !validName(name) {
			return &TemplateError{Offset: start, Reason: fmt.Sprintf("invalid placeholder name %q", name)}
		}
		placeholder(name)
		off = start + 2 + j + 2
	}
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || r == '_':
		case i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-'):
		default:
			return false
		}
	}
	return true
}
