package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
)

type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Errors []struct {
		Pointer string `json:"pointer"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

type subResp struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Status    string `json:"status"`
	Digest    string `json:"digest"`
	Art       string `json:"art"`
	Documents []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"documents"`
	Data json.RawMessage `json:"data"`
}

const dresden = gewerbe.SampleFiledWith

func body(leistung, ags string, data []byte) string {
	return fmt.Sprintf(`{"leistung":%q,"ags":%q,"data":%s}`, leistung, ags, data)
}

func TestSubmissionAPI(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		auth := map[string]string{"Authorization": "Bearer " + tok}
		c := app.Client()
		keys := map[string]string{"anmeldung": "99050012104000", "ummeldung": "99050012105000", "abmeldung": "99050012106000"}
		var first subResp
		for i, name := range gewerbe.SampleNames() {
			raw := gewerbe.Sample(name, app.Clock())
			var a gewerbe.Anzeige
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			r := c.Do("POST", "/api/v1/submissions", "application/json", body(keys[string(a.Art)], dresden, raw), auth)
			if r.Status != 201 {
				t.Fatalf("%s: %d %s", name, r.Status, r.Body)
			}
			var s subResp
			if err := json.Unmarshal([]byte(r.Body), &s); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("GEW-%s-2026-%06d", dresden, i+1)
			if s.Reference != want || s.Status != "eingegangen" || len(s.Documents) != 2 || r.Header.Get("Location") != "/api/v1/submissions/"+s.ID {
				t.Fatalf("%s: %+v (want %s)", name, s, want)
			}
			if i == 0 {
				first = s
			}
		}
		// Reading it back: the data is there, the digest is the SHA-256 of the stored data.
		g := c.Do("GET", "/api/v1/submissions/"+first.ID, "", "", auth)
		var got subResp
		if err := json.Unmarshal([]byte(g.Body), &got); err != nil || g.Status != 200 {
			t.Fatalf("get: %d %s", g.Status, g.Body)
		}
		sum := sha256.Sum256(got.Data)
		if hex.EncodeToString(sum[:]) != got.Digest {
			t.Fatal("digest does not match the stored data")
		}
		// Documents: rendered on demand before the job ran, identical after the job.
		d1 := c.Do("GET", first.Documents[0].URL, "", "", auth)
		if d1.Status != 200 || !strings.HasPrefix(d1.Body, "%PDF-") || d1.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("document: %d", d1.Status)
		}
		app.RunJobs()
		d2 := c.Do("GET", first.Documents[0].URL, "", "", auth)
		if d2.Body != d1.Body {
			t.Fatal("document differs after the background job stored it")
		}
		receipt := c.Do("GET", first.Documents[1].URL, "", "", auth)
		if receipt.Status != 200 || !strings.Contains(receipt.Body, "%PDF-") {
			t.Fatalf("receipt: %d", receipt.Status)
		}
		if r := c.Do("GET", "/api/v1/submissions/"+first.ID+"/documents/geheim.pdf", "", "", auth); r.Status != 404 {
			t.Fatalf("unknown document: %d", r.Status)
		}

		// Other callers get 404: another token, another municipality's cases token, anonymous.
		other := map[string]string{"Authorization": "Bearer " + app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)}
		leipzigCases := map[string]string{"Authorization": "Bearer " + app.CreateToken("14713000", identity.ScopeCases)}
		for _, h := range []map[string]string{other, leipzigCases, nil} {
			if r := c.Do("GET", "/api/v1/submissions/"+first.ID, "", "", h); r.Status != 404 {
				t.Errorf("foreign reader %v: %d", h, r.Status)
			}
			if r := c.Do("GET", first.Documents[0].URL, "", "", h); r.Status != 404 {
				t.Errorf("foreign document reader: %d", r.Status)
			}
		}
		// Staff of the office reads it (audited).
		cases := map[string]string{"Authorization": "Bearer " + app.CreateToken(dresden, identity.ScopeCases)}
		if r := c.Do("GET", "/api/v1/submissions/"+first.ID, "", "", cases); r.Status != 200 {
			t.Fatalf("cases token: %d", r.Status)
		}
		app.CreateStaff("dd@dresden.example", dresden)
		staff := app.Client()
		staff.Login("dd@dresden.example")
		if r := staff.Get("/api/v1/submissions/" + first.ID); r.Status != 200 {
			t.Fatalf("staff session: %d", r.Status)
		}
		app.CreateStaff("le@leipzig.example", "14713000")
		le := app.Client()
		le.Login("le@leipzig.example")
		if r := le.Get("/api/v1/submissions/" + first.ID); r.Status != 404 {
			t.Fatalf("staff of another municipality: %d", r.Status)
		}
		audits, _ := app.DB.ListAudit(t.Context(), dresden, 50)
		reads := 0
		for _, e := range audits {
			if e.Action == "submission.read" {
				reads++
			}
		}
		if reads < 2 {
			t.Fatalf("staff reads not audited (%d)", reads)
		}
		if n, err := app.DB.VerifyAudit(t.Context()); err != nil || n == 0 {
			t.Fatalf("audit: %v", err)
		}
	})
}

