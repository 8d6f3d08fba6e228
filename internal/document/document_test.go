package document

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type testDoc struct {
	name   string
	render func() ([]byte, error)
	meta   docMeta
}

// docMeta is what TestStructure expects in a document's metadata.
type docMeta struct {
	title   string // contained in /Title
	ref     string // contained in /Subject
	author  string
	created string // /CreationDate and /ModDate
}

var (
	gewerbeDoc = docMeta{title: "GewO", ref: "GA-2026-004711", author: testOffice.Name, created: "D:20261128130542"}
	hundDoc    = docMeta{title: "Hund", ref: "HST-2026-000815", author: testSteueramt.Name, created: "D:20261128130542"}
)

func testDocs() []testDoc {
	return []testDoc{
		{"gewa1-einzelunternehmen", func() ([]byte, error) { return RenderGewerbeanzeige(anmeldungEinzel(), testMeta) }, gewerbeDoc},
		{"gewa1-gmbh", func() ([]byte, error) { return RenderGewerbeanzeige(anmeldungGmbH(), testMeta) }, gewerbeDoc},
		{"gewa2", func() ([]byte, error) { return RenderGewerbeanzeige(ummeldung(), testMeta) }, gewerbeDoc},
		{"gewa3", func() ([]byte, error) { return RenderGewerbeanzeige(abmeldung(), testMeta) }, gewerbeDoc},
		{"empfangsbescheinigung", func() ([]byte, error) { return RenderEmpfangsbescheinigung(testReceipt()) }, gewerbeDoc},
		{"antrag-hundesteuer", func() ([]byte, error) { return RenderAntrag(testAntrag()) }, hundDoc},
		{"eingangsbestaetigung", func() ([]byte, error) { return RenderEingangsbestaetigung(testGenericReceipt()) }, hundDoc},
		{"bescheid", func() ([]byte, error) { return RenderBescheid(testBescheid()) }, docMeta{
			title: "§ 34c GewO", ref: "32.1-34c-2026-0042", author: testOffice.Name, created: "D:20261203093000",
		}},
	}
}

// TestGolden compares the extracted text of each document with testdata/<name>.golden.
func TestGolden(t *testing.T) {
	for _, d := range testDocs() {
		t.Run(d.name, func(t *testing.T) {
			b, err := d.render()
			if err != nil {
				t.Fatal(err)
			}
			got, err := extractText(b)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", d.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("text differs from %s (go test -update rewrites it):\n%s", path, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff lists the lines only in want (-) or only in got (+), by a longest common
// subsequence of lines; enough to see what changed without a diff library.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i++
			j++
		case j < len(g) && (i == len(w) || lcs[i][j+1] >= lcs[i+1][j]):
			sb.WriteString("+ " + g[j] + "\n")
			j++
		default:
			sb.WriteString("- " + w[i] + "\n")
			i++
		}
	}
	return sb.String()
}

// TestStructure checks what every document must have: a valid header and xref table, the
// metadata, the catalog language, embedded subset fonts, and a creation date fixed to the
// filing time.
func TestStructure(t *testing.T) {
	for _, d := range testDocs() {
		t.Run(d.name, func(t *testing.T) {
			b, err := d.render()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("does not start with %%PDF-: %q", b[:min(len(b), 10)])
			}
			doc, err := parsePDF(b)
			if err != nil {
				t.Fatal(err)
			}
			if lang := textString(doc.catalog()["Lang"]); lang != "de-DE" {
				t.Errorf("catalog /Lang = %q, want de-DE", lang)
			}
			info := doc.info()
			for key, want := range map[pdfName]string{
				"Creator":      "Rathaus",
				"CreationDate": d.meta.created,
				"ModDate":      d.meta.created,
				"Author":       d.meta.author,
			} {
				if got := textString(info[key]); got != want {
					t.Errorf("/%s = %q, want %q", key, got, want)
				}
			}
			title := textString(info["Title"])
			if !strings.Contains(title, d.meta.title) {
				t.Errorf("/Title = %q", title)
			}
			if subj := textString(info["Subject"]); !strings.Contains(subj, d.meta.ref) {
				t.Errorf("/Subject = %q, want the reference in it", subj)
			}
			pages, err := doc.pages()
			if err != nil {
				t.Fatal(err)
			}
			fonts := 0
			for name, ref := range doc.dict(doc.dict(pages[0]["Resources"])["Font"]) {
				fonts++
				f := doc.dict(ref)
				desc, _ := f["DescendantFonts"].([]any)
				if len(desc) != 1 {
					t.Fatalf("font %s: no descendant font", name)
				}
				fd := doc.dict(doc.dict(desc[0])["FontDescriptor"])
				ff, ok := doc.resolve(fd["FontFile2"]).(pdfStream)
				if !ok {
					t.Fatalf("font %s is not embedded (/FontFile2 missing)", name)
				}
				data, err := ff.decoded()
				if err != nil || len(data) < 1000 || !bytes.HasPrefix(data, []byte{0, 1, 0, 0}) {
					t.Errorf("font %s: /FontFile2 is not a TrueType font (%d bytes, err %v)", name, len(data), err)
				}
			}
			if fonts != 2 {
				t.Errorf("%d fonts, want 2 (regular and bold)", fonts)
			}
		})
	}
}

