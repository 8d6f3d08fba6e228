package document

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// longBescheid has enough Begründung to run over several pages.
func longBescheid() Bescheid {
	b := testBescheid()
	b.Begruendung = nil
	for i := range 30 {
		b.Begruendung = append(b.Begruendung, "Absatz "+strconv.Itoa(i+1)+": "+
			strings.Repeat("Die Prüfung der eingereichten Unterlagen hat ergeben, dass die Voraussetzungen vorliegen. ", 1+i%4))
	}
	return b
}

// pageTexts returns each page's text runs.
func pageTexts(t *testing.T, b []byte) [][]textRun {
	t.Helper()
	doc, err := parsePDF(b)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := doc.pages()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]textRun
	for _, p := range pages {
		runs, err := doc.pageRuns(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, runs)
	}
	return out
}

// fromTop converts a run's baseline to millimetres from the top of the page.
func fromTop(r textRun) float64  { return pageH - r.y*25.4/72 }
func fromLeft(r textRun) float64 { return r.x * 25.4 / 72 }

// findRun returns the first run on the page that starts with prefix.
func findRun(runs []textRun, prefix string) (textRun, bool) {
	for _, r := range runs {
		if strings.HasPrefix(r.s, prefix) {
			return r, true
		}
	}
	return textRun{}, false
}

// TestBescheidLayout checks the DIN 5008 form B geometry of the first page: the sender line
// and the address inside the window, the information block on the right beside it, and the
// Betreff below both.
func TestBescheidLayout(t *testing.T) {
	b, err := RenderBescheid(testBescheid())
	if err != nil {
		t.Fatal(err)
	}
	page := pageTexts(t, b)[0]
	type box struct{ left, right, top, bottom float64 }
	window := box{20, 110, zusatzTop, anschriftEnd} // the window of a DL envelope, 90 × 45 mm
	for _, c := range []struct {
		prefix string
		in     box
	}{
		{"Landeshauptstadt Dresden, Gewerbeamt · Theaterstraße 11 · 01067 Dresden", box{window.left, window.right, zusatzTop, anschriftTop}},
		{"Herrn", box{window.left + 4, window.right, anschriftTop, window.bottom}},
		{"Jürgen Weiß", box{window.left + 4, window.right, anschriftTop, window.bottom}},
		{"01099 Dresden", box{window.left + 4, window.right, anschriftTop, window.bottom}},
		{"Aktenzeichen", box{infoX, 190, infoTop, window.bottom}},
		{"32.1-34c-2026-0042", box{infoX + infoLabelW, 190, infoTop, window.bottom}},
		{"03.12.2026", box{infoX + infoLabelW, 190, infoTop, window.bottom}},
		{"Frau Łucja Kowalski", box{infoX + infoLabelW, 190, infoTop, window.bottom}},
		{"0351 488-4711", box{infoX + infoLabelW, 190, infoTop, window.bottom}},
		{"gewerbeamt@dresden.example", box{infoX + infoLabelW, 190, infoTop, window.bottom}},
		{"Erlaubnis nach § 34c GewO (Immobilienmakler)", box{marginL, 190, betreffTop, betreffTop + 8}},
	} {
		r, ok := findRun(page, c.prefix)
		if !ok {
			t.Errorf("no %q on page 1", c.prefix)
			continue
		}
		x, y := fromLeft(r), fromTop(r)
		if x < c.in.left || x > c.in.right || y < c.in.top || y > c.in.bottom {
			t.Errorf("%q at %.1f mm from the left, %.1f mm from the top; want within %+v", c.prefix, x, y, c.in)
		}
	}
}

