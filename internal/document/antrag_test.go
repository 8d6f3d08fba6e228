package document

import (
	"strconv"
	"strings"
	"testing"
)

// TestAntragLong renders an application with a long section title and many rows: the title
// wraps instead of being cut, every row is printed once with its number, and every page is
// numbered.
func TestAntragLong(t *testing.T) {
	a := testAntrag()
	title := strings.Repeat("Angaben zu weiteren im Haushalt gehaltenen Hunden ", 4) + "ENDE"
	s := Section{Title: title}
	for i := range 60 {
		s.Rows = append(s.Rows, Row{Label: "Hund " + strconv.Itoa(i+1), Value: "Rasse\nFarbe"})
	}
	a.Sections = append(a.Sections, s)
	b, err := RenderAntrag(a)
	if err != nil {
		t.Fatal(err)
	}
	txt, err := extractText(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ReplaceAll(txt, "\n", " "), "5 | "+title) {
		t.Errorf("the long section title is not printed whole:\n%s", txt)
	}
	for i := range 60 {
		if want := "5." + strconv.Itoa(i+1) + " | Hund " + strconv.Itoa(i+1) + " | Rasse\n"; strings.Count(txt, want) != 1 {
			t.Errorf("row %q appears %d times", want, strings.Count(txt, want))
		}
	}
	pages := strings.Count(txt, "=== Seite ")
	if pages < 2 {
		t.Fatalf("%d pages, want at least 2", pages)
	}
	for i := 1; i <= pages; i++ {
		if !strings.Contains(txt, "Seite "+strconv.Itoa(i)+" von "+strconv.Itoa(pages)) {
			t.Errorf("no page number on page %d", i)
		}
	}
	if !strings.Contains(txt, "6 | Kosten") || !strings.Contains(txt, "7 | Beigefügte Unterlagen") {
		t.Error("fee and attachments are not the last sections")
	}
}
