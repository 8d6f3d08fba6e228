package hub_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// leipzigRecord is the business of the sample "anmeldung-verlegung" as Leipzig registered it
// years ago: same owner, site at the previous address.
func leipzigRecord(t *testing.T, today time.Time) []byte {
	var a gewerbe.Anzeige
	if err := json.Unmarshal(gewerbe.Sample("anmeldung-verlegung", today), &a); err != nil {
		t.Fatal(err)
	}
	prev := *a.Anmeldung.FruehereBetriebsstaette
	a.Betrieb.Betriebsstaette = prev
	a.Betrieb.Kontakt.Telefon = "0341 1234567"
	a.Anmeldung = &gewerbe.Anmeldung{Beginn: today.AddDate(0, 0, -3).Format(time.DateOnly), Grund: "neuerrichtung"}
	a.Personen[0].Anschrift = gewerbe.Anschrift{Strasse: "Eisenbahnstraße", Hausnummer: "22", PLZ: "04315", Ort: "Leipzig"}
	b, _ := json.Marshal(a)
	return b
}

// withLeipzigRecord files Leipzig's record of the business (leipzigRecord) and returns a
// submit token of Dresden and the record's submission id.
func withLeipzigRecord(t *testing.T, app *apptest.App) (dd, recordID string) {
	t.Helper()
	le := app.CreateToken(leipzig, identity.ScopeSubmit, identity.ScopeRead)
	dd = app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
	recordID = file(t, app, le, leipzig, leipzigRecord(t, app.Clock()))
	app.RunJobs()
	return dd, recordID
}