func TestSubmissionAPIIdempotency(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		h := map[string]string{"Authorization": "Bearer " + tok, "Idempotency-Key": "vorgang-4711"}
		c := app.Client()
		b := body("99050012104000", dresden, gewerbe.Sample("anmeldung-gmbh", app.Clock()))
		r1 := c.Do("POST", "/api/v1/submissions", "application/json", b, h)
		r2 := c.Do("POST", "/api/v1/submissions", "application/json", b, h)
		if r1.Status != 201 || r2.Status != 201 || r1.Body != r2.Body || r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %d\n%s\n%s", r1.Status, r2.Status, r1.Body, r2.Body)
		}
		// The same key with another body is refused and creates nothing.
		other := body("99050012104000", dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()))
		r3 := c.Do("POST", "/api/v1/submissions", "application/json", other, h)
		if r3.Status != 422 || !strings.Contains(r3.Body, "idempotency_key_reused") {
			t.Fatalf("reused key: %d %s", r3.Status, r3.Body)
		}
		var n int
		if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM submissions`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d submissions, want 1", n)
		}
	})
}

// TestSubmissionAPIIdempotencyConcurrent: the same request with the same key sent many
// times at once (a client retrying while the first is still in flight) is stored once, and
// every answer is that submission — also when several land in one write group, whose
// commit then fails on the key and whose members are written one by one.
func TestSubmissionAPIIdempotencyConcurrent(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		h := map[string]string{"Authorization": "Bearer " + tok, "Idempotency-Key": "gleichzeitig-1"}
		b := body("99050012104000", dresden, gewerbe.Sample("anmeldung-gmbh", app.Clock()))
		// Other submissions in flight at the same time share the groups.
		others := map[string]string{"Authorization": "Bearer " + tok}
		const n = 16
		codes, bodies := make([]int, n), make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				r := app.Client().Do("POST", "/api/v1/submissions", "application/json", b, h)
				codes[i], bodies[i] = r.Status, r.Body
			}()
			go func() {
				defer wg.Done()
				if r := app.Client().Do("POST", "/api/v1/submissions", "application/json", b, others); r.Status != 201 {
					t.Errorf("other submission: %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		for i := range n {
			if codes[i] != 201 || bodies[i] != bodies[0] {
				t.Fatalf("answer %d: %d\n%s\nfirst:\n%s", i, codes[i], bodies[i], bodies[0])
			}
		}
		var keyed, all int
		if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM idempotency_keys WHERE key = 'gleichzeitig-1'`).Scan(&keyed); err != nil || keyed != 1 {
			t.Fatalf("%d keys, want 1 (%v)", keyed, err)
		}
		if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM submissions`).Scan(&all); err != nil || all != n+1 {
			t.Fatalf("%d submissions, want %d (%v)", all, n+1, err)
		}

		// A second wave, in groups whose keys are looked up together with the BEGIN on
		// PostgreSQL: retries of the stored key get the stored submission, the same key with
		// other data is refused, fresh keys are stored once each.
		other := body("99050012104000", dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock()))
		type answer struct {
			kind string
			code int
			body string
		}
		answers := make(chan answer, 3*n)
		for i := range n {
			wg.Add(3)
			go func() {
				defer wg.Done()
				r := app.Client().Do("POST", "/api/v1/submissions", "application/json", b, h)
				answers <- answer{"retry", r.Status, r.Body}
			}()
			go func() {
				defer wg.Done()
				r := app.Client().Do("POST", "/api/v1/submissions", "application/json", other, h)
				answers <- answer{"reused", r.Status, r.Body}
			}()
			go func() {
				defer wg.Done()
				fresh := map[string]string{"Authorization": "Bearer " + tok, "Idempotency-Key": fmt.Sprintf("neu-%d", i)}
				r := app.Client().Do("POST", "/api/v1/submissions", "application/json", other, fresh)
				answers <- answer{"fresh", r.Status, r.Body}
			}()
		}
		wg.Wait()
		close(answers)
		ids := map[string]bool{}
		for a := range answers {
			switch {
			case a.kind == "retry" && (a.code != 201 || a.body != bodies[0]):
				t.Errorf("retry of a stored key: %d %s", a.code, a.body)
			case a.kind == "reused" && (a.code != 422 || !strings.Contains(a.body, "idempotency_key_reused")):
				t.Errorf("stored key with other data: %d %s", a.code, a.body)
			case a.kind == "fresh":
				var s subResp
				if a.code != 201 || json.Unmarshal([]byte(a.body), &s) != nil || ids[s.ID] {
					t.Errorf("fresh key: %d %s", a.code, a.body)
				}
				ids[s.ID] = true
			}
		}
		if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM submissions`).Scan(&all); err != nil || all != 2*n+1 {
			t.Fatalf("%d submissions after the second wave, want %d (%v)", all, 2*n+1, err)
		}
	})
}

