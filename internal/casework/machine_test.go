package casework

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/identity"
)

var all = []Status{Eingegangen, InBearbeitung, Rueckfrage, Beteiligung, Abgeschlossen, Abgelehnt}

// allowed is the lifecycle of issue 5, written out here independently of machines.json:
// eingegangen → in_bearbeitung → (rueckfrage ↔ in_bearbeitung) → (beteiligung ↔
// in_bearbeitung) → abgeschlossen | abgelehnt.
var allowed = map[Edge]bool{
	{Eingegangen, InBearbeitung}:   true,
	{InBearbeitung, Rueckfrage}:    true,
	{Rueckfrage, InBearbeitung}:    true,
	{InBearbeitung, Beteiligung}:   true,
	{Beteiligung, InBearbeitung}:   true,
	{InBearbeitung, Abgeschlossen}: true,
	{InBearbeitung, Abgelehnt}:     true,
}

// TestTransitionsEveryPair checks every ordered pair of states of every case type: the seven
// allowed transitions pass, all 29 others are refused with a conflict and a German message
// naming the states.
func TestTransitionsEveryPair(t *testing.T) {
	reg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"gewerbeanzeige", "antrag"} {
		m, ok := reg.Machine(typ)
		if !ok {
			t.Fatalf("no machine %s", typ)
		}
		var nAllowed, nRefused int
		for _, from := range all {
			for _, to := range all {
				name := typ + "/" + string(from) + "→" + string(to)
				t.Run(name, func(t *testing.T) {
					err := m.Transition(from, to)
					if allowed[Edge{from, to}] {
						nAllowed++
						if err != nil {
							t.Fatalf("allowed transition refused: %v", err)
						}
						return
					}
					nRefused++
					if err == nil {
						t.Fatal("refused transition allowed")
					}
					var ae *apperr.Error
					if !asAppErr(err, &ae) || ae.Kind != apperr.KindConflict {
						t.Fatalf("want a conflict, got %v", err)
					}
					switch {
					case m.IsFinal(from):
						if ae.Key != "case.transition_final" || !strings.Contains(ae.Msg, from.Name()) {
							t.Fatalf("final: %s %q", ae.Key, ae.Msg)
						}
					default:
						if ae.Key != "case.transition_invalid" || !strings.Contains(ae.Msg, "„"+from.Name()+"“") || !strings.Contains(ae.Msg, "„"+to.Name()+"“") {
							t.Fatalf("invalid: %s %q", ae.Key, ae.Msg)
						}
					}
				})
			}
		}
		if nAllowed != 7 || nRefused != 29 {
			t.Errorf("%s: %d allowed, %d refused; want 7 and 29", typ, nAllowed, nRefused)
		}
	}
}

func asAppErr(err error, ae **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*ae = e
	return ok
}

func TestTransitionUnknownState(t *testing.T) {
	reg, _ := Load()
	m, _ := reg.Machine("gewerbeanzeige")
	err := m.Transition(InBearbeitung, "erledigt")
	var ae *apperr.Error
	if !asAppErr(err, &ae) || ae.Key != "case.status_unknown" {
		t.Fatalf("got %v", err)
	}
}

func TestNextAndFinal(t *testing.T) {
	reg, _ := Load()
	m, _ := reg.Machine("gewerbeanzeige")
	got := m.Next(InBearbeitung)
	want := []Status{Rueckfrage, Beteiligung, Abgeschlossen, Abgelehnt}
	if len(got) != len(want) {
		t.Fatalf("next: %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("next: %v", got)
		}
	}
	if len(m.Next(Abgeschlossen)) != 0 || !m.IsFinal(Abgelehnt) || m.IsFinal(Rueckfrage) {
		t.Fatal("final states")
	}
	if TypeFor("anmeldung") != "gewerbeanzeige" || TypeFor("") != "antrag" {
		t.Fatal("TypeFor")
	}
}

func TestParseRejectsBrokenMachines(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown state":   `{"types":[{"type":"x","initial":"a","states":["a"],"transitions":[{"from":"a","to":"b"}]}]}`,
		"initial":         `{"types":[{"type":"x","initial":"z","states":["a"]}]}`,
		"final with exit": `{"types":[{"type":"x","initial":"a","states":["a","b"],"final":["b"],"transitions":[{"from":"b","to":"a"}]}]}`,
		"duplicate":       `{"types":[{"type":"x","initial":"a","states":["a"]},{"type":"x","initial":"a","states":["a"]}]}`,
		"malformed":       `{"types":`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := Policy{OfficeReminderAfterDays: 14, RueckfrageReminderDaysBefore: 3, PermitNoticeDaysBefore: 60}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	if got := p.OfficeReminderAt(now); !got.Equal(now.AddDate(0, 0, 14)) {
		t.Errorf("office reminder %v", got)
	}
	if got := p.RueckfrageReminderAt(now, now.AddDate(0, 0, 14)); !got.Equal(now.AddDate(0, 0, 11)) {
		t.Errorf("rueckfrage reminder %v", got)
	}
	if got := p.RueckfrageReminderAt(now, now.AddDate(0, 0, 2)); !got.IsZero() {
		t.Errorf("deadline too close: %v", got)
	}
	if got := p.PermitNoticeAt(now, now.AddDate(1, 0, 0)); !got.Equal(now.AddDate(1, 0, -60)) {
		t.Errorf("permit notice %v", got)
	}
	if got := p.PermitNoticeAt(now, now.AddDate(0, 0, 10)); !got.Equal(now) {
		t.Errorf("permit notice soon: %v", got)
	}
}