// TestRueckmeldeverfahren: a business moves from Leipzig (A) to Dresden (B). B's Anmeldung
// with grund verlegung_aus_anderem_meldebezirk produces a Rückmeldung to Leipzig; Leipzig's
// Abmeldung is built from Leipzig's own register record (Betriebsaufgabe one day before the
// new start, the new site as future address), filed as a submission of Leipzig with Leipzig's
// reference number and routed to Leipzig's recipients; both offices see both notices linked.
// A move from a municipality without a record gives that office a task instead.
func TestRueckmeldeverfahren(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		dd, recordID := withLeipzigRecord(t, app)
		neuData := gewerbe.Sample("anmeldung-verlegung", app.Clock())
		neuID := file(t, app, dd, dresden, neuData)
		app.RunJobs()

		neu := view(t, app, dd, neuID)
		if neu.Rueckmeldung == nil || neu.Rueckmeldung.Status != sqlstore.RueckmeldungAbgemeldet || neu.Rueckmeldung.ToAGS != leipzig || !strings.HasPrefix(neu.Rueckmeldung.AbmeldungReference, "GEW-"+leipzig+"-") {
			t.Fatalf("Dresden's view of the Rückmeldung: %+v", neu.Rueckmeldung)
		}
		rm, err := app.DB.RueckmeldungOfSubmission(ctx, neuID)
		if err != nil {
			t.Fatal(err)
		}
		if rm.RegisterSubmissionID != recordID {
			t.Fatalf("built from %s, want Leipzig's record %s", rm.RegisterSubmissionID, recordID)
		}
		leCases := app.CreateToken(leipzig, identity.ScopeCases)
		ab := view(t, app, leCases, rm.AbmeldungSubmissionID)
		if ab.Art != "abmeldung" || ab.Reference != neu.Rueckmeldung.AbmeldungReference || ab.Rueckmeldung == nil || ab.Rueckmeldung.FromReference != neu.Reference {
			t.Fatalf("Leipzig's Abmeldung: %+v", ab)
		}
		var a gewerbe.Anzeige
		if err := json.Unmarshal(ab.Data, &a); err != nil {
			t.Fatal(err)
		}
		var n gewerbe.Anzeige
		_ = json.Unmarshal(neuData, &n)
		start, _ := time.Parse(time.DateOnly, n.Anmeldung.Beginn)
		recSub, _ := app.DB.GetSubmission(ctx, recordID)
		if a.Abmeldung == nil || a.Abmeldung.Datum != start.AddDate(0, 0, -1).Format(time.DateOnly) || a.Abmeldung.Grund != "verlegung_in_anderen_meldebezirk" ||
			a.Abmeldung.KuenftigeAnschrift == nil || a.Abmeldung.KuenftigeAnschrift.Ort != "Dresden" || a.Betrieb.Betriebsstaette.Ort != "Leipzig" ||
			a.Betrieb.GewerbebetriebID != recSub.GewerbebetriebID || a.Betrieb.Kontakt.Telefon != "0341 1234567" {
			t.Fatalf("Abmeldung data: %s", ab.Data)
		}
		// Routed to Leipzig's recipients: IHK zu Leipzig and HWK zu Leipzig, not Dresden's.
		kinds := map[string]string{}
		for _, d := range ab.Deliveries {
			kinds[d.Recipient.Kind] = d.Recipient.ID
		}
		if kinds["hwk"] != "hwk-leipzig" || kinds["finanzamt"] != "finanzamt-leipzig-i" || len(ab.Deliveries) < 7 {
			t.Fatalf("Abmeldung routed to %v", kinds)
		}
		// Both offices see both notices linked.
		app.CreateStaff("gewerbe@leipzig.example", leipzig)
		app.CreateStaff("gewerbe@dresden.example", dresden)
		for _, email := range []string{"gewerbe@leipzig.example", "gewerbe@dresden.example"} {
			c := app.Client()
			c.Login(email)
			p := c.Get("/amt/zustellungen")
			if p.Status != 200 || !strings.Contains(p.Body, neu.Reference) || !strings.Contains(p.Body, ab.Reference) {
				t.Fatalf("%s does not see the linked notices: %d", email, p.Status)
			}
		}
		// Running the job again changes nothing (idempotent).
		if err := app.Platform.Hub.ProcessRueckmeldung(ctx, jobs.Job{Payload: []byte(`{"submission":"` + neuID + `"}`)}); err != nil {
			t.Fatal(err)
		}
		if again, _ := app.DB.RueckmeldungOfSubmission(ctx, neuID); again.AbmeldungSubmissionID != rm.AbmeldungSubmissionID {
			t.Fatal("a second run changed the Rückmeldung")
		}

		// Chemnitz has no record of this business: its Gewerbeamt gets a task.
		var moved gewerbe.Anzeige
		_ = json.Unmarshal(neuData, &moved)
		moved.Anmeldung.FruehereBetriebsstaette = &gewerbe.Anschrift{Strasse: "Straße der Nationen", Hausnummer: "5", PLZ: "09111", Ort: "Chemnitz", AGS: "14511000"}
		moved.Betrieb.Betriebsstaette.Hausnummer = "103"
		mb, _ := json.Marshal(moved)
		orphan := file(t, app, dd, dresden, mb)
		app.RunJobs()
		ov := view(t, app, dd, orphan)
		if ov.Rueckmeldung == nil || ov.Rueckmeldung.Status != sqlstore.RueckmeldungAufgabe {
			t.Fatalf("Rückmeldung without a record: %+v", ov.Rueckmeldung)
		}
		tasks, err := app.DB.TasksOf(ctx, "14511000", sqlstore.TaskOpen)
		if err != nil || len(tasks) != 1 || !strings.Contains(tasks[0].Detail, ov.Reference) || !strings.Contains(tasks[0].Detail, "Die Gemeinde Dresden, Stadt (14612000)") {
			t.Fatalf("Chemnitz tasks: %+v %v", tasks, err)
		}
		app.CreateStaff("gewerbe@chemnitz.example", "14511000")
		c := app.Client()
		c.Login("gewerbe@chemnitz.example")
		if p := c.Get("/amt/zustellungen"); !strings.Contains(p.Body, "Rückmeldung ohne Registereintrag") {
			t.Fatal("Chemnitz's staff page does not show the task")
		}
		// Dresden's staff do not see Chemnitz's task.
		ddStaff := app.Client()
		ddStaff.Login("gewerbe@dresden.example")
		if p := ddStaff.Get("/amt/zustellungen"); strings.Contains(p.Body, "Rückmeldung ohne Registereintrag") {
			t.Fatal("Dresden's page shows Chemnitz's task")
		}
	})
}