func TestSubmissionAPIBadInput(t *testing.T) {
	app := apptest.NewSQLite(t)
	tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
	readOnly := app.CreateToken(dresden, identity.ScopeRead)
	leipzig := app.CreateToken("14713000", identity.ScopeSubmit)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	c := app.Client()
	valid := gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock())
	withPerson := func(field, value string) []byte {
		var m map[string]any
		_ = json.Unmarshal(valid, &m)
		m["personen"].([]any)[0].(map[string]any)[field] = value
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name, ct, body string
		hdr            map[string]string
		status         int
		pointer, code  string
	}{
		{"malformed JSON", "application/json", `{"leistung":`, auth, 400, "", ""},
		{"wrong content type", "text/plain", body("99050012104000", dresden, valid), auth, 415, "", ""},
		{"oversized body", "application/json", `{"leistung":"` + strings.Repeat("x", 1<<20) + `"}`, auth, 413, "", ""},
		{"unknown top-level field", "application/json", `{"leistung":"99050012104000","ags":"14612000","data":{},"extra":1}`, auth, 422, "/extra", "unknown_field"},
		{"unknown data field", "application/json", strings.Replace(body("99050012104000", dresden, valid), `"art"`, `"foo":1,"art"`, 1), auth, 422, "/data/foo", "unknown_field"},
		{"birth date format", "application/json", body("99050012104000", dresden, withPerson("geburtsdatum", "31.12.1980")), auth, 422, "/data/personen/0/geburtsdatum", "date_format"},
		{"birth date in future", "application/json", body("99050012104000", dresden, withPerson("geburtsdatum", "2090-01-01")), auth, 422, "/data/personen/0/geburtsdatum", "date_in_future"},
		{"missing ags", "application/json", `{"leistung":"99050012104000","data":{}}`, auth, 422, "/ags", "pattern"},
		{"unknown service", "application/json", body("99000000000000", dresden, valid), auth, 422, "/leistung", "leistung_unknown"},
		{"info-only service", "application/json", body("99050007000000", dresden, valid), auth, 422, "/leistung", "leistung_not_online"},
		{"wrong kind for service", "application/json", body("99050012106000", dresden, valid), auth, 422, "/data/art", "art_mismatch"},
		{"token of another municipality", "application/json", body("99050012104000", dresden, valid), map[string]string{"Authorization": "Bearer " + leipzig}, 403, "", ""},
		{"token without submit scope", "application/json", body("99050012104000", dresden, valid), map[string]string{"Authorization": "Bearer " + readOnly}, 403, "", ""},
		{"no token", "application/json", body("99050012104000", dresden, valid), nil, 401, "", ""},
		{"unknown token", "application/json", body("99050012104000", dresden, valid), map[string]string{"Authorization": "Bearer rth_nope"}, 401, "", ""},
		{"repeated top-level field", "application/json", `{"leistung":"99050012104000","ags":"14713000","ags":"14612000","data":{}}`, auth, 422, "/ags", "duplicate_key"},
		{"field name in another case", "application/json", `{"LEISTUNG":"99050012104000","ags":"14612000","data":{}}`, auth, 422, "/LEISTUNG", "unknown_field"},
		{"array instead of an object", "application/json", `[]`, auth, 422, "", "type"},
		{"compressed body", "application/json", body("99050012104000", dresden, valid), map[string]string{"Authorization": "Bearer " + tok, "Content-Encoding": "gzip"}, 415, "", ""},
		{"bad idempotency key", "application/json", body("99050012104000", dresden, valid), map[string]string{"Authorization": "Bearer " + tok, "Idempotency-Key": "mit leerzeichen"}, 422, "", "idempotency_key_invalid"},
	}
	for _, tc := range cases {
		r := c.Do("POST", "/api/v1/submissions", tc.ct, tc.body, tc.hdr)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d\n%s", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: content type %s", tc.name, r.Header.Get("Content-Type"))
		}
		if tc.code == "" {
			continue
		}
		var p problem
		_ = json.Unmarshal([]byte(r.Body), &p)
		found := false
		for _, e := range p.Errors {
			if e.Pointer == tc.pointer && e.Code == tc.code && e.Message != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want %s %s in %s", tc.name, tc.pointer, tc.code, r.Body)
		}
	}
	// Malformed JSON is explained in German, with the byte position.
	if r := c.Do("POST", "/api/v1/submissions", "application/json", `{"leistung": x}`, auth); r.Status != 400 || !strings.Contains(r.Body, "Ungültiges JSON an Byte-Position 14") || !strings.Contains(r.Body, "kein gültiges JSON") {
		t.Errorf("malformed JSON: %d %s", r.Status, r.Body)
	}
	var n int
	if err := app.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM submissions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("bad input stored %d submissions", n)
	}
}

