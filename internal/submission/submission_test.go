package submission_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/wz"
)

var now = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func service(t testing.TB) *submission.Service {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	forms, err := form.Default()
	if err != nil {
		t.Fatal(err)
	}
	w, err := wz.Load()
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := refdata.Gemeinden()
	var ts []tenant.Tenant
	for _, g := range gs {
		ts = append(ts, tenant.Tenant{AGS: g.AGS, Name: g.Name, Kreis: g.Kreis, PLZ: g.PLZ, Einwohner: g.Einwohner})
	}
	n := 0
	return &submission.Service{Catalog: cat, Forms: forms, Gemeinden: tenant.NewDirectory(ts), WZ: w, Now: func() time.Time { return now },
		NewID: func() string { n++; return "id" + string(rune('0'+n)) }}
}

var office = submission.Office{ID: "o1", TenantAGS: gewerbe.SampleFiledWith, Snapshot: submission.OfficeSnapshot{Name: "Gewerbeamt Dresden", Strasse: "Dr.-Külz-Ring 19", PLZ: "01067", Ort: "Dresden"}}

func TestPrepareGewerbe(t *testing.T) {
	s := service(t)
	p, err := s.Prepare(context.Background(), submission.Input{Leistung: "99050012104000", AGS: gewerbe.SampleFiledWith, Data: gewerbe.Sample("anmeldung-einzelunternehmen", now), UserID: "u1", DataPointer: "/data"}, office)
	if err != nil {
		t.Fatal(err)
	}
	sub := p.Submission
	if sub.Art != "anmeldung" || sub.GewerbebetriebID == "" || sub.Digest != submission.Digest(sub.Data) || p.RefPrefix != "GEW" || sub.Office.Name != "Gewerbeamt Dresden" {
		t.Fatalf("%+v", sub)
	}
	var a gewerbe.Anzeige
	if err := json.Unmarshal(sub.Data, &a); err != nil || a.Betrieb.GewerbebetriebID != sub.GewerbebetriebID {
		t.Fatal("the stored data must carry the assigned gewerbebetriebID")
	}
	// Errors point into the request.
	_, err = s.Prepare(context.Background(), submission.Input{Leistung: "99050012104000", AGS: gewerbe.SampleFiledWith, Data: []byte(`{"art":"anmeldung"}`), DataPointer: "/data"}, office)
	fields := apperr.FieldsOf(err)
	if apperr.KindOf(err) != apperr.KindInvalid || len(fields) == 0 || !strings.HasPrefix(fields[0].Pointer, "/data/") {
		t.Fatalf("%v", fields)
	}
	if _, err := s.Prepare(context.Background(), submission.Input{Leistung: "99050012104000", AGS: "14999999", Data: []byte(`{}`)}, office); apperr.FieldsOf(err)[0].Pointer != "/ags" {
		t.Fatalf("unknown AGS: %v", err)
	}
}

func hundPayload() string {
	return `{"halter":{"familienname":"Mustermann","vornamen":"Erika","geburtsdatum":"1980-05-01","email":"erika@example.org","telefon":"0351 123456"},
	"anschrift":{"strasse":"Hauptstraße","hausnummer":"1","plz":"01067","ort":"Dresden","ags":"14612000"},
	"hund":{"name":"Bello","rasse":"Mischling","geburtsjahr":2022,"aufnahme":"2026-11-01","chipnummer":"276098106543210","listenhund":false},
	"zweithund":false,"beginn":"2026-11-01","ermaessigung":{"grund":"keine"}}`
}

func TestPrepareFormProcedureWithoutProcedureCode(t *testing.T) {
	s := service(t)
	p, err := s.Prepare(context.Background(), submission.Input{Leistung: "99024005000000", AGS: gewerbe.SampleFiledWith, Data: []byte(hundPayload()), UserID: "u1", DataPointer: "/data"}, office)
	if err != nil {
		t.Fatalf("%v %v", err, apperr.FieldsOf(err))
	}
	if p.RefPrefix != "HST" || p.Submission.Art != "" {
		t.Fatalf("%+v", p.Submission)
	}
	bad := strings.Replace(hundPayload(), `"276098106543210"`, `"12345"`, 1)
	_, err = s.Prepare(context.Background(), submission.Input{Leistung: "99024005000000", AGS: gewerbe.SampleFiledWith, Data: []byte(bad), DataPointer: "/data"}, office)
	if f := apperr.FieldsOf(err); len(f) != 1 || f[0].Pointer != "/data/hund/chipnummer" {
		t.Fatalf("chip number: %v", f)
	}
	unknown := strings.Replace(hundPayload(), `"zweithund":false`, `"zweithund":false,"katze":"Minka"`, 1)
	_, err = s.Prepare(context.Background(), submission.Input{Leistung: "99024005000000", AGS: gewerbe.SampleFiledWith, Data: []byte(unknown), DataPointer: "/data"}, office)
	if f := apperr.FieldsOf(err); len(f) != 1 || f[0].Pointer != "/data/katze" || f[0].Code != "unknown_field" {
		t.Fatalf("unknown field: %v", f)
	}

	// Its documents render from the form definition alone.
	forms, _ := form.Default()
	r := &submission.Renderer{Catalog: s.Catalog, Forms: forms}
	sub := p.Submission
	sub.Reference = "HST-14612000-2026-000001"
	for _, name := range submission.Documents {
		b, err := r.Render(&sub, name)
		if err != nil || !strings.HasPrefix(string(b), "%PDF-") {
			t.Fatalf("%s: %v", name, err)
		}
		again, _ := r.Render(&sub, name)
		if string(again) != string(b) {
			t.Fatalf("%s is not deterministic", name)
		}
	}
}

func TestFormatReferenceAndKeys(t *testing.T) {
	if got := submission.FormatReference("GEW", "14713000", 2026, 42); got != "GEW-14713000-2026-000042" {
		t.Fatal(got)
	}
	for k, ok := range map[string]bool{"abc-123": true, "": false, "mit leer": false, strings.Repeat("x", 201): false, "ä": false} {
		if submission.ValidIdempotencyKey(k) != ok {
			t.Errorf("%q", k)
		}
	}
	if submission.PathToPointer("personen[0].geburtsdatum") != "/personen/0/geburtsdatum" {
		t.Fatal("pointer")
	}
}

// TestRequestHashCanonical: a retry of the same content is the same request however its
// client serialises it; other content is not.
func TestRequestHashCanonical(t *testing.T) {
	in := func(data string) submission.Input {
		return submission.Input{Leistung: "99050012104000", AGS: "14612000", Data: []byte(data)}
	}
	a := submission.RequestHash(in(`{"art":"anmeldung","name":"Jörg","n":1.50}`))
	for _, same := range []string{`{ "name" : "J\u00f6rg", "n":1.50, "art":"anmeldung" }`, "{\n\"art\":\"anmeldung\",\"name\":\"Jörg\",\"n\":1.50}"} {
		if submission.RequestHash(in(same)) != a {
			t.Errorf("%s hashes differently", same)
		}
	}
	for _, other := range []string{`{"art":"anmeldung","name":"Jorg","n":1.50}`, `{"art":"anmeldung","name":"Jörg","n":1.5}`} {
		if submission.RequestHash(in(other)) == a {
			t.Errorf("%s hashes the same", other)
		}
	}
}
