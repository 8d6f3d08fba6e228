package document

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bescheid is a formal administrative decision, laid out as a German official letter.
// Tenor and Begründung usually come from an office's templates (FillTemplate).
type Bescheid struct {
	Behoerde        Office // the deciding office: letterhead, sender line, Rechtsbehelfsbelehrung
	Sachbearbeitung Sachbearbeitung
	Empfaenger      Empfaenger
	Reference       string    // the Aktenzeichen
	Datum           time.Time // date of the decision (printed as the Berlin date); also the PDF's creation date
	Betreff         string
	Tenor           []string // the decision, one paragraph per item, numbered when more than one
	Begruendung     []string // paragraphs of the statement of reasons; may be empty (§ 39 Abs. 2 VwVfG)
	// Gebuehr is the fee decision, e.g. "Für diesen Bescheid wird eine Gebühr von 25,00 EUR
	// festgesetzt. Kassenzeichen: …". It is part of the decision, so it is printed as the
	// last item of the Tenor. Empty for a decision without a fee.
	Gebuehr string
	// Rechtsbehelfsbelehrung is the notice of the available remedy. When empty, the standard
	// Widerspruch text naming the office and its address is printed: it fits only where the
	// Land has kept the Widerspruchsverfahren for the decision at hand; elsewhere the office
	// must give its own text (Klage before the Verwaltungsgericht).
	Rechtsbehelfsbelehrung string
	Unterschrift           string // closing lines, e.g. "Im Auftrag\nMax Muster"; may be empty
}

// Sachbearbeitung is the official handling a case, printed in a letter's information block.
type Sachbearbeitung struct {
	Name    string
	Telefon string // direct line; the office's number when empty
	Email   string // the office's address when empty
}

// Empfaenger is the addressee of a letter as printed in the address field.
type Empfaenger struct {
	Name    string // may hold several lines (a company and a person in it)
	Strasse string // street and house number, or a Postfach
	PLZ     string
	Ort     string
}

// elektronischVermerk closes every Bescheid: it is rendered by machine and carries no
// handwritten signature.
const elektronischVermerk = "Dieser Bescheid wurde elektronisch erstellt und ist ohne Unterschrift gültig."

// Letter geometry in millimetres, after DIN 5008 form B (the address field of a window
// envelope DL or C6/5 with the window 45 mm from the top).
const (
	addrX        = marginL + 4 // address text 5 mm inside the window, with the cell margin
	addrW        = 85.0 - 4
	senderW      = 90.0 - 5 // the sender line may use the window's width
	zusatzTop    = 45.0     // Zusatz- und Vermerkzone: the sender line sits at its bottom
	anschriftTop = 62.7     // Anschriftzone, six lines
	anschriftEnd = 90.0
	infoX        = 125.0 // information block on the right, to 10 mm from the edge
	infoRight    = 200.0
	infoTop      = 50.0
	infoLabelW   = 24.0
	betreffTop   = 98.5
	foldMark1    = 105.0 // Falzmarken and Lochmarke at the left edge
	foldMark2    = 210.0
	holeMark     = 148.5

	letterPt  = 10.0 // body text
	letterLH  = 4.8  // its line height
	numIndent = 7.0  // hanging indent of numbered Tenor items
)