// TestServicesPageLebenslagen: the life events section (rendered once per language and
// kept) lists every life event with each of its services in the language of the page, also
// when the other language was rendered first, and escaped like the rest of the page.
func TestServicesPageLebenslagen(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	cat := app.Platform.Catalog
	if len(cat.Lebenslagen) == 0 {
		t.Fatal("the catalog has no life events")
	}
	for _, lang := range []string{"en", "de", "en"} {
		b := c.Get("/leistungen?lang=" + lang).Body
		if !strings.Contains(b, `<html lang="`+lang+`">`) || strings.Count(b, `id="ll-title"`) != 1 {
			t.Fatalf("%s: no life events section", lang)
		}
		for _, ll := range cat.Lebenslagen {
			if !strings.Contains(b, "<h3>"+html.EscapeString(ll.Name.In(lang))+"</h3>") {
				t.Errorf("%s: life event %q missing", lang, ll.Name.In(lang))
			}
			for _, k := range ll.Keys {
				l, _ := cat.Get(k)
				if !strings.Contains(b, `<a href="/leistungen/`+k+`">`+html.EscapeString(l.Name.In(lang))+`</a>`) {
					t.Errorf("%s: %s missing under %q", lang, k, ll.Name.In(lang))
				}
			}
		}
	}
}