// TestBescheidPageBreaks renders decisions of growing length, so that the page breaks fall
// everywhere, and checks the page numbers and header, that nothing runs into the footer,
// that no text is lost, that a heading is never left alone at the bottom of a page and that
// the closing stays together with the note on the electronic decision.
func TestBescheidPageBreaks(t *testing.T) {
	footerPt := (pageH - footerY + 2) * 72 / 25.4
	for n := 10; n <= 30; n++ {
		bs := longBescheid()
		bs.Begruendung = bs.Begruendung[:n]
		b, err := RenderBescheid(bs)
		if err != nil {
			t.Fatal(err)
		}
		pages := pageTexts(t, b)
		if len(pages) < 2 {
			t.Fatalf("%d paragraphs: %d pages, want at least 2", n, len(pages))
		}
		pageOf := map[string]int{}
		for i, runs := range pages {
			footer := "Seite " + strconv.Itoa(i+1) + " von " + strconv.Itoa(len(pages))
			if _, ok := findRun(runs, footer); !ok {
				t.Errorf("%d paragraphs, page %d: no %q", n, i+1, footer)
			}
			if _, ok := findRun(runs, "Bescheid vom 03.12.2026 · Aktenzeichen 32.1-34c-2026-0042"); !ok {
				t.Errorf("%d paragraphs, page %d: no header or footer with the Aktenzeichen", n, i+1)
			}
			for _, r := range runs {
				if r.y < footerPt && !strings.HasPrefix(r.s, "Seite ") && !strings.HasPrefix(r.s, "Bescheid vom") {
					t.Errorf("%d paragraphs, page %d: %q runs into the footer", n, i+1, r.s)
				}
				for _, key := range []string{"Begründung", "Absatz 1:", "Rechtsbehelfsbelehrung", "Gegen diesen Bescheid", "Im Auftrag", "Łucja Kowalski", "Dieser Bescheid wurde"} {
					if strings.HasPrefix(r.s, key) {
						if _, seen := pageOf[key]; !seen {
							pageOf[key] = i + 1
						}
					}
				}
			}
		}
		for _, pair := range [][2]string{
			{"Begründung", "Absatz 1:"},
			{"Rechtsbehelfsbelehrung", "Gegen diesen Bescheid"},
			{"Im Auftrag", "Dieser Bescheid wurde"},
		} {
			if pageOf[pair[0]] == 0 || pageOf[pair[0]] != pageOf[pair[1]] {
				t.Errorf("%d paragraphs: %q on page %d, %q on page %d", n, pair[0], pageOf[pair[0]], pair[1], pageOf[pair[1]])
			}
		}
		txt, err := extractText(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(txt, "Voraussetzungen vorliegen."); got != wantSentences(n) {
			t.Errorf("%d paragraphs: %d sentences, want %d", n, got, wantSentences(n))
		}
	}
}

func wantSentences(n int) int {
	s := 0
	for i := range n {
		s += 1 + i%4
	}
	return s
}

// TestBescheidContent checks the parts that depend on the input: the default
// Rechtsbehelfsbelehrung names the office, a given one replaces it, the fee is the last
// numbered Tenor item, a single item is not numbered, and without Begründung there is no
// heading for it.
func TestBescheidContent(t *testing.T) {
	text := func(b Bescheid) string {
		t.Helper()
		pdf, err := RenderBescheid(b)
		if err != nil {
			t.Fatal(err)
		}
		txt, err := extractText(pdf)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(txt, "\n", " ")
	}
	full := text(testBescheid())
	for _, want := range []string{
		"zur Niederschrift bei Landeshauptstadt Dresden, Gewerbeamt, Theaterstraße 11, 01067 Dresden, einzulegen.",
		"1. | Ihnen wird die Erlaubnis nach § 34c Abs. 1 Satz 1 Nr. 1 der Gewerbeordnung (GewO) erteilt",
		"3. | Für diesen Bescheid wird eine Gebühr von 250,00 EUR festgesetzt.",
		"Im Auftrag Łucja Kowalski Dieser Bescheid wurde elektronisch erstellt und ist ohne Unterschrift gültig.",
	} {
		if !strings.Contains(full, want) {
			t.Errorf("text lacks %q:\n%s", want, full)
		}
	}

	b := testBescheid()
	b.Tenor = b.Tenor[:1]
	b.Gebuehr = ""
	b.Begruendung = []string{" ", ""}
	b.Rechtsbehelfsbelehrung = "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim Verwaltungsgericht Dresden erhoben werden."
	b.Unterschrift = ""
	b.Behoerde.Strasse = "" // not needed with a given Rechtsbehelfsbelehrung
	short := text(b)
	for _, bad := range []string{"1. |", "Begründung", "Widerspruch", "Im Auftrag"} {
		if strings.Contains(short, bad) {
			t.Errorf("text has %q:\n%s", bad, short)
		}
	}
	for _, want := range []string{"Klage beim Verwaltungsgericht Dresden", "Dieser Bescheid wurde elektronisch erstellt"} {
		if !strings.Contains(short, want) {
			t.Errorf("text lacks %q:\n%s", want, short)
		}
	}
}

func TestNewDocumentErrors(t *testing.T) {
	antrag := func(mod func(*Antrag)) func() error {
		return func() error { a := testAntrag(); mod(&a); _, err := RenderAntrag(a); return err }
	}
	receipt := func(mod func(*GenericReceipt)) func() error {
		return func() error { r := testGenericReceipt(); mod(&r); _, err := RenderEingangsbestaetigung(r); return err }
	}
	bescheid := func(mod func(*Bescheid)) func() error {
		return func() error { b := testBescheid(); mod(&b); _, err := RenderBescheid(b); return err }
	}
	cases := map[string]func() error{
		"antrag no title":         antrag(func(a *Antrag) { a.Title = " \n" }),
		"antrag no reference":     antrag(func(a *Antrag) { a.Reference = "" }),
		"antrag no time":          antrag(func(a *Antrag) { a.FiledAt = time.Time{} }),
		"antrag short key":        antrag(func(a *Antrag) { a.Leistung = "9902400500000" }),
		"antrag key not 99":       antrag(func(a *Antrag) { a.Leistung = "12345678901234" }),
		"antrag no sections":      antrag(func(a *Antrag) { a.Sections = nil }),
		"antrag section title":    antrag(func(a *Antrag) { a.Sections[1].Title = "" }),
		"antrag row label":        antrag(func(a *Antrag) { a.Sections[0].Rows[2].Label = "\t" }),
		"receipt no title":        receipt(func(r *GenericReceipt) { r.Title = "" }),
		"receipt no reference":    receipt(func(r *GenericReceipt) { r.Reference = " " }),
		"receipt no time":         receipt(func(r *GenericReceipt) { r.FiledAt = time.Time{} }),
		"receipt key":             receipt(func(r *GenericReceipt) { r.Leistung = "99 024005000000" }),
		"receipt digest":          receipt(func(r *GenericReceipt) { r.Digest = "" }),
		"bescheid no reference":   bescheid(func(b *Bescheid) { b.Reference = "" }),
		"bescheid no date":        bescheid(func(b *Bescheid) { b.Datum = time.Time{} }),
		"bescheid no Betreff":     bescheid(func(b *Bescheid) { b.Betreff = "  " }),
		"bescheid no addressee":   bescheid(func(b *Bescheid) { b.Empfaenger.Name = "" }),
		"bescheid no Tenor":       bescheid(func(b *Bescheid) { b.Tenor = nil }),
		"bescheid blank Tenor":    bescheid(func(b *Bescheid) { b.Tenor = append(b.Tenor, " ") }),
		"bescheid office address": bescheid(func(b *Bescheid) { b.Behoerde.PLZ = "" }),
		"bescheid office name":    bescheid(func(b *Bescheid) { b.Behoerde.Name = "" }),
	}
	for name, fn := range cases {
		if fn() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// What may be left out.
	ok := map[string]func() error{
		"antrag without key, fee and attachments": antrag(func(a *Antrag) { a.Leistung, a.Fee, a.Attachments = "", "", nil }),
		"receipt without key":                     receipt(func(r *GenericReceipt) { r.Leistung = "" }),
		"bescheid without Sachbearbeitung":        bescheid(func(b *Bescheid) { b.Sachbearbeitung = Sachbearbeitung{} }),
		"bescheid without address lines":          bescheid(func(b *Bescheid) { b.Empfaenger = Empfaenger{Name: "Jürgen Weiß"} }),
	}
	for name, fn := range ok {
		if err := fn(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzRenderLetters puts arbitrary text into the free-text fields of the new documents.
func FuzzRenderLetters(f *testing.F) {
	for _, s := range []string{"Müller", "😀", "\U00010000", "e\u0301", "{{x}}", strings.Repeat("sehr lang ", 300), "\n\n\r\t", strings.Repeat("x", 500)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := testAntrag()
		a.Sections[0].Rows[0].Value = s
		a.Sections = append(a.Sections, Section{Title: "x" + s, Rows: []Row{{Label: "y" + s, Value: s}}})
		a.Attachments = []string{s}
		a.Fee = s
		if _, err := RenderAntrag(a); err != nil {
			t.Fatal(err)
		}
		b := testBescheid()
		b.Behoerde.Name = "Amt " + s
		b.Empfaenger = Empfaenger{Name: "N" + s, Strasse: s, PLZ: s, Ort: s}
		b.Sachbearbeitung = Sachbearbeitung{Name: s, Telefon: s, Email: s}
		b.Betreff = "B" + s
		b.Tenor = []string{"T" + s}
		b.Begruendung = []string{s}
		b.Unterschrift = s
		pdf, err := RenderBescheid(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := extractText(pdf); err != nil {
			t.Fatal(err)
		}
	})
}