// RenderBescheid renders a decision as an official letter and returns the PDF: letterhead,
// sender line above the address field, the address on the left and the information block
// (Aktenzeichen, Datum, Sachbearbeitung, Telefon, E-Mail) on the right, the Betreff in bold,
// then the Tenor, the Begründung, the Rechtsbehelfsbelehrung, the closing and the note that
// the decision was made electronically and is valid without a signature. Pages after the
// first carry the Aktenzeichen on top; every page is numbered. The output is deterministic.
//
// It returns an error for an empty reference, Betreff or addressee name, a zero Datum, no
// Tenor or a blank Tenor item, or, when the default Rechtsbehelfsbelehrung is needed, an
// office without name and full address.
func RenderBescheid(b Bescheid) ([]byte, error) {
	if err := checkMeta(b.Reference, b.Datum, ""); err != nil {
		return nil, err
	}
	betreff := clean(b.Betreff, true)
	if betreff == "" {
		return nil, errors.New("document: Bescheid without a Betreff")
	}
	if clean(b.Empfaenger.Name, true) == "" {
		return nil, errors.New("document: Bescheid without an addressee")
	}
	if len(b.Tenor) == 0 {
		return nil, errors.New("document: Bescheid without a Tenor")
	}
	var tenor []string
	for i, t := range b.Tenor {
		if t = clean(t, true); t == "" {
			return nil, fmt.Errorf("document: Tenor item %d is blank", i+1)
		}
		tenor = append(tenor, t)
	}
	if g := clean(b.Gebuehr, true); g != "" {
		tenor = append(tenor, g)
	}
	rbb := clean(b.Rechtsbehelfsbelehrung, true)
	if rbb == "" {
		var err error
		if rbb, err = widerspruchsbelehrung(b.Behoerde); err != nil {
			return nil, err
		}
	}

	ref := clean(b.Reference, false)
	datum := b.Datum.In(berlin).Format("02.01.2006")
	w := newWriter(docInfo{
		Title:      strings.ReplaceAll(betreff, "\n", " "),
		Subject:    "Bescheid vom " + datum + ", Aktenzeichen " + ref,
		Author:     clean(b.Behoerde.Name, false),
		Created:    b.Datum,
		HeaderText: "Bescheid vom " + datum + " · Aktenzeichen " + ref,
		FooterText: "Bescheid vom " + datum + " · Aktenzeichen " + ref,
	})
	w.numW = 0
	w.officeHead(b.Behoerde)
	w.foldMarks()
	w.senderLine(b.Behoerde)
	w.addressField(b.Empfaenger)
	infoEnd := w.infoBlock(b, ref, datum)

	// The Betreff follows two blank lines after the address field or the information block,
	// whichever ends lower.
	w.pdf.SetY(max(betreffTop, infoEnd+2*letterLH))
	w.letterText("", betreff, "B", 0)
	for i, t := range tenor {
		num := ""
		if len(tenor) > 1 {
			num = strconv.Itoa(i+1) + "."
		}
		w.letterText(num, t, "", letterLH)
	}
	var begruendung []string
	for _, p := range b.Begruendung {
		if p = clean(p, true); p != "" {
			begruendung = append(begruendung, p)
		}
	}
	if len(begruendung) > 0 {
		w.letterHeading("Begründung")
		for i, p := range begruendung {
			space := letterLH / 2
			if i == 0 {
				space = 0
			}
			w.letterText("", p, "", space)
		}
	}
	w.letterHeading("Rechtsbehelfsbelehrung")
	w.letterText("", rbb, "", 0)
	w.closing(clean(b.Unterschrift, true))
	return w.bytes()
}

// widerspruchsbelehrung is the standard notice of the Widerspruch (§§ 58, 70 VwGO) naming
// the office with which it is lodged.
func widerspruchsbelehrung(o Office) (string, error) {
	name, strasse := clean(o.Name, false), clean(o.Strasse, false)
	ort := strings.TrimSpace(clean(o.PLZ, false) + " " + clean(o.Ort, false))
	if name == "" || strasse == "" || clean(o.PLZ, false) == "" || clean(o.Ort, false) == "" {
		return "", errors.New("document: the default Rechtsbehelfsbelehrung needs the office's name and full address")
	}
	return "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden. " +
		"Der Widerspruch ist schriftlich oder zur Niederschrift bei " + name + ", " + strasse + ", " + ort + ", einzulegen.", nil
}

// foldMarks draws the two fold marks and the hole mark at the left edge of the page.
func (w *writer) foldMarks() {
	p := w.pdf
	p.SetDrawColor(120, 120, 120)
	p.SetLineWidth(0.2)
	p.Line(4, foldMark1, 8, foldMark1)
	p.Line(4, holeMark, 10, holeMark)
	p.Line(4, foldMark2, 8, foldMark2)
}

// senderLine prints the return address small and underlined at the bottom of the
// Zusatz- und Vermerkzone, where it shows in the envelope's window.
func (w *writer) senderLine(o Office) {
	p := w.pdf
	var parts []string
	for _, s := range []string{o.Name, o.Strasse, strings.TrimSpace(clean(o.PLZ, false) + " " + clean(o.Ort, false))} {
		if s = clean(s, false); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return
	}
	// One line in the largest size that fits, from 7 down to 6 pt; else wrapped at 6 pt.
	sender := strings.Join(parts, " · ")
	var pt float64
	var lines []string
	for _, pt = range []float64{7, 6.5, 6} {
		if lines = w.split(sender, "", pt, senderW); len(lines) == 1 {
			break
		}
	}
	lines = lines[:min(len(lines), 3)]
	const lh = 3.2
	y := anschriftTop - 1.5 - float64(len(lines))*lh
	p.SetTextColor(greyText, greyText, greyText)
	p.SetFont(family, "", pt)
	for _, l := range lines {
		p.SetXY(addrX, y)
		p.CellFormat(senderW, lh, l, "", 0, "L", false, 0, "")
		y += lh
	}
	width := 0.0
	for _, l := range lines {
		width = max(width, p.GetStringWidth(l))
	}
	p.SetDrawColor(greyText, greyText, greyText)
	p.SetLineWidth(0.15)
	p.Line(addrX+1, y+0.3, addrX+1+min(senderW-2, width), y+0.3)
}

