package gewerbe

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/wz"
)

// today is the fixed clock of the tests: Tuesday, 10 March 2026, 09:30 in Germany.
var today = time.Date(2026, time.March, 10, 8, 30, 0, 0, time.UTC)

// gemeinden is a GemeindeLookup over the shipped Saxon municipalities; all of them are served.
type gemeinden struct {
	plzOf map[string][]string
	byPLZ map[string][]string
}

func (g *gemeinden) Served(ags string) bool            { _, ok := g.plzOf[ags]; return ok }
func (g *gemeinden) PLZOf(ags string) []string         { return g.plzOf[ags] }
func (g *gemeinden) AGSForPLZ(plz string) []string     { return g.byPLZ[plz] }
func (g *gemeindenMitOrt) AGSForOrt(o string) []string { return g.byOrt[strings.ToLower(o)] }

// gemeindenMitOrt adds the optional OrtResolver, matching the name before ", Stadt" etc.
type gemeindenMitOrt struct {
	*gemeinden
	byOrt map[string][]string
}

// gemeindenMitRegion adds the optional RegionLookup.
type gemeindenMitRegion struct{ *gemeindenMitOrt }

func (g gemeindenMitRegion) KnowsPLZRegion(plz string) bool {
	for p := range g.byPLZ {
		if len(plz) >= 2 && strings.HasPrefix(p, plz[:2]) {
			return true
		}
	}
	return false
}

var loadSaxony = sync.OnceValues(func() (*gemeindenMitOrt, error) {
	list, err := refdata.Gemeinden()
	if err != nil {
		return nil, err
	}
	g := &gemeindenMitOrt{gemeinden: &gemeinden{plzOf: map[string][]string{}, byPLZ: map[string][]string{}}, byOrt: map[string][]string{}}
	for _, m := range list {
		g.plzOf[m.AGS] = m.PLZ
		for _, p := range m.PLZ {
			g.byPLZ[p] = append(g.byPLZ[p], m.AGS)
		}
		name, _, _ := strings.Cut(m.Name, ",")
		g.byOrt[strings.ToLower(name)] = append(g.byOrt[strings.ToLower(name)], m.AGS)
	}
	return g, nil
})

// env returns the environment the samples validate in: filed with Dresden, today fixed, the
// shipped municipalities (without OrtResolver) and WZ list.
func env(t testing.TB) Env {
	t.Helper()
	g, err := loadSaxony()
	if err != nil {
		t.Fatal(err)
	}
	c, err := wz.Load()
	if err != nil {
		t.Fatal(err)
	}
	return Env{Today: today, FiledWith: SampleFiledWith, Gemeinden: g.gemeinden, WZ: c}
}

// sampleDoc returns a sample as a generic JSON tree for editing.
func sampleDoc(t testing.TB, name string) map[string]any {
	t.Helper()
	raw := Sample(name, today)
	if raw == nil {
		t.Fatalf("no sample %q", name)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// edit changes a JSON tree at a pointer; a nil edit deletes the member.
type edit struct {
	ptr string
	val any
	del bool
}

func set(ptr string, v any) edit { return edit{ptr: ptr, val: v} }
func del(ptr string) edit        { return edit{ptr: ptr, del: true} }

func apply(t testing.TB, root map[string]any, e edit) {
	t.Helper()
	segs := strings.Split(e.ptr[1:], "/")
	var cur any = root
	for _, s := range segs[:len(segs)-1] {
		switch c := cur.(type) {
		case map[string]any:
			if _, ok := c[s]; !ok {
				c[s] = map[string]any{}
			}
			cur = c[s]
		case []any:
			i, _ := strconv.Atoi(s)
			cur = c[i]
		default:
			t.Fatalf("edit %s: cannot descend into %T", e.ptr, cur)
		}
	}
	last := segs[len(segs)-1]
	switch c := cur.(type) {
	case map[string]any:
		if e.del {
			delete(c, last)
		} else {
			c[last] = e.val
		}
	case []any:
		i, _ := strconv.Atoi(last)
		c[i] = e.val
	default:
		t.Fatalf("edit %s: cannot edit %T", e.ptr, cur)
	}
}

// edited returns a sample with edits applied, as JSON.
func edited(t testing.TB, name string, edits ...edit) []byte {
	t.Helper()
	m := sampleDoc(t, name)
	for _, e := range edits {
		apply(t, m, e)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keys renders field errors as sorted "pointer code" lines for exact comparison.
func keys(errs []apperr.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Pointer + " " + e.Code
	}
	slices.Sort(out)
	return out
}

func want(lines ...string) []string {
	out := slices.Clone(lines)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func assertKeys(t *testing.T, what string, got []apperr.FieldError, w []string) {
	t.Helper()
	g := keys(got)
	if !slices.Equal(g, want(w...)) {
		t.Errorf("%s:\n got  %q\n want %q", what, g, want(w...))
		for _, e := range got {
			t.Logf("  %s", e.Message)
		}
	}
}

// repeat returns s n times.
func repeat(s string, n int) string { return strings.Repeat(s, n) }
