package document

// A small PDF reader for the tests: enough of ISO 32000 to follow the cross-reference table,
// read the objects fpdf writes, inflate content streams and turn the text-showing operators
// back into Unicode through each font's ToUnicode CMap. It checks the structure on the way
// (header, xref offsets, catalog, fonts) and fails loudly on anything it does not expect, so
// a change in how the PDF is written shows up as a test failure, not as silently lost text.

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

type pdfName string

type pdfRef struct{ num int }

type pdfDict map[pdfName]any

type pdfStream struct {
	dict pdfDict
	data []byte // raw, possibly compressed
}

// pdfOp is an operator keyword inside a content stream (BT, Tj …) or true/false/null.
type pdfOp string

type pdfDoc struct {
	raw     []byte
	objs    map[int]any
	trailer pdfDict
}

// --- lexer / parser -------------------------------------------------------------------------

type pdfLexer struct {
	b   []byte
	pos int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool { return strings.IndexByte("()<>[]{}/%", c) >= 0 }

func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isPDFSpace(c) {
			l.pos++
		} else if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		} else {
			return
		}
	}
}

func (l *pdfLexer) eof() bool { l.skipSpace(); return l.pos >= len(l.b) }

// value parses one object. References "n g R" are recognised by look-ahead.
func (l *pdfLexer) value() (any, error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, io.ErrUnexpectedEOF
	}
	c := l.b[l.pos]
	switch {
	case c == '/':
		l.pos++
		start := l.pos
		for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
			l.pos++
		}
		return pdfName(l.b[start:l.pos]), nil
	case c == '(':
		return l.literal()
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		l.pos += 2
		d := pdfDict{}
		for {
			l.skipSpace()
			if bytes.HasPrefix(l.b[l.pos:], []byte(">>")) {
				l.pos += 2
				return d, nil
			}
			k, err := l.value()
			if err != nil {
				return nil, err
			}
			name, ok := k.(pdfName)
			if !ok {
				return nil, fmt.Errorf("dictionary key %v at %d is not a name", k, l.pos)
			}
			v, err := l.value()
			if err != nil {
				return nil, err
			}
			d[name] = v
		}
	case c == '<':
		l.pos++
		end := bytes.IndexByte(l.b[l.pos:], '>')
		if end < 0 {
			return nil, io.ErrUnexpectedEOF
		}
		h := strings.Map(func(r rune) rune {
			if isPDFSpace(byte(r)) {
				return -1
			}
			return r
		}, string(l.b[l.pos:l.pos+end]))
		l.pos += end + 1
		if len(h)%2 == 1 {
			h += "0"
		}
		out := make([]byte, len(h)/2)
		for i := range out {
			v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("hex string: %w", err)
			}
			out[i] = byte(v)
		}
		return string(out), nil
	case c == '[':
		l.pos++
		var arr []any
		for {
			l.skipSpace()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				return arr, nil
			}
			v, err := l.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		start := l.pos
		l.pos++
		for l.pos < len(l.b) && (l.b[l.pos] == '.' || (l.b[l.pos] >= '0' && l.b[l.pos] <= '9')) {
			l.pos++
		}
		tok := string(l.b[start:l.pos])
		n, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", tok, err)
		}
		// "n g R"?
		if !strings.ContainsAny(tok, ".+-") {
			if m := reRefTail.FindSubmatch(l.b[l.pos:min(len(l.b), l.pos+24)]); m != nil {
				l.pos += len(m[0])
				return pdfRef{num: int(n)}, nil
			}
		}
		return n, nil
	case isPDFDelim(c):
		return nil, fmt.Errorf("unexpected %q at %d", c, l.pos)
	default:
		start := l.pos
		for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
			l.pos++
		}
		return pdfOp(l.b[start:l.pos]), nil
	}
}

func (l *pdfLexer) literal() (any, error) {
	l.pos++ // (
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
			out = append(out, c)
		case ')':
			depth--
			if depth == 0 {
				return string(out), nil
			}
			out = append(out, c)
		case '\\':
			if l.pos >= len(l.b) {
				return nil, io.ErrUnexpectedEOF
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					out = append(out, byte(v))
				} else {
					out = append(out, e) // \( \) \\ and unknown escapes
				}
			}
		default:
			out = append(out, c)
		}
	}
	return nil, io.ErrUnexpectedEOF
}

