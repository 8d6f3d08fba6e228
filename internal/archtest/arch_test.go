// Package archtest enforces the dependency rule of docs/architecture.md:
// cmd → web | sqlstore | mail | connector → domain packages, never the other way round.
package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/rathaus-egov/rathaus/"

// adapters may use I/O packages and domain packages; domain packages may use neither
// adapters nor the I/O packages below.
var adapters = map[string]bool{
	"sqlstore": true, "web": true, "hub": true, "web/formui": true, "mail": true, "connector": true, "blobstore": true,
	"apptest": true, "testenv": true, "archtest": true, "platform": true,
}

var forbiddenInDomain = []string{"net/http", "database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/wneessen/go-mail"}

func TestDependencyRule(t *testing.T) {
	root := filepath.Join("..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if isAdapter(rel) {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbiddenInDomain {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("domain package internal/%s imports %s (%s)", rel, p, path)
				}
			}
			if strings.HasPrefix(p, module+"internal/") {
				target := strings.TrimPrefix(p, module+"internal/")
				if isAdapter(target) {
					t.Errorf("domain package internal/%s imports adapter internal/%s", rel, target)
				}
			}
			if strings.HasPrefix(p, module+"cmd/") {
				t.Errorf("internal/%s imports a command", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d domain files checked: is the walk wrong?", checked)
	}
}

func isAdapter(rel string) bool {
	for a := range adapters {
		if rel == a || strings.HasPrefix(rel, a+"/") {
			return true
		}
	}
	return false
}
