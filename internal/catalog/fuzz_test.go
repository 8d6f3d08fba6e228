package catalog

import "testing"

// FuzzSearch: the search box takes any text.
func FuzzSearch(f *testing.F) {
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Gewerbeschein", "", "ä ö ü ß", "\x00\xff", "a b c d e f g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, l := range c.Search(q) {
			if l == nil {
				t.Fatal("nil result")
			}
		}
		_ = Normalize(q)
	})
}
