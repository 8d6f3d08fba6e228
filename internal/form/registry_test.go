package form

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultLoadsEveryDefinition(t *testing.T) {
	r, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"gewerbe-anmeldung":     "99050012104000",
		"gewerbe-ummeldung":     "99050012105000",
		"gewerbe-abmeldung":     "99050012106000",
		"hundesteuer-anmeldung": "99024005000000",
	}
	if got := len(r.All()); got != len(want) {
		t.Errorf("loaded %d definitions, want %d", got, len(want))
	}
	for id, key := range want {
		d, ok := r.Get(id)
		if !ok {
			t.Fatalf("%s not loaded", id)
		}
		if d.Leistung != key {
			t.Errorf("%s: leistung %s, want %s", id, d.Leistung, key)
		}
		if byKey, ok := r.ForLeistung(key); !ok || byKey != d {
			t.Errorf("ForLeistung(%s) = %v", key, byKey)
		}
		if v, ok := r.GetVersion(id, d.Version); !ok || v != d {
			t.Errorf("GetVersion(%s, %d) failed", id, d.Version)
		}
		if _, ok := r.GetVersion(id, 999); ok {
			t.Errorf("GetVersion(%s, 999) found something", id)
		}
	}
}

// TestDomainImports keeps the package a domain package: no HTTP, no SQL, no adapters.
func TestDomainImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if p == "net/http" || p == "database/sql" || strings.Contains(p, "/internal/web") || strings.Contains(p, "/internal/sqlstore") {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
