package document

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // receipts state Berlin time even on hosts without a zoneinfo database

	"codeberg.org/go-pdf/fpdf"
)

// Fonts. DejaVu Sans Condensed (fonts.go) covers Latin-1, Latin Extended-A and -B, Latin
// Extended Additional (the Vietnamese letters), Greek, Cyrillic and the euro sign, which is
// what names in German registers need (DIN SPEC 91379 "String.Latin+" and more). The PDFs
// embed subsets of it (licence: fonts/LICENSE, README.md).
//
// A parse of a UTF-8 TrueType font cannot be shared between fpdf documents: fpdf v0.12.0 keeps
// the parsed font in an unexported per-document map, offers no way to copy it into another
// document, and rewrites the parse state while it subsets the font on Output (so sharing one
// parse between concurrent renders would race). What can be done once per process is done:
// the TTF bytes are compiled into the binary, so there is no file I/O per document.
// Subsetting the fonts once to the Latin ranges was measured and buys nothing, because fpdf's
// per-document font cost is dominated by fixed 64 Ki-entry width and CID-to-GID tables, the
// zlib writers for them, and a JSON hash it computes as a font id, not by the size of the
// font. BenchmarkFontLoad measures the parse: ≈2.2 ms for both fonts on the reference
// machine, of ≈8 ms for a whole render (BenchmarkRender); see README.md.
const family = "Go"

// pageCountAlias stands for the number of pages until fpdf closes the document and replaces
// it everywhere in the page content. It is a private-use character the fonts lack, so no text
// can contain it (printable replaces such characters), unlike fpdf's default "{nb}".
const pageCountAlias = "\uE000"

// berlin is the time zone of every time printed on a document.
var berlin = mustLoadLocation("Europe/Berlin")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("document: time zone %s: %v", name, err)) // tzdata is embedded
	}
	return loc
}

// Page geometry in millimetres (A4 portrait).
const (
	pageH    = 297.0
	marginL  = 20.0
	marginR  = 20.0
	contentW = 210.0 - marginL - marginR
	topY     = 18.0
	bottomY  = pageH - 22.0 // content ends here; the footer sits below
	footerY  = pageH - 15.0

	numColW = 13.0 // field number column (numbered forms only)
	labelW  = 64.0 // label column
	lineH   = 4.2  // line height of label and value text
	rowPad  = 1.0  // space above and below a row's text

	labelPt = 8.0
	valuePt = 9.5
)

// Colours (grey levels).
const (
	greyText  = 85
	greyRule  = 200
	greyBand  = 232
	blackText = 0
)

// docInfo is the metadata of one PDF.
type docInfo struct {
	Title, Subject, Author string
	Created                time.Time
	HeaderText             string // printed on top of every page but the first
	FooterText             string // printed bottom left on every page
}

// writer lays out a form on pages. It owns the fpdf document and does its own page breaks
// (fpdf's automatic break would split a label from its value).
type writer struct {
	pdf  *fpdf.Fpdf
	info docInfo
	numW float64 // width of the number column: numColW, or 0 for an unnumbered document
}

func (w *writer) valueW() float64 { return contentW - w.numW - labelW }

func newWriter(info docInfo) *writer {
	p := fpdf.New("P", "mm", "A4", "")
	w := &writer{pdf: p, info: info, numW: numColW}
	created := info.Created.UTC() // fpdf writes no UTC offset; readers take the date as UT
	// Determinism: fixed dates, sorted catalog, no random document id (fpdf writes /ID only
	// for encrypted documents).
	p.SetCatalogSort(true)
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	p.SetCompression(true)
	p.SetTitle(info.Title, true)
	p.SetSubject(info.Subject, true)
	p.SetAuthor(info.Author, true)
	p.SetCreator("Rathaus", true)
	p.SetLang("de-DE")
	p.AliasNbPages(pageCountAlias) // before the fonts: fpdf sizes their subsets by it
	p.AddUTF8FontFromBytes(family, "", fontRegular)
	p.AddUTF8FontFromBytes(family, "B", fontBold)
	p.SetMargins(marginL, topY, marginR)
	p.SetAutoPageBreak(false, 0)
	p.SetCellMargin(1)
	p.SetHeaderFunc(w.header)
	p.SetFooterFunc(w.footer)
	p.AddPage()
	return w
}

func (w *writer) header() {
	p := w.pdf
	if p.PageNo() > 1 && w.info.HeaderText != "" {
		p.SetFont(family, "", 8)
		p.SetTextColor(greyText, greyText, greyText)
		p.SetXY(marginL, 10)
		p.CellFormat(contentW, 4, w.split(w.info.HeaderText, "", 8, contentW)[0], "", 0, "L", false, 0, "")
		p.SetDrawColor(greyRule, greyRule, greyRule)
		p.SetLineWidth(0.2)
		p.Line(marginL, 15, marginL+contentW, 15)
	}
	p.SetXY(marginL, topY)
}

