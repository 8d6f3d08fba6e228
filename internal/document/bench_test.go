package document

import (
	"bytes"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

// The document benchmarks measure whole renders. BenchmarkBaselineCoreFont is the bare fpdf
// floor (one A4 page, a built-in font, nothing embedded) and BenchmarkFontLoad the part of
// every render that fpdf cannot share between documents: parsing the two TrueType fonts.
// Compare them in the same run:
//
//	go test ./internal/document -run '^$' -bench . -benchmem

func BenchmarkRender(b *testing.B) {
	for _, d := range testDocs() {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := d.render()
				if err != nil || len(out) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFontLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := fpdf.New("P", "mm", "A4", "")
		p.AliasNbPages(pageCountAlias)
		p.AddUTF8FontFromBytes(family, "", fontRegular)
		p.AddUTF8FontFromBytes(family, "B", fontBold)
		if p.Err() {
			b.Fatal(p.Error())
		}
	}
}

func BenchmarkBaselineCoreFont(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := fpdf.New("P", "mm", "A4", "")
		p.AddPage()
		p.SetFont("Helvetica", "", 10)
		for i := range 40 {
			p.SetXY(20, 20+float64(i)*6)
			p.CellFormat(170, 5, "Gewerbe-Anmeldung nach § 14 GewO", "", 0, "L", false, 0, "")
		}
		var buf bytes.Buffer
		if err := p.Output(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTemplate is a Begründung paragraph with a few placeholders, as an office stores it.
const benchTemplate = "Sie haben am {{antrag.datum}} die Erlaubnis nach {{rechtsgrundlage}} beantragt. " +
	"Die Voraussetzungen liegen vor; Versagungsgründe nach {{versagung}} bestehen nicht. " +
	"Die Gebühr von {{betrag}} beruht auf {{kostenrecht}}. Aktenzeichen: {{aktenzeichen}}."

var benchVars = map[string]string{
	"antrag.datum":    "28.11.2026",
	"rechtsgrundlage": "§ 34c Abs. 1 Satz 1 Nr. 1 GewO",
	"versagung":       "§ 34c Abs. 2 GewO",
	"betrag":          "250,00 EUR",
	"kostenrecht":     "dem Sächsischen Verwaltungskostengesetz",
	"aktenzeichen":    "32.1-34c-2026-0042",
}

// BenchmarkFillTemplate compares with BenchmarkBaselineReplacer, the same replacements by a
// prebuilt strings.Replacer (which checks nothing).
func BenchmarkFillTemplate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FillTemplate(benchTemplate, benchVars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineReplacer(b *testing.B) {
	var pairs []string
	for k, v := range benchVars {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	r := strings.NewReplacer(pairs...)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Replace(benchTemplate)
	}
}