// TestServicesSearchResults: the results section (kept per language and query) names the
// services found in the page's language, the same on a repeated query, also after more
// distinct queries than are kept; the query itself is shown escaped, outside the kept part.
func TestServicesSearchResults(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	l, ok := app.Platform.Catalog.Get(keyAnmeldung)
	if !ok {
		t.Fatal("no Gewerbeanmeldung in the catalog")
	}
	link := func(lang string) string {
		return `<a href="/leistungen/` + keyAnmeldung + `">` + html.EscapeString(l.Name.In(lang)) + `</a>`
	}
	check := func(lang string) {
		t.Helper()
		b := c.Get("/leistungen?q=Gewerbe+anmelden&lang=" + lang).Body
		if !strings.Contains(b, link(lang)) || strings.Count(b, `id="results-title"`) != 1 {
			t.Fatalf("%s: %s not found", lang, keyAnmeldung)
		}
	}
	check("de")
	check("en")
	check("de")
	for i := range 1100 { // more than the cache keeps
		if r := c.Get(fmt.Sprintf("/leistungen?q=gewerbe+%d", i)); r.Status != 200 {
			t.Fatalf("query %d: %d", i, r.Status)
		}
	}
	check("en")
	b := c.Get("/leistungen?q=%3Cscript%3Ex%3C%2Fscript%3E").Body
	if strings.Contains(b, "<script>x") || !strings.Contains(b, "&lt;script&gt;x") {
		t.Fatal("the query is not escaped")
	}
	if !strings.Contains(b, `id="results-title"`) {
		t.Fatal("no results section for a query without hits")
	}
	if b := c.Get("/leistungen?q=Hundesteuer&lang=de").Body; !strings.Contains(b, "1 Leistung gefunden") {
		t.Error("one hit is not counted in the singular")
	}
	// A long query is cut at a character boundary, never inside one.
	long := strings.Repeat("ä", 150) // 300 bytes
	if b := c.Get("/leistungen?q=" + url.QueryEscape(long)).Body; !strings.Contains(b, strings.Repeat("ä", 100)) || strings.Contains(b, "\ufffd") || !utf8.ValidString(b) {
		t.Error("the long query was not cut at a character boundary")
	}
}