func (w *writer) footer() {
	p := w.pdf
	p.SetDrawColor(greyRule, greyRule, greyRule)
	p.SetLineWidth(0.2)
	p.Line(marginL, footerY-2, marginL+contentW, footerY-2)
	p.SetFont(family, "", 8)
	p.SetTextColor(greyText, greyText, greyText)
	p.SetXY(marginL, footerY)
	p.CellFormat(contentW-40, 4, w.split(w.info.FooterText, "", 8, contentW-40)[0], "", 0, "L", false, 0, "")
	// The page count is filled in when the document is closed. fpdf measures the alias, not
	// the number, so place the text as if the count had as many digits as this page number
	// (the font's digits all have the same width).
	page := fmt.Sprint(p.PageNo())
	s := "Seite " + page + " von "
	width := p.GetStringWidth(s+strings.Repeat("0", len(page))) + 2*p.GetCellMargin()
	p.SetXY(marginL+contentW-width, footerY)
	p.CellFormat(width, 4, s+pageCountAlias, "", 0, "L", false, 0, "")
}

// ensure starts a new page unless h millimetres fit above the bottom margin.
func (w *writer) ensure(h float64) {
	if w.pdf.GetY()+h > bottomY {
		w.pdf.AddPage()
	}
}

// split wraps s to the width in the given font size; it always returns at least one line.
// Every text from outside is printed through split, so through printable.
func (w *writer) split(s string, style string, pt, width float64) []string {
	w.pdf.SetFont(family, style, pt)
	var lines []string
	for _, para := range strings.Split(printable(s), "\n") {
		ls := w.pdf.SplitText(para, width)
		if len(ls) == 0 {
			ls = []string{""}
		}
		lines = append(lines, ls...)
	}
	return lines
}

// text prints one line at (x, y) in the current font.
func (w *writer) text(x, y, width float64, s, align string) {
	w.pdf.SetXY(x, y)
	w.pdf.CellFormat(width, lineH, s, "", 0, align, false, 0, "")
}

// letterhead prints the office, the title and the subtitle at the top of the first page.
func (w *writer) letterhead(o Office, title, subtitle string) {
	p := w.pdf
	y := w.officeHead(o) + 5
	p.SetTextColor(blackText, blackText, blackText)
	for _, l := range w.split(title, "B", 15, contentW) {
		p.SetXY(marginL, y)
		p.CellFormat(contentW, 7, l, "", 0, "L", false, 0, "")
		y += 7
	}
	if subtitle != "" {
		p.SetTextColor(greyText, greyText, greyText)
		for _, l := range w.split(subtitle, "", 9, contentW) {
			w.text(marginL, y, contentW, l, "L")
			y += 4.2
		}
	}
	p.SetY(y + 4)
}

// officeHead prints the office's name, address and contact with a rule below, from the top
// of the page, and returns the y of the rule.
func (w *writer) officeHead(o Office) float64 {
	p := w.pdf
	p.SetTextColor(blackText, blackText, blackText)
	y := topY
	for _, l := range w.split(clean(o.Name, false), "B", 11, contentW) {
		w.text(marginL, y, contentW, l, "L")
		y += 5
	}
	var parts []string
	if addr := strings.TrimSpace(clean(o.Strasse, false) + ", " + strings.TrimSpace(clean(o.PLZ, false)+" "+clean(o.Ort, false))); addr != "," {
		parts = append(parts, strings.Trim(addr, ", "))
	}
	if o.Telefon != "" {
		parts = append(parts, "Telefon "+clean(o.Telefon, false))
	}
	if o.Email != "" {
		parts = append(parts, clean(o.Email, false))
	}
	p.SetTextColor(greyText, greyText, greyText)
	for _, l := range w.split(strings.Join(parts, " · "), "", 9, contentW) {
		w.text(marginL, y, contentW, l, "L")
		y += 4.2
	}
	y += 2
	p.SetDrawColor(greyRule, greyRule, greyRule)
	p.SetLineWidth(0.3)
	p.Line(marginL, y, marginL+contentW, y)
	return y
}

// section prints a numbered section heading on a grey band, wrapped when it is long (the
// titles of an Antrag come from form definitions). It keeps the heading together with the
// first rows that follow.
func (w *writer) section(num, title string) {
	p := w.pdf
	lines := w.split(title, "B", 11, contentW-numColW)
	lines = lines[:min(len(lines), 4)]
	const wrapH = 5.5 // each further line of a wrapped heading
	bandH := 7 + float64(len(lines)-1)*wrapH
	w.ensure(bandH + 2 + 3*(lineH+2*rowPad))
	y := p.GetY() + 2
	p.SetFillColor(greyBand, greyBand, greyBand)
	p.Rect(marginL, y, contentW, bandH, "F")
	p.SetTextColor(blackText, blackText, blackText)
	p.SetFont(family, "B", 11)
	x, width := marginL, contentW
	if num != "" {
		p.SetXY(marginL, y)
		p.CellFormat(numColW, 7, num, "", 0, "L", false, 0, "")
		x, width = marginL+numColW, contentW-numColW
	}
	for i, l := range lines {
		p.SetXY(x, y+float64(i)*wrapH)
		p.CellFormat(width, 7, l, "", 0, "L", false, 0, "")
	}
	p.SetY(y + bandH + 1)
}