// TestDeterministic renders each document twice, and concurrently, and expects identical bytes.
func TestDeterministic(t *testing.T) {
	for _, d := range testDocs() {
		t.Run(d.name, func(t *testing.T) {
			first, err := d.render()
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			results := make([][]byte, 4)
			errs := make([]error, 4)
			for i := range results {
				wg.Go(func() { results[i], errs[i] = d.render() })
			}
			wg.Wait()
			for i, r := range results {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if !bytes.Equal(first, r) {
					t.Fatalf("render %d differs from the first (%d vs %d bytes)", i+1, len(r), len(first))
				}
			}
		})
	}
}

var reLabel = regexp.MustCompile(`^(\d+(?:\.\d+)*) \| ([^|]+)`)

// formLabels returns the numbered labels of a rendered Gewerbeanzeige ("1.2 Rechtsform").
func formLabels(t *testing.T, a *gewerbe.Anzeige) []string {
	t.Helper()
	txt := gewaText(t, a)
	var out []string
	for _, l := range strings.Split(txt, "\n") {
		if m := reLabel.FindStringSubmatch(l); m != nil {
			out = append(out, m[1]+" "+strings.TrimSpace(m[2]))
		}
	}
	return out
}

// TestEveryLabelAppears renders a notice with only the required fields and the full fixture
// and expects the same numbered labels: absent values are shown as "—", never left out.
func TestEveryLabelAppears(t *testing.T) {
	minimal := func(art gewerbe.Art) *gewerbe.Anzeige {
		a := &gewerbe.Anzeige{
			Art: art,
			Betrieb: gewerbe.Betrieb{
				Rechtsform:        "einzelunternehmen",
				Betriebsstaette:   gewerbe.Anschrift{Strasse: "A", Hausnummer: "1", PLZ: "01067", Ort: "Dresden", AGS: "14612000"},
				Niederlassungsart: "hauptniederlassung",
				Betriebsart:       []string{"handel"},
			},
			Personen: []gewerbe.Person{{
				Funktion: "inhaber", Familienname: "Muster", Vornamen: "Max", Geburtsdatum: "1980-01-01",
				Staatsangehoerigkeiten: []string{"DE"},
				Anschrift:              gewerbe.Anschrift{Strasse: "A", Hausnummer: "1", PLZ: "01067", Ort: "Dresden"},
			}},
			Taetigkeit: gewerbe.Taetigkeit{Beschreibung: "Handel"},
		}
		switch art {
		case gewerbe.ArtAnmeldung:
			a.Anmeldung = &gewerbe.Anmeldung{Beginn: "2027-01-01", Grund: "neuerrichtung"}
		case gewerbe.ArtUmmeldung:
			a.Ummeldung = &gewerbe.Ummeldung{Datum: "2027-01-01", Grund: "wechsel_der_taetigkeit"}
		case gewerbe.ArtAbmeldung:
			a.Abmeldung = &gewerbe.Abmeldung{Datum: "2027-01-01", Grund: "vollstaendige_aufgabe"}
		}
		return a
	}
	for _, full := range []*gewerbe.Anzeige{anmeldungEinzel(), ummeldung(), abmeldung()} {
		t.Run(string(full.Art), func(t *testing.T) {
			got := formLabels(t, minimal(full.Art))
			want := formLabels(t, full)
			if len(want) < 40 {
				t.Fatalf("only %d labels found in the full notice; is the extraction broken?", len(want))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("labels differ between minimal and full notice:\n%s", lineDiff(strings.Join(want, "\n"), strings.Join(got, "\n")))
			}
		})
	}
}

