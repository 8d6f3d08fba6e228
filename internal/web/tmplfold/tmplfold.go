// Package tmplfold resolves constant message keys in html/template sources before they are
// parsed. A page shows some thirty fixed texts ({{t "nav.home"}}); html/template evaluates
// each such action on every request through two reflective calls (the message function and
// the escaper), which was about a quarter of the CPU of a portal page. The text of a key
// without arguments is the same for every request of a language, so it is put into the source
// once, HTML-escaped, and parsed as static text.
package tmplfold

import (
	"html"
	"regexp"
	"strings"
)

// action matches {{t "key"}} (optionally with trim markers) and nothing with arguments.
var action = regexp.MustCompile(`\{\{-?\s*t\s+"([A-Za-z0-9_.\-]+)"\s*-?\}\}`)

// urlAttr matches an open attribute whose value html/template would treat as a URL, CSS or
// script; a text placed there keeps its action so the contextual escaper decides.
var urlAttr = regexp.MustCompile(`(?i)\s(href|src|action|formaction|style|srcset|on[a-z]+)\s*=\s*"[^"]*$`)

// Fold replaces every {{t "key"}} whose key lookup knows by the HTML-escaped text. Actions
// with arguments, unknown keys, trim markers (they change surrounding whitespace) and
// actions inside URL, style or event-handler attributes are left as they are.
func Fold(src string, lookup func(key string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for _, m := range action.FindAllStringSubmatchIndex(src, -1) {
		whole := src[m[0]:m[1]]
		if strings.HasPrefix(whole, "{{-") || strings.HasSuffix(whole, "-}}") {
			continue
		}
		text, ok := lookup(src[m[2]:m[3]])
		if !ok {
			continue
		}
		lineStart := strings.LastIndexByte(src[:m[0]], '\n') + 1
		if urlAttr.MatchString(src[lineStart:m[0]]) {
			continue
		}
		b.WriteString(src[last:m[0]])
		b.WriteString(html.EscapeString(text))
		last = m[1]
	}
	if last == 0 {
		return src
	}
	b.WriteString(src[last:])
	return b.String()
}