// TestRueckmeldungNeedsTheOwner: the business name and the address of a shop are public. A
// move reported by another person (another family name and birth date) with the name and
// previous site of Leipzig's record must not deregister the business: Leipzig's Gewerbeamt
// gets a task, no Abmeldung is filed, and the record stays active.
func TestRueckmeldungNeedsTheOwner(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		dd, recordID := withLeipzigRecord(t, app)
		var fake gewerbe.Anzeige
		if err := json.Unmarshal(gewerbe.Sample("anmeldung-verlegung", app.Clock()), &fake); err != nil {
			t.Fatal(err)
		}
		fake.Personen[0].Familienname, fake.Personen[0].Geburtsdatum = "Fremd", "1990-02-03"
		fb, _ := json.Marshal(fake)
		id := file(t, app, dd, dresden, fb)
		app.RunJobs()
		rm, err := app.DB.RueckmeldungOfSubmission(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rm.Status != sqlstore.RueckmeldungAufgabe || rm.AbmeldungSubmissionID != "" {
			t.Fatalf("a stranger's move deregistered the business: %+v", rm)
		}
		tasks, err := app.DB.TasksOf(ctx, leipzig, sqlstore.TaskOpen)
		if err != nil || len(tasks) != 1 || !strings.Contains(tasks[0].Detail, "derselben Person") {
			t.Fatalf("Leipzig's tasks: %+v %v", tasks, err)
		}
		rec, _ := app.DB.GetSubmission(ctx, recordID)
		if e, err := app.DB.RegisterByID(ctx, leipzig, rec.GewerbebetriebID); err != nil || !e.Active {
			t.Fatalf("the record after a stranger's move: %+v %v", e, err)
		}
		// Nor does the record's gewerbebetriebID alone, with another person at another site.
		fake.Betrieb.GewerbebetriebID = rec.GewerbebetriebID
		fake.Anmeldung.FruehereBetriebsstaette.Hausnummer = "99"
		fb, _ = json.Marshal(fake)
		id = file(t, app, dd, dresden, fb)
		app.RunJobs()
		if rm, err := app.DB.RueckmeldungOfSubmission(ctx, id); err != nil || rm.Status != sqlstore.RueckmeldungAufgabe || rm.AbmeldungSubmissionID != "" {
			t.Fatalf("a foreign gewerbebetriebID deregistered the business: %+v %v", rm, err)
		}
		if e, err := app.DB.RegisterByID(ctx, leipzig, rec.GewerbebetriebID); err != nil || !e.Active {
			t.Fatalf("the record after a foreign id: %+v %v", e, err)
		}
	})
}

// TestAbmeldungKeepsTheBusinessID: an Abmeldung without a gewerbebetriebID about a business
// the municipality's register knows (same site, same owner) carries that business's id — the
// recipients match the notices of one business by it — and ends its register entry.
func TestAbmeldungKeepsTheBusinessID(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		abData := gewerbe.Sample("abmeldung", app.Clock())
		var an gewerbe.Anzeige
		if err := json.Unmarshal(abData, &an); err != nil {
			t.Fatal(err)
		}
		if an.Betrieb.GewerbebetriebID != "" {
			t.Fatal("the sample Abmeldung names its business already")
		}
		an.Art, an.Abmeldung = gewerbe.ArtAnmeldung, nil
		an.Anmeldung = &gewerbe.Anmeldung{Beginn: app.Clock().Format(time.DateOnly), Grund: "neuerrichtung"}
		anData, _ := json.Marshal(an)
		first, _ := app.DB.GetSubmission(ctx, file(t, app, tok, dresden, anData))
		ab, _ := app.DB.GetSubmission(ctx, file(t, app, tok, dresden, abData))
		if ab.GewerbebetriebID != first.GewerbebetriebID {
			t.Fatalf("Abmeldung got id %s, the business has %s", ab.GewerbebetriebID, first.GewerbebetriebID)
		}
		var stored gewerbe.Anzeige
		if err := json.Unmarshal(ab.Data, &stored); err != nil || stored.Betrieb.GewerbebetriebID != first.GewerbebetriebID {
			t.Fatalf("stored data carries id %q", stored.Betrieb.GewerbebetriebID)
		}
		if e, err := app.DB.RegisterByID(ctx, dresden, first.GewerbebetriebID); err != nil || e.Active || e.SubmissionID != ab.ID {
			t.Fatalf("register after the Abmeldung: %+v %v", e, err)
		}
		// Another person's Abmeldung at the same site is not taken for that business.
		var other gewerbe.Anzeige
		_ = json.Unmarshal(abData, &other)
		other.Personen[0].Familienname = "Fremd"
		od, _ := json.Marshal(other)
		if o, _ := app.DB.GetSubmission(ctx, file(t, app, tok, dresden, od)); o.GewerbebetriebID == first.GewerbebetriebID {
			t.Fatal("another person's Abmeldung took the business's id")
		}
	})
}