// --- document ------------------------------------------------------------------------------

var (
	reRefTail   = regexp.MustCompile(`^\s+(\d+)\s+R\b`)
	reStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reObjHeader = regexp.MustCompile(`^(\d+) 0 obj\b`)
)

// parsePDF reads a whole document through its cross-reference table.
func parsePDF(b []byte) (*pdfDoc, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		return nil, fmt.Errorf("no %%PDF-1.x header")
	}
	m := reStartXref.FindSubmatch(b)
	if m == nil {
		return nil, fmt.Errorf("no startxref / %%EOF at the end")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if xref >= len(b) || !bytes.HasPrefix(b[xref:], []byte("xref")) {
		return nil, fmt.Errorf("startxref %d does not point at an xref table", xref)
	}
	l := &pdfLexer{b: b, pos: xref + 4}
	first, err := l.value()
	if err != nil {
		return nil, err
	}
	count, err := l.value()
	if err != nil {
		return nil, err
	}
	if first != 0.0 {
		return nil, fmt.Errorf("xref subsection starts at %v, want 0", first)
	}
	doc := &pdfDoc{raw: b, objs: map[int]any{}}
	l.skipSpace()
	lines := strings.Fields(string(b[l.pos : l.pos+20*int(count.(float64))]))
	l.pos += 20 * int(count.(float64))
	for i := 1; i < int(count.(float64)); i++ {
		off, _ := strconv.Atoi(lines[3*i])
		if lines[3*i+2] != "n" {
			continue
		}
		hdr := reObjHeader.FindSubmatch(b[off:min(len(b), off+20)])
		if hdr == nil || string(hdr[1]) != strconv.Itoa(i) {
			return nil, fmt.Errorf("xref entry %d (offset %d) does not point at object %d", i, off, i)
		}
		ol := &pdfLexer{b: b, pos: off + len(hdr[0])}
		v, err := ol.value()
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		ol.skipSpace()
		if d, ok := v.(pdfDict); ok && bytes.HasPrefix(b[ol.pos:], []byte("stream")) {
			ol.pos += len("stream")
			if b[ol.pos] == '\r' {
				ol.pos++
			}
			if b[ol.pos] != '\n' {
				return nil, fmt.Errorf("object %d: stream keyword not followed by EOL", i)
			}
			ol.pos++
			n, ok := d["Length"].(float64)
			if !ok {
				return nil, fmt.Errorf("object %d: stream without direct /Length", i)
			}
			data := b[ol.pos : ol.pos+int(n)]
			ol.pos += int(n)
			ol.skipSpace()
			if !bytes.HasPrefix(b[ol.pos:], []byte("endstream")) {
				return nil, fmt.Errorf("object %d: /Length %v does not end at endstream", i, n)
			}
			ol.pos += len("endstream")
			v = pdfStream{dict: d, data: data}
		}
		ol.skipSpace()
		if !bytes.HasPrefix(b[ol.pos:], []byte("endobj")) {
			return nil, fmt.Errorf("object %d: no endobj", i)
		}
		doc.objs[i] = v
	}
	l.skipSpace()
	if !bytes.HasPrefix(b[l.pos:], []byte("trailer")) {
		return nil, fmt.Errorf("no trailer after the xref table")
	}
	l.pos += len("trailer")
	t, err := l.value()
	if err != nil {
		return nil, err
	}
	doc.trailer = t.(pdfDict)
	return doc, nil
}

func (d *pdfDoc) resolve(v any) any {
	if r, ok := v.(pdfRef); ok {
		return d.objs[r.num]
	}
	return v
}

func (d *pdfDoc) dict(v any) pdfDict {
	switch x := d.resolve(v).(type) {
	case pdfDict:
		return x
	case pdfStream:
		return x.dict
	}
	return nil
}

