package wz

import (
	"slices"
	"testing"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadParsesOnce(t *testing.T) {
	a, b := load(t), load(t)
	if a != b {
		t.Error("Load returned two catalogs")
	}
	if a.Len() < 1800 {
		t.Errorf("Len = %d, want the full list (> 1800)", a.Len())
	}
}

func TestLookup(t *testing.T) {
	c := load(t)
	tests := []struct {
		code, title string
		ok          bool
	}{
		{"47.91.1", "Versand- und Internet-Einzelhandel mit Textilien, Bekleidung, Schuhen und Lederwaren", true},
		{"96.02", "Frisör- und Kosmetiksalons", true},
		{"A", "Land- und Forstwirtschaft, Fischerei", true},
		{"4791", "", false},
		{"99.99", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := c.Lookup(tt.code)
		if ok != tt.ok || got.Title != tt.title {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.code, got.Title, ok, tt.title, tt.ok)
		}
	}
}

func TestIsClassOrSubclass(t *testing.T) {
	c := load(t)
	tests := map[string]bool{
		"47.91":   true,  // class
		"47.91.1": true,  // subclass
		"01.11.0": true,  // subclass
		"47.9":    false, // group
		"47":      false, // division
		"G":       false, // section
		"4791":    false, // no dots
		"47.91.5": false, // not in the list
		"99.99":   false,
		"":        false,
	}
	for code, want := range tests {
		if got := c.IsClassOrSubclass(code); got != want {
			t.Errorf("IsClassOrSubclass(%q) = %v, want %v", code, got, want)
		}
	}
}

func codes(ws []WZ) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Code
	}
	return out
}

func TestSearch(t *testing.T) {
	c := load(t)
	tests := []struct {
		q         string
		limit     int
		wantFirst []string // the result starts with these codes
		contains  []string // and contains these somewhere
	}{
		{q: "47.91", wantFirst: []string{"47.91", "47.91.1", "47.91.9"}},
		{q: "4791", wantFirst: []string{"47.91"}},
		{q: "47911", wantFirst: []string{"47.91.1"}},
		{q: "friseur", wantFirst: []string{"96.02", "96.02.1"}},
		{q: "Frisör", wantFirst: []string{"96.02", "96.02.1"}},
		{q: "frisoer", wantFirst: []string{"96.02", "96.02.1"}},
		{q: "FRISÖRSALON", wantFirst: []string{"96.02.1"}},
		{q: "kosmetik", wantFirst: []string{"96.02"}, contains: []string{"96.02.2"}},
		{q: "versand textil", wantFirst: []string{"47.91.1"}},
		{q: "elektroinstallation", wantFirst: []string{"43.21", "43.21.0"}},
		{q: "bücher", contains: []string{"47.61.0"}},
		{q: "buecher", contains: []string{"47.61.0"}},
		{q: "einzelhandel", limit: 3},
	}
	for _, tt := range tests {
		got := codes(c.Search(tt.q, tt.limit))
		if len(got) == 0 {
			t.Errorf("Search(%q) found nothing", tt.q)
			continue
		}
		if len(got) < len(tt.wantFirst) || !slices.Equal(got[:len(tt.wantFirst)], tt.wantFirst) {
			t.Errorf("Search(%q) = %v, want it to start with %v", tt.q, got, tt.wantFirst)
		}
		for _, w := range tt.contains {
			if !slices.Contains(got, w) {
				t.Errorf("Search(%q) = %v, want it to contain %s", tt.q, got, w)
			}
		}
		if tt.limit > 0 && len(got) > tt.limit {
			t.Errorf("Search(%q, %d) returned %d entries", tt.q, tt.limit, len(got))
		}
	}
}

func TestSearchRanking(t *testing.T) {
	c, err := New([]WZ{
		{"10.00", "Salons aller Art"}, // title word prefix
		{"20.00", "Kosmetiksalons"},   // substring inside a word
		{"30.00", "Herstellung von Salz"},
		{"salon", "Code equal to query"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := codes(c.Search("salon", 0))
	want := []string{"salon", "10.00", "20.00"}
	if !slices.Equal(got, want) {
		t.Errorf("Search ranking = %v, want %v", got, want)
	}
	if got := c.Search("  ", 10); got != nil {
		t.Errorf("empty query found %v", got)
	}
	if got := c.Search("zzzz", 10); len(got) != 0 {
		t.Errorf("Search(zzzz) = %v", got)
	}
}

func TestNewRejectsBadLists(t *testing.T) {
	if _, err := New([]WZ{{"01", "a"}, {"01", "b"}}); err == nil {
		t.Error("duplicate code accepted")
	}
	if _, err := New([]WZ{{" ", "a"}}); err == nil {
		t.Error("empty code accepted")
	}
}

func BenchmarkSearch(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c.Search("friseur", 10)
	}
}