func TestCanWorkAndDesks(t *testing.T) {
	gew := identity.StaffRole{TenantAGS: "14612000", OfficeID: "gew", Role: "sachbearbeitung"}
	admin := identity.StaffRole{TenantAGS: "14612000", Role: "tenant_admin"}
	all := identity.StaffRole{TenantAGS: "14713000", Role: "leitung"}
	u := &identity.User{Kind: identity.KindStaff, Roles: []identity.StaffRole{gew, admin, all}}
	for _, c := range []struct {
		ags, office string
		want        bool
	}{
		{"14612000", "gew", true},
		{"14612000", "ord", false}, // tenant_admin alone does not read cases
		{"14713000", "any", true},  // a role without office covers every office
		{"14511000", "gew", false},
	} {
		if got := CanWork(u, c.ags, c.office); got != c.want {
			t.Errorf("CanWork(%s, %s) = %v", c.ags, c.office, got)
		}
	}
	if d := Desks(u); len(d) != 2 {
		t.Errorf("desks %v", d)
	}
	citizen := &identity.User{Kind: identity.KindCitizen, Roles: []identity.StaffRole{gew}}
	if CanWork(citizen, "14612000", "gew") {
		t.Error("a citizen works cases")
	}
	c := &Case{UserID: "u1", OrganisationID: "o1"}
	if !ApplicantOf(&identity.User{ID: "u1"}, c) || !ApplicantOf(&identity.User{ID: "u2", Organisations: []identity.Organisation{{ID: "o1"}}}, c) || ApplicantOf(&identity.User{ID: "u3"}, c) {
		t.Error("ApplicantOf")
	}
}

func TestInputs(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	q, d, errs := RueckfrageInput{Question: "  Bitte Handelsregisterauszug senden.\r\n", Deadline: "2026-12-12"}.Check(now)
	if len(errs) != 0 || q != "Bitte Handelsregisterauszug senden." || d.Format(time.RFC3339) != "2026-12-12T22:59:59Z" {
		t.Fatalf("rueckfrage: %q %v %v", q, d, errs)
	}
	for _, in := range []RueckfrageInput{{Question: "", Deadline: "2026-12-12"}, {Question: "x", Deadline: "2026-11-27"}, {Question: "x", Deadline: "morgen"}, {Question: "x", Deadline: "2028-01-01"}} {
		if _, _, errs := in.Check(now); len(errs) != 1 {
			t.Errorf("%+v: %v", in, errs)
		}
	}
	_, _, parts, errs := ParticipationInput{OfficeKind: "ordnungsamt", Question: "Bedenken?", Deadline: "2026-12-10", Parts: []string{"betriebsdaten", "betriebsdaten"}}.Check(now)
	if len(errs) != 0 || len(parts) != 1 {
		t.Fatalf("participation: %v %v", parts, errs)
	}
	if _, _, _, errs := (ParticipationInput{AGS: "123", Parts: []string{"alles"}}).Check(now); len(errs) != 5 {
		t.Errorf("participation errors: %v", errs)
	}
	ts, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if _, errs := (CloseInput{Result: "abgelehnt", Template: "gewerbe_bestaetigung"}).Check(ts, now); len(errs) != 2 {
		t.Errorf("mismatch and missing Begründung: %v", errs)
	}
	if _, errs := (CloseInput{Result: "abgeschlossen", Template: "gewerbe_erlaubnis"}).Check(ts, now); len(errs) != 1 || errs[0].Pointer != "permit_until" {
		t.Errorf("permit needed: %v", errs)
	}
	c, errs := CloseInput{Result: "abgeschlossen", Template: "gewerbe_erlaubnis", PermitTitle: "Erlaubnis § 34c GewO", PermitUntil: "2027-06-30"}.Check(ts, now)
	if len(errs) != 0 || c.Permit == nil || c.Template.ID != "gewerbe_erlaubnis" {
		t.Errorf("close: %+v %v", c, errs)
	}
	if _, errs := (CloseInput{Result: "fertig"}).Check(ts, now); len(errs) != 1 {
		t.Errorf("result: %v", errs)
	}
	files := []FileInput{{Filename: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}, {Filename: "b.exe", ContentType: "application/octet-stream", Data: []byte{1}}, {Filename: "c.txt", ContentType: "text/plain; charset=utf-8"}}
	if errs := CheckFiles("files", files); len(errs) != 2 {
		t.Errorf("files: %v", errs)
	}
}

func TestSectionsShareOnlyParts(t *testing.T) {
	data := json.RawMessage(`{"art":"anmeldung","betrieb":{"name":"Elbe GmbH","nebenerwerb":false},"personen":[{"familienname":"Wagner","staatsangehoerigkeiten":["DE","PL"]}]}`)
	all := Sections(data, nil)
	if len(all) != 3 || all[0].Title != "Allgemein" || all[1].Title != "Betrieb" || all[2].Title != "Personen" {
		t.Fatalf("all: %+v", all)
	}
	if all[2].Rows[1].Label != "1. › Staatsangehörigkeiten" || all[2].Rows[1].Value != "DE, PL" {
		t.Errorf("person rows: %+v", all[2].Rows)
	}
	only := Sections(data, []Part{PartBetrieb})
	for _, s := range only {
		for _, r := range s.Rows {
			if strings.Contains(r.Value, "Wagner") {
				t.Fatal("Betriebsdaten share a person")
			}
		}
	}
	if len(Sections(data, []Part{})) != 0 {
		t.Error("no part shared, yet data shown")
	}
}