// TestLongNoticeBreaksPages renders many persons and a long description and checks the page
// numbers and that no text line sits below the footer rule or collides with another.
func TestLongNoticeBreaksPages(t *testing.T) {
	a := anmeldungGmbH()
	for i := range 8 {
		p := a.Personen[i%2]
		p.Familienname += " " + strings.Repeat("X", i)
		a.Personen = append(a.Personen, p)
	}
	a.Taetigkeit.Beschreibung = strings.Repeat("Entwicklung von Software für Verwaltungen, Beratung und Schulung. ", 40)
	b, err := RenderGewerbeanzeige(a, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parsePDF(b)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := doc.pages()
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 4 {
		t.Fatalf("%d pages, want at least 4", len(pages))
	}
	footerPt := (pageH - footerY + 2) * 72 / 25.4 // the footer rule, in points from the bottom
	for i, p := range pages {
		runs, err := doc.pageRuns(p)
		if err != nil {
			t.Fatal(err)
		}
		wantFooter := "Seite " + strconv.Itoa(i+1) + " von " + strconv.Itoa(len(pages))
		found := false
		for _, r := range runs {
			if r.s == wantFooter {
				found = true
				continue
			}
			if r.y < footerPt && !strings.HasPrefix(r.s, "GewA 1 · Referenz") {
				t.Errorf("page %d: %q at y=%.1fpt runs into the footer", i+1, r.s, r.y)
			}
		}
		if !found {
			t.Errorf("page %d: no %q", i+1, wantFooter)
		}
		// Runs in the same column must be at least one line apart.
		for x, r := range runs {
			for _, o := range runs[x+1:] {
				if r.x == o.x && r.y != o.y && abs(r.y-o.y) < 9 {
					t.Errorf("page %d: %q and %q overlap (y %.1f / %.1f)", i+1, r.s, o.s, r.y, o.y)
				}
			}
		}
	}
	txt, _ := extractText(b)
	if strings.Count(txt, "Schulung.") != 40 {
		t.Errorf("the long description lost text when it was wrapped: %d of 40 sentences", strings.Count(txt, "Schulung."))
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestErrors(t *testing.T) {
	bad := anmeldungEinzel()
	bad.Art = "neu"
	cases := map[string]func() error{
		"nil notice":  func() error { _, err := RenderGewerbeanzeige(nil, testMeta); return err },
		"unknown art": func() error { _, err := RenderGewerbeanzeige(bad, testMeta); return err },
		"no reference": func() error {
			m := testMeta
			m.Reference = " "
			_, err := RenderGewerbeanzeige(anmeldungEinzel(), m)
			return err
		},
		"no time": func() error {
			m := testMeta
			m.FiledAt = time.Time{}
			_, err := RenderGewerbeanzeige(anmeldungEinzel(), m)
			return err
		},
		"language": func() error {
			m := testMeta
			m.Lang = "en"
			_, err := RenderGewerbeanzeige(anmeldungEinzel(), m)
			return err
		},
		"receipt art": func() error { r := testReceipt(); r.Art = ""; _, err := RenderEmpfangsbescheinigung(r); return err },
		"short digest": func() error {
			r := testReceipt()
			r.Digest = "abc"
			_, err := RenderEmpfangsbescheinigung(r)
			return err
		},
		"digest hex": func() error {
			r := testReceipt()
			r.Digest = strings.Repeat("g", 64)
			_, err := RenderEmpfangsbescheinigung(r)
			return err
		},
	}
	for name, fn := range cases {
		if fn() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestPdftotext checks with an independent extractor (poppler's pdftotext) that the text,
// including letters outside Latin-1, comes out of the PDF. It is skipped when pdftotext is
// not installed, unless RATHAUS_TEST_REQUIRE_ALL=1.
func TestPdftotext(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("RATHAUS_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("pdftotext (Debian poppler-utils) is required when RATHAUS_TEST_REQUIRE_ALL=1")
		}
		t.Skip("pdftotext not installed")
	}
	b, err := RenderGewerbeanzeige(anmeldungGmbH(), testMeta)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Łukasz Paweł", "Wróblewski", "Łódź, Polen", "Weiß", "Müller-Lüdenscheidt", "Verlegung aus anderem Meldebezirk", "Seite 1 von 3"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
}

// TestUnprintableText feeds characters the fonts lack (or fpdf cannot handle) into names: the
// render must not fail, decomposed letters are composed, and the rest shows as U+FFFD.
func TestUnprintableText(t *testing.T) {
	a := anmeldungEinzel()
	a.Personen[0].Vornamen = "Rene\u0301e 😀 \U00010000 中文"
	a.Personen[0].Funktion = "gründer 😀"
	a.Taetigkeit.Beschreibung = "Tab\tund\r\nZeilenumbruch\u0007"
	a.Betrieb.Geschaeftsbezeichnung = "{nb} \uE000"
	txt := gewaText(t, a)
	for _, want := range []string{"Vornamen | Renée \uFFFD \uFFFD \uFFFD\uFFFD", "Person 1 von 1: gründer \uFFFD", "Tab und\n", "Zeilenumbruch\n", "Geschäftsbezeichnung | {nb} \uFFFD\n"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

// FuzzRender puts arbitrary text into the free-text fields: every render must succeed and
// give a PDF whose text can be extracted.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"Müller", "😀", "\U00010000", "e\u0301", "(\\)", strings.Repeat("sehr lang ", 300), "\n\n\r\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := anmeldungGmbH()
		a.Betrieb.Name = s
		a.Personen[0].Familienname = s
		a.Taetigkeit.Beschreibung = s
		a.Taetigkeit.Weitere = []string{s}
		m := testMeta
		m.Behoerde.Name = s
		b, err := RenderGewerbeanzeige(a, m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := extractText(b); err != nil {
			t.Fatal(err)
		}
		r := testReceipt()
		r.Betrieb, r.Documents = s, []string{s}
		if _, err := RenderEmpfangsbescheinigung(r); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNamesOfManyScripts: the names of people who live in Saxony print as they are written —
// Vietnamese with its stacked diacritics, Polish, Czech, Turkish, Romanian, Greek, Cyrillic —
// and not as U+FFFD (the Go fonts lacked the Vietnamese letters).
func TestNamesOfManyScripts(t *testing.T) {
	a := anmeldungEinzel()
	a.Personen[0].Familienname, a.Personen[0].Vornamen, a.Personen[0].Geburtsort = "Nguyễn", "Thị Hải Yến", "Hải Phòng"
	a.Betrieb.Geschaeftsbezeichnung = "Łódź Şişli Ţară Žluťoučký Ελλάδα Київ"
	txt := gewaText(t, a)
	for _, want := range []string{"Nguyễn", "Thị Hải Yến", "Hải Phòng", "Łódź Şişli Ţară Žluťoučký Ελλάδα Київ"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.ContainsRune(txt, '\uFFFD') {
		t.Error("a replacement character in the text")
	}
}

// gewaText renders the form of a and returns its text.
func gewaText(t *testing.T, a *gewerbe.Anzeige) string {
	t.Helper()
	b, err := RenderGewerbeanzeige(a, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	txt, err := extractText(b)
	if err != nil {
		t.Fatal(err)
	}
	return txt
}