func TestServicesAPIAndFinder(t *testing.T) {
	app := apptest.NewSQLite(t)
	c := app.Client()
	r := c.Get("/api/v1/services?q=Gewerbeschein&ags=14713000")
	var out struct {
		Services []struct {
			Leistung, Kind, Art, Availability string
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || len(out.Services) == 0 || out.Services[0].Leistung != "99050012104000" || out.Services[0].Availability != "online" {
		t.Fatalf("services: %s", r.Body)
	}
	all := c.Get("/api/v1/services")
	for _, k := range []string{"99050012105000", "99050012106000"} {
		if !strings.Contains(all.Body, k) {
			t.Errorf("catalog lacks %s", k)
		}
	}
	if r := c.Get("/api/v1/services?ags=00000000"); r.Status != 404 {
		t.Errorf("unknown ags: %d", r.Status)
	}
	// Portal: search and Zuständigkeitsfinder.
	s := c.Get("/leistungen?q=Firma+anmelden")
	if !strings.Contains(s.Body, `href="/leistungen/99050012104000"`) {
		t.Fatal("search page does not find Gewerbe anmelden")
	}
	f := c.Get("/leistungen/99050012104000?ort=04109")
	if f.Status != 200 || !strings.Contains(f.Body, "Gewerbeamt Leipzig") || !strings.Contains(f.Body, "/antrag/neu?leistung=99050012104000&amp;ags=14713000") {
		t.Fatalf("finder: %d", f.Status)
	}
	if f := c.Get("/leistungen/99050012104000?ort=Radebeul"); !strings.Contains(f.Body, "Radebeul") {
		t.Fatal("finder by place name")
	}
	if f := c.Get("/leistungen/99050012104000?ort=99999"); !strings.Contains(f.Body, "kennen wir keine sächsische Gemeinde") {
		t.Fatal("finder without result")
	}
	if c.Get("/leistungen/12345").Status != 404 {
		t.Fatal("unknown service page")
	}
}

// TestWhoReadsASubmission: a Gewerbeanzeige is read by those who work the cases of its office
// — not by the municipality's administrator or a clerk of another office of the same
// municipality — and a token with scope cases reads it as staff (the message sent to a
// recipient too) even when it filed it itself.
func TestWhoReadsASubmission(t *testing.T) {
	app := apptest.NewSQLite(t)
	ctx := context.Background()
	tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead, identity.ScopeCases)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	c := app.Client()
	r := c.Do("POST", "/api/v1/submissions", "application/json", body("99050012104000", dresden, gewerbe.Sample("anmeldung-einzelunternehmen", app.Clock())), auth)
	if r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var s subResp
	_ = json.Unmarshal([]byte(r.Body), &s)
	app.RunJobs()
	ds, err := app.DB.DeliveriesOf(ctx, s.ID)
	if err != nil || len(ds) == 0 {
		t.Fatalf("deliveries: %v %v", ds, err)
	}
	if m := c.Do("GET", "/api/v1/submissions/"+s.ID+"/deliveries/"+ds[0].ID+"/message", "", "", auth); m.Status != 200 {
		t.Fatalf("message for the filing token with scope cases: %d %s", m.Status, m.Body)
	}
	ordnungsamt, err := app.DB.OfficeByKind(ctx, dresden, "ordnungsamt")
	if err != nil {
		t.Fatalf("no Ordnungsamt in the demo data: %v", err)
	}
	app.CreateUser("admin@dresden.example", identity.KindStaff, identity.StaffRole{TenantAGS: dresden, Role: "tenant_admin"})
	app.CreateUser("ordnung@dresden.example", identity.KindStaff, identity.StaffRole{TenantAGS: dresden, OfficeID: ordnungsamt.ID, Role: "sachbearbeitung"})
	app.CreateStaff("gewerbe@dresden.example", dresden)
	for email, want := range map[string]int{"admin@dresden.example": 404, "ordnung@dresden.example": 404, "gewerbe@dresden.example": 200} {
		u := app.Client()
		u.Login(email)
		for _, path := range []string{"/api/v1/submissions/" + s.ID, s.Documents[0].URL} {
			if got := u.Get(path); got.Status != want {
				t.Errorf("%s GET %s: %d, want %d", email, path, got.Status, want)
			}
		}
	}
}

// TestUmmeldungFromOutsideTheState: a previous site whose postal code lies in a region where
// the platform has no municipality (80331 München) is another municipality (R9), through the
// real municipality directory.
func TestUmmeldungFromOutsideTheState(t *testing.T) {
	app := apptest.NewSQLite(t)
	tok := app.CreateToken(dresden, identity.ScopeSubmit)
	var a map[string]any
	if err := json.Unmarshal(gewerbe.Sample("ummeldung", app.Clock()), &a); err != nil {
		t.Fatal(err)
	}
	um := a["ummeldung"].(map[string]any)
	um["fruehereBetriebsstaette"] = map[string]any{"strasse": "Marienplatz", "hausnummer": "8", "plz": "80331", "ort": "München"}
	raw, _ := json.Marshal(a)
	r := app.Client().Do("POST", "/api/v1/submissions", "application/json", body("99050012105000", dresden, raw), map[string]string{"Authorization": "Bearer " + tok})
	if r.Status != 422 || !strings.Contains(r.Body, "ummeldung_other_municipality") {
		t.Fatalf("Ummeldung from München: %d %s", r.Status, r.Body)
	}
}