// block prints a sub-heading inside a section (one per person), kept together with the
// first rows that follow. A block may continue on the next page: moving a whole person to a
// new page would leave half-empty pages.
func (w *writer) block(num, title string) {
	p := w.pdf
	title = w.split(title, "B", 10, contentW-w.numW)[0]
	w.ensure(7 + 3*(lineH+2*rowPad))
	y := p.GetY() + 1.5
	p.SetTextColor(blackText, blackText, blackText)
	p.SetFont(family, "B", 10)
	p.SetXY(marginL, y)
	p.CellFormat(w.numW, 5.5, num, "", 0, "L", false, 0, "")
	p.CellFormat(contentW-w.numW, 5.5, title, "", 0, "L", false, 0, "")
	y += 5.5
	p.SetDrawColor(120, 120, 120)
	p.SetLineWidth(0.3)
	p.Line(marginL, y, marginL+contentW, y)
	p.SetY(y + 0.5)
}

// row prints one field: number, label and value side by side, each wrapped in its column.
// Rows of up to 12 lines stay on one page; a longer value continues on the next page.
func (w *writer) row(num, label, value string) {
	p := w.pdf
	labLines := w.split(label, "", labelPt, labelW)
	valLines := w.split(value, "", valuePt, w.valueW())
	n := max(len(labLines), len(valLines))
	if n <= 12 {
		w.ensure(float64(n)*lineH + 2*rowPad)
	}
	y := p.GetY() + rowPad
	for i := range n {
		if y+lineH > bottomY {
			p.AddPage()
			y = p.GetY() + rowPad
		}
		p.SetFont(family, "", labelPt)
		p.SetTextColor(greyText, greyText, greyText)
		if i == 0 && num != "" {
			w.text(marginL, y, w.numW, num, "L")
		}
		if i < len(labLines) {
			w.text(marginL+w.numW, y, labelW, labLines[i], "L")
		}
		p.SetFont(family, "", valuePt)
		p.SetTextColor(blackText, blackText, blackText)
		if i < len(valLines) {
			w.text(marginL+w.numW+labelW, y, w.valueW(), valLines[i], "L")
		}
		y += lineH
	}
	y += rowPad
	p.SetDrawColor(greyRule, greyRule, greyRule)
	p.SetLineWidth(0.15)
	p.Line(marginL, y, marginL+contentW, y)
	p.SetY(y)
}

// wide prints a label with its value below it at full width (for values that must stay on
// one line, such as a hash).
func (w *writer) wide(label, value string, style string, pt float64) {
	p := w.pdf
	valLines := w.split(value, style, pt, contentW-w.numW)
	w.ensure(lineH + float64(len(valLines))*5.2 + 2*rowPad)
	y := p.GetY() + rowPad
	p.SetFont(family, "", labelPt)
	p.SetTextColor(greyText, greyText, greyText)
	w.text(marginL+w.numW, y, contentW-w.numW, label, "L")
	y += lineH
	p.SetFont(family, style, pt)
	p.SetTextColor(blackText, blackText, blackText)
	for _, l := range valLines {
		p.SetXY(marginL+w.numW, y)
		p.CellFormat(contentW-w.numW, 5.2, l, "", 0, "L", false, 0, "")
		y += 5.2
	}
	y += rowPad
	p.SetDrawColor(greyRule, greyRule, greyRule)
	p.SetLineWidth(0.15)
	p.Line(marginL, y, marginL+contentW, y)
	p.SetY(y)
}

// paragraph prints running text over the full content width.
func (w *writer) paragraph(s string, style string, pt float64) {
	p := w.pdf
	lh := pt * 0.5
	lines := w.split(s, style, pt, contentW)
	y := p.GetY() + 2
	p.SetTextColor(blackText, blackText, blackText)
	for _, l := range lines {
		if y+lh > bottomY {
			p.AddPage()
			y = p.GetY()
		}
		p.SetFont(family, style, pt)
		p.SetXY(marginL, y)
		p.CellFormat(contentW, lh, l, "", 0, "L", false, 0, "")
		y += lh
	}
	p.SetY(y)
}

func (w *writer) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := w.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("document: write PDF: %w", err)
	}
	return buf.Bytes(), nil
}