// addressField prints the addressee in the Anschriftzone: at most six lines, the name
// shortened first so that street and place always show.
func (w *writer) addressField(e Empfaenger) {
	p := w.pdf
	var tail []string
	for _, s := range []string{e.Strasse, strings.TrimSpace(clean(e.PLZ, false) + " " + clean(e.Ort, false))} {
		if s = clean(s, false); s != "" {
			tail = append(tail, w.split(s, "", letterPt, addrW)[0])
		}
	}
	name := w.split(clean(e.Name, true), "", letterPt, addrW)
	lines := append(name[:min(len(name), 6-len(tail))], tail...)
	p.SetTextColor(blackText, blackText, blackText)
	p.SetFont(family, "", letterPt)
	y := anschriftTop + 1
	for _, l := range lines {
		p.SetXY(addrX, y)
		p.CellFormat(addrW, 4.2, l, "", 0, "L", false, 0, "")
		y += 4.2
	}
}

// infoBlock prints the reference, date and contact on the right and returns where it ends.
func (w *writer) infoBlock(b Bescheid, ref, datum string) float64 {
	p := w.pdf
	telefon, email := clean(b.Sachbearbeitung.Telefon, false), clean(b.Sachbearbeitung.Email, false)
	if telefon == "" {
		telefon = clean(b.Behoerde.Telefon, false)
	}
	if email == "" {
		email = clean(b.Behoerde.Email, false)
	}
	rows := []field{fld("Aktenzeichen", ref), fld("Datum", datum)}
	for _, r := range []field{
		fld("Sachbearbeitung", clean(b.Sachbearbeitung.Name, false)),
		fld("Telefon", telefon),
		fld("E-Mail", email),
	} {
		if r.value != "" {
			rows = append(rows, r)
		}
	}
	valueW := infoRight - infoX - infoLabelW
	y := infoTop
	for _, r := range rows {
		vals := w.split(r.value, "", 9, valueW)
		vals = vals[:min(len(vals), 3)]
		p.SetFont(family, "", labelPt)
		p.SetTextColor(greyText, greyText, greyText)
		w.text(infoX, y, infoLabelW, r.label, "L")
		p.SetFont(family, "", 9)
		p.SetTextColor(blackText, blackText, blackText)
		for _, v := range vals {
			w.text(infoX+infoLabelW, y, valueW, v, "L")
			y += lineH
		}
	}
	return y
}

// letterHeading prints a bold heading in the body, kept together with two lines of the
// text that follows.
func (w *writer) letterHeading(s string) {
	w.ensure(2*letterLH + 3*letterLH)
	w.letterText("", s, "B", letterLH)
}

// letterText prints a paragraph of body text after spaceBefore millimetres, with a hanging
// number when num is set, breaking pages between lines but not after a paragraph's first.
func (w *writer) letterText(num, s, style string, spaceBefore float64) {
	p := w.pdf
	indent := 0.0
	if num != "" {
		indent = numIndent
	}
	lines := w.split(s, style, letterPt, contentW-indent)
	w.ensure(spaceBefore + float64(min(len(lines), 2))*letterLH)
	if p.PageNo() > 1 && p.GetY() == topY {
		spaceBefore = 0 // no space above the first paragraph of a page
	}
	y := p.GetY() + spaceBefore
	p.SetTextColor(blackText, blackText, blackText)
	for i, l := range lines {
		if y+letterLH > bottomY {
			p.AddPage()
			y = p.GetY()
		}
		p.SetFont(family, style, letterPt)
		if i == 0 && num != "" {
			w.textH(marginL, y, indent, letterLH, num)
		}
		w.textH(marginL+indent, y, contentW-indent, letterLH, l)
		y += letterLH
	}
	p.SetY(y)
}

// closing prints the closing lines and the note on the electronic decision, kept together.
func (w *writer) closing(unterschrift string) {
	p := w.pdf
	var lines []string
	if unterschrift != "" {
		lines = w.split(unterschrift, "", letterPt, contentW)
	}
	note := w.split(elektronischVermerk, "", 8.5, contentW)
	h := 2*letterLH + float64(len(lines))*letterLH + letterLH/2 + float64(len(note))*4.2
	if h <= bottomY-topY {
		w.ensure(h)
	}
	y := p.GetY() + 2*letterLH
	p.SetTextColor(blackText, blackText, blackText)
	for _, l := range lines {
		if y+letterLH > bottomY {
			p.AddPage()
			y = p.GetY()
		}
		p.SetFont(family, "", letterPt)
		w.textH(marginL, y, contentW, letterLH, l)
		y += letterLH
	}
	y += letterLH / 2
	p.SetTextColor(greyText, greyText, greyText)
	for _, l := range note {
		if y+4.2 > bottomY {
			p.AddPage()
			y = p.GetY()
		}
		p.SetFont(family, "", 8.5)
		w.textH(marginL, y, contentW, 4.2, l)
		y += 4.2
	}
	p.SetY(y)
}

// textH prints one line at (x, y) with the given line height in the current font.
func (w *writer) textH(x, y, width, h float64, s string) {
	w.pdf.SetXY(x, y)
	w.pdf.CellFormat(width, h, s, "", 0, "L", false, 0, "")
}
