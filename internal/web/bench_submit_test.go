package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
)

// BenchmarkSubmitAPI files Gewerbeanzeigen through the whole submit path of the API
// (authentication, envelope, validation, routing, the group commit on SQLite) in process,
// without the network, from GOMAXPROCS×4 goroutines; ns/op is wall time per submission
// and allocs/op what the garbage collector has to clear. `rathaus bench` measures the same
// path under load with HTTP.
func BenchmarkSubmitAPI(b *testing.B) {
	app := apptest.NewSQLite(b)
	tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
	keys := map[string]string{"anmeldung": "99050012104000", "ummeldung": "99050012105000", "abmeldung": "99050012106000"}
	var bodies []string
	for _, name := range gewerbe.SampleNames() {
		raw := gewerbe.Sample(name, app.Clock())
		art := "anmeldung"
		for k := range keys {
			if strings.Contains(string(raw), `"art": "`+k+`"`) {
				art = k
			}
		}
		bodies = append(bodies, body(keys[art], dresden, raw))
	}
	h := app.Server.Handler()
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/v1/submissions", strings.NewReader(bodies[i%len(bodies)]))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusCreated {
				b.Errorf("%d %s", w.Code, w.Body)
				return
			}
			i++
		}
	})
}