func (s pdfStream) decoded() ([]byte, error) {
	switch f := s.dict["Filter"]; f {
	case nil:
		return s.data, nil
	case pdfName("FlateDecode"):
		r, err := zlib.NewReader(bytes.NewReader(s.data))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	default:
		return nil, fmt.Errorf("unsupported filter %v", f)
	}
}

func (d *pdfDoc) catalog() pdfDict { return d.dict(d.trailer["Root"]) }
func (d *pdfDoc) info() pdfDict    { return d.dict(d.trailer["Info"]) }

// textString decodes a PDF text string (UTF-16BE with BOM, or PDFDocEncoding ≈ Latin-1).
func textString(v any) string {
	s, _ := v.(string)
	if strings.HasPrefix(s, "\xfe\xff") {
		return decodeUTF16BE([]byte(s[2:]))
	}
	r := make([]rune, len(s))
	for i := range len(s) {
		r[i] = rune(s[i])
	}
	return string(r)
}

func decodeUTF16BE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

func (d *pdfDoc) pages() ([]pdfDict, error) {
	root := d.dict(d.catalog()["Pages"])
	kids, ok := root["Kids"].([]any)
	if !ok {
		return nil, fmt.Errorf("pages tree without /Kids")
	}
	var out []pdfDict
	for _, k := range kids {
		p := d.dict(k)
		if p["Type"] != pdfName("Page") {
			return nil, fmt.Errorf("nested page trees are not supported")
		}
		out = append(out, p)
	}
	if n, _ := root["Count"].(float64); int(n) != len(out) {
		return nil, fmt.Errorf("/Count %v but %d kids", root["Count"], len(out))
	}
	return out, nil
}

// --- fonts and text ----------------------------------------------------------------------------

// cmap maps 2-byte character codes to Unicode text, parsed from a ToUnicode CMap.
type cmap map[uint16]string

var (
	reBfRange = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	reBfChar  = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	reSection = regexp.MustCompile(`(?s)begin(bfrange|bfchar)(.*?)end(bfrange|bfchar)`)
)

func hexUint(s string) uint32 { v, _ := strconv.ParseUint(s, 16, 32); return uint32(v) }

func hexText(s string) []uint16 {
	var u []uint16
	for i := 0; i+4 <= len(s); i += 4 {
		u = append(u, uint16(hexUint(s[i:i+4])))
	}
	return u
}

// parseCMap understands bfchar and bfrange with a start destination (not the array form).
func parseCMap(b []byte) (cmap, error) {
	m := cmap{}
	for _, sec := range reSection.FindAllSubmatch(b, -1) {
		switch string(sec[1]) {
		case "bfrange":
			for _, r := range reBfRange.FindAllSubmatch(sec[2], -1) {
				lo, hi, dst := hexUint(string(r[1])), hexUint(string(r[2])), hexText(string(r[3]))
				if len(dst) == 0 || hi < lo || hi > 0xffff {
					return nil, fmt.Errorf("bad bfrange %s", r[0])
				}
				for c := lo; c <= hi; c++ {
					d := append([]uint16(nil), dst...)
					d[len(d)-1] += uint16(c - lo)
					m[uint16(c)] = string(utf16.Decode(d))
				}
			}
		case "bfchar":
			for _, r := range reBfChar.FindAllSubmatch(sec[2], -1) {
				m[uint16(hexUint(string(r[1])))] = string(utf16.Decode(hexText(string(r[2]))))
			}
		}
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("empty ToUnicode CMap")
	}
	return m, nil
}

// textRun is one string shown by Tj/TJ, at its text-space origin in points.
type textRun struct {
	x, y float64
	s    string
}

