package rueckmeldung

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

func TestSiteKeyAndMatch(t *testing.T) {
	a := &gewerbe.Anschrift{Strasse: "Eisenbahnstraße", Hausnummer: "20", PLZ: "04315", Ort: "Leipzig"}
	b := &gewerbe.Anschrift{Strasse: "Eisenbahnstr.", Hausnummer: "20 ", PLZ: "04315", Ort: "Leipzig"}
	if SiteKey(a) != SiteKey(b) || SiteKey(a) == SiteKey(&gewerbe.Anschrift{Strasse: "Eisenbahnstraße", Hausnummer: "21", PLZ: "04315"}) {
		t.Fatalf("site keys %q %q", SiteKey(a), SiteKey(b))
	}
	rec := Keys{Site: SiteKey(a), Person: "schubert|1975-05-30", Name: "elektro schubert"}
	if !Matches(rec, b, Keys{Person: "schubert|1975-05-30"}) || !Matches(rec, b, Keys{Person: "schubert|1975-05-30", Name: "neuer name"}) {
		t.Fatal("same site and owner must match")
	}
	// Name and address are public: with another person they leave it to the office.
	if Matches(rec, b, Keys{Name: "elektro schubert"}) || Matches(rec, b, Keys{Person: "meier|1980-01-01", Name: "elektro schubert"}) {
		t.Fatal("the business name at the site without the owner must not match")
	}
	if Matches(rec, b, Keys{Person: "meier|1980-01-01", Name: "andere"}) || Matches(rec, &gewerbe.Anschrift{PLZ: "01099", Strasse: "X", Hausnummer: "1"}, Keys{Person: "schubert|1975-05-30"}) {
		t.Fatal("another owner at the site, or the owner at another site, must not match")
	}
}

func TestAbmeldungFromRecord(t *testing.T) {
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	var neu gewerbe.Anzeige
	if err := json.Unmarshal(gewerbe.Sample("anmeldung-verlegung", today), &neu); err != nil {
		t.Fatal(err)
	}
	prev, ok := Needed(&neu)
	if !ok || prev.AGS != "14713000" {
		t.Fatal("the sample is a move from Leipzig")
	}
	record := neu
	record.Betrieb.Betriebsstaette = *prev
	ab, err := Abmeldung(&record, &neu)
	if err != nil {
		t.Fatal(err)
	}
	if ab.Art != gewerbe.ArtAbmeldung || ab.Anmeldung != nil || ab.Abmeldung.Datum != "2026-12-04" || ab.Abmeldung.Grund != GrundAbmeldung ||
		ab.Abmeldung.KuenftigeAnschrift.Ort != "Dresden" || ab.Betrieb.Betriebsstaette.Ort != "Leipzig" {
		t.Fatalf("%+v %+v", ab.Abmeldung, ab.Betrieb.Betriebsstaette)
	}
	if record.Art != gewerbe.ArtAnmeldung || record.Anmeldung == nil {
		t.Fatal("the record was modified")
	}
	if _, ok := Needed(ab); ok {
		t.Fatal("an Abmeldung needs no Rückmeldung")
	}
}