// pageRuns decodes the text on one page.
func (d *pdfDoc) pageRuns(page pdfDict) ([]textRun, error) {
	res := d.dict(page["Resources"])
	fontRes := d.dict(res["Font"])
	fonts := map[pdfName]cmap{}
	for name, ref := range fontRes {
		fd := d.dict(ref)
		if fd["Subtype"] != pdfName("Type0") || fd["Encoding"] != pdfName("Identity-H") {
			return nil, fmt.Errorf("font %s: want a Type0 Identity-H font, got %v %v", name, fd["Subtype"], fd["Encoding"])
		}
		tu, ok := d.resolve(fd["ToUnicode"]).(pdfStream)
		if !ok {
			return nil, fmt.Errorf("font %s has no ToUnicode CMap", name)
		}
		raw, err := tu.decoded()
		if err != nil {
			return nil, err
		}
		cm, err := parseCMap(raw)
		if err != nil {
			return nil, fmt.Errorf("font %s: %w", name, err)
		}
		fonts[name] = cm
	}
	cs, ok := d.resolve(page["Contents"]).(pdfStream)
	if !ok {
		return nil, fmt.Errorf("page without a content stream")
	}
	content, err := cs.decoded()
	if err != nil {
		return nil, err
	}
	var runs []textRun
	var stack []any
	var cur cmap
	var tx, ty float64
	decode := func(s string) (string, error) {
		if cur == nil {
			return "", fmt.Errorf("text shown without a font")
		}
		var sb strings.Builder
		for i := 0; i+1 < len(s); i += 2 {
			code := uint16(s[i])<<8 | uint16(s[i+1])
			u, ok := cur[code]
			if !ok {
				return "", fmt.Errorf("code %04x has no Unicode mapping", code)
			}
			sb.WriteString(u)
		}
		return sb.String(), nil
	}
	num := func(i int) float64 { f, _ := stack[len(stack)-i].(float64); return f }
	l := &pdfLexer{b: content}
	for !l.eof() {
		v, err := l.value()
		if err != nil {
			return nil, fmt.Errorf("content stream: %w", err)
		}
		op, isOp := v.(pdfOp)
		if !isOp {
			stack = append(stack, v)
			continue
		}
		switch op {
		case "BT":
			tx, ty = 0, 0
		case "Td":
			tx, ty = tx+num(2), ty+num(1)
		case "Tm":
			tx, ty = num(2), num(1)
		case "Tf":
			name, _ := stack[len(stack)-2].(pdfName)
			cur = fonts[name]
			if cur == nil {
				return nil, fmt.Errorf("unknown font %s", name)
			}
		case "Tj", "'", "\"":
			s, err := decode(stack[len(stack)-1].(string))
			if err != nil {
				return nil, err
			}
			runs = append(runs, textRun{tx, ty, s})
		case "TJ":
			var sb strings.Builder
			for _, e := range stack[len(stack)-1].([]any) {
				if s, ok := e.(string); ok {
					t, err := decode(s)
					if err != nil {
						return nil, err
					}
					sb.WriteString(t)
				} else if n, _ := e.(float64); n < -200 {
					sb.WriteString(" ") // a large kern is a word space in justified text
				}
			}
			runs = append(runs, textRun{tx, ty, sb.String()})
		}
		stack = stack[:0]
	}
	return runs, nil
}

// extractText renders the document's text as lines, top to bottom: runs whose baselines lie
// within 2 pt form one line, ordered left to right and joined by " | " (so label and value
// columns stay apart). Pages are headed "=== Seite n ===".
func extractText(b []byte) (string, error) {
	doc, err := parsePDF(b)
	if err != nil {
		return "", err
	}
	pages, err := doc.pages()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for i, p := range pages {
		runs, err := doc.pageRuns(p)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", i+1, err)
		}
		fmt.Fprintf(&out, "=== Seite %d ===\n", i+1)
		sort.SliceStable(runs, func(a, b int) bool { return runs[a].y > runs[b].y })
		for len(runs) > 0 {
			j := 1
			for j < len(runs) && math.Abs(runs[j].y-runs[0].y) <= 2 {
				j++
			}
			line := runs[:j]
			runs = runs[j:]
			sort.SliceStable(line, func(a, b int) bool { return line[a].x < line[b].x })
			var parts []string
			for _, r := range line {
				if s := strings.TrimSpace(r.s); s != "" {
					parts = append(parts, s)
				}
			}
			if len(parts) > 0 {
				out.WriteString(strings.Join(parts, " | "))
				out.WriteByte('\n')
			}
		}
	}
	return out.String(), nil
}
