package routing

import (
	"errors"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

func ptr[T any](v T) *T { return &v }

// base is a plain retail business run by a German sole trader: it triggers only the kinds
// that receive every notice (and the IHK).
func base(art gewerbe.Art) *gewerbe.Anzeige {
	a := &gewerbe.Anzeige{
		Art: art,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:        "einzelunternehmen",
			Betriebsstaette:   gewerbe.Anschrift{Strasse: "Hauptstraße", Hausnummer: "1", PLZ: "01067", Ort: "Dresden", AGS: "14612000"},
			Niederlassungsart: "hauptniederlassung",
			Betriebsart:       []string{"handel"},
		},
		Personen: []gewerbe.Person{{
			Funktion: "inhaber", Familienname: "Schulze", Vornamen: "Anna", Geburtsdatum: "1980-02-03",
			Staatsangehoerigkeiten: []string{"DE"},
			Anschrift:              gewerbe.Anschrift{Strasse: "Weg", Hausnummer: "2", PLZ: "01069", Ort: "Dresden"},
		}},
		Taetigkeit: gewerbe.Taetigkeit{Beschreibung: "Einzelhandel mit Fahrrädern", WZ2008: "47.64.1"},
	}
	switch art {
	case gewerbe.ArtAnmeldung:
		a.Anmeldung = &gewerbe.Anmeldung{Beginn: "2026-03-01", Grund: "neuerrichtung"}
	case gewerbe.ArtUmmeldung:
		a.Ummeldung = &gewerbe.Ummeldung{Datum: "2026-03-01", Grund: "ausdehnung_der_taetigkeit"}
	case gewerbe.ArtAbmeldung:
		a.Abmeldung = &gewerbe.Abmeldung{Datum: "2026-03-01", Grund: "vollstaendige_aufgabe"}
	}
	return a
}

func mustLoad(t testing.TB) *Repository {
	t.Helper()
	r, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func decisionFor(ds []Decision, k Kind) Decision {
	for _, d := range ds {
		if d.Kind == k {
			return d
		}
	}
	return Decision{}
}

func TestDecideEveryKind(t *testing.T) {
	repo := mustLoad(t)
	all := []gewerbe.Art{gewerbe.ArtAnmeldung, gewerbe.ArtUmmeldung, gewerbe.ArtAbmeldung}
	only := func(arts ...gewerbe.Art) map[gewerbe.Art]bool {
		m := map[gewerbe.Art]bool{}
		for _, a := range arts {
			m[a] = true
		}
		return m
	}
	every := only(all...)
	none := only()

	type tc struct {
		name   string
		kind   Kind
		mutate func(*Input)
		want   map[gewerbe.Art]bool // selected per notice kind
	}
	cases := []tc{
		{"finanzamt always", KindFinanzamt, nil, every},
		{"statistik always", KindStatistik, nil, every},
		{"arbeitsschutz always", KindArbeitsschutz, nil, every},
		{"immissionsschutz always", KindImmissionsschutz, nil, every},
		{"eichbehoerde always", KindEichbehoerde, nil, every},
		{"arbeitsagentur always", KindArbeitsagentur, nil, every},
		{"dguv always", KindDGUV, nil, every},

		{"ihk for handel", KindIHK, nil, every},
		{"ihk for industrie", KindIHK, func(in *Input) { in.Anzeige.Betrieb.Betriebsart = []string{"industrie"} }, every},
		{"ihk for sonstiges", KindIHK, func(in *Input) { in.Anzeige.Betrieb.Betriebsart = []string{"sonstiges"} }, every},
		{"ihk for mixed craft and trade", KindIHK, func(in *Input) { in.Anzeige.Betrieb.Betriebsart = []string{"handwerk", "handel"} }, every},
		{"no ihk for pure craft", KindIHK, func(in *Input) { in.Anzeige.Betrieb.Betriebsart = []string{"handwerk"} }, none},

		{"no hwk for handel", KindHWK, nil, none},
		{"hwk for craft", KindHWK, func(in *Input) { in.Anzeige.Betrieb.Betriebsart = []string{"handwerk"} }, every},
		{"hwk for mixed", KindHWK, func(in *Input) { in.Anzeige.Betrieb.Betriebsart = []string{"handel", "handwerk"} }, every},
		{"hwk for craft card", KindHWK, func(in *Input) { in.Anzeige.Handwerkskarte = &gewerbe.Handwerkskarte{Kammer: "HWK Dresden"} }, every},

		{"no zoll without indications", KindZoll, nil, none},
		{"zoll with indications, anmeldung only", KindZoll, func(in *Input) { in.ZollAnhaltspunkte = true }, only(gewerbe.ArtAnmeldung)},

		{"no registergericht without register", KindRegistergericht, nil, none},
		{"registergericht for abmeldung of registered firm", KindRegistergericht, func(in *Input) {
			in.Anzeige.Betrieb.Rechtsform = "gmbh"
			in.Anzeige.Betrieb.Register = &gewerbe.Register{Art: "HRB", Nummer: "1234", Gericht: "Amtsgericht Dresden"}
		}, only(gewerbe.ArtAbmeldung)},
		{"registered zweigniederlassung", KindRegistergericht, func(in *Input) {
			in.Anzeige.Betrieb.Register = &gewerbe.Register{Art: "HRB", Nummer: "1234", Gericht: "Amtsgericht Dresden"}
			in.Anzeige.Betrieb.Niederlassungsart = "zweigniederlassung"
		}, only(gewerbe.ArtAbmeldung)},
		{"no registergericht for unselbstständige Zweigstelle", KindRegistergericht, func(in *Input) {
			in.Anzeige.Betrieb.Register = &gewerbe.Register{Art: "HRB", Nummer: "1234", Gericht: "Amtsgericht Dresden"}
			in.Anzeige.Betrieb.Niederlassungsart = "unselbststaendige_zweigstelle"
		}, none},

		{"no lebensmittel for bicycles", KindLebensmittelueberwachung, nil, none},
		{"lebensmittel by wz 56", KindLebensmittelueberwachung, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "56.10.3" }, every},
		{"lebensmittel by wz 10", KindLebensmittelueberwachung, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "10.71" }, every},
		{"lebensmittel by wz 47.2", KindLebensmittelueberwachung, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "47.24.0" }, every},
		{"lebensmittel by wz 46.3", KindLebensmittelueberwachung, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "46.34" }, every},
		{"no lebensmittel for 47.1 non-food-led", KindLebensmittelueberwachung, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "47.19" }, none},
		{"lebensmittel by keyword Imbiss", KindLebensmittelueberwachung, func(in *Input) {
			in.Anzeige.Taetigkeit = gewerbe.Taetigkeit{Beschreibung: "Betrieb eines Schnellimbiss"}
		}, every},
		{"lebensmittel by further activity", KindLebensmittelueberwachung, func(in *Input) {
			in.Anzeige.Taetigkeit.Weitere = []string{"Catering für Firmenfeiern"}
		}, every},
		{"lebensmittel by business name", KindLebensmittelueberwachung, func(in *Input) {
			in.Anzeige.Betrieb.Geschaeftsbezeichnung = "Bäckerei am Markt"
		}, every},

		{"no auslaenderbehoerde for DE", KindAuslaenderbehoerde, nil, none},
		{"no auslaenderbehoerde for PL and CH", KindAuslaenderbehoerde, func(in *Input) {
			in.Anzeige.Personen[0].Staatsangehoerigkeiten = []string{"PL"}
			in.Anzeige.Personen = append(in.Anzeige.Personen, gewerbe.Person{Funktion: "betriebsleiter", Staatsangehoerigkeiten: []string{"CH"}})
		}, none},
		{"no auslaenderbehoerde for dual TR+DE", KindAuslaenderbehoerde, func(in *Input) {
			in.Anzeige.Personen[0].Staatsangehoerigkeiten = []string{"TR", "DE"}
		}, none},
		{"auslaenderbehoerde for VN", KindAuslaenderbehoerde, func(in *Input) {
			in.Anzeige.Personen[0].Staatsangehoerigkeiten = []string{"VN"}
		}, every},
		{"auslaenderbehoerde for second person UA", KindAuslaenderbehoerde, func(in *Input) {
			in.Anzeige.Personen = append(in.Anzeige.Personen, gewerbe.Person{Funktion: "gesellschafter", Staatsangehoerigkeiten: []string{"UA"}})
		}, every},

		{"no erlaubnisbehoerde for bicycles", KindErlaubnisbehoerde, nil, none},
		{"erlaubnisbehoerde for stated permit", KindErlaubnisbehoerde, func(in *Input) {
			in.Anzeige.Erlaubnis = &gewerbe.Erlaubnis{Art: "§ 34d GewO"}
		}, every},
		{"erlaubnisbehoerde for makler wz", KindErlaubnisbehoerde, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "68.31.1" }, every},
		{"erlaubnisbehoerde for bewachung wz", KindErlaubnisbehoerde, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "80.10" }, every},
		{"erlaubnisbehoerde for bar wz", KindErlaubnisbehoerde, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "56.30.3" }, every},
		{"no erlaubnisbehoerde for restaurant wz alone", KindErlaubnisbehoerde, func(in *Input) { in.Anzeige.Taetigkeit.WZ2008 = "56.10.1" }, none},
		{"erlaubnisbehoerde for restaurant with alcohol", KindErlaubnisbehoerde, func(in *Input) {
			in.Anzeige.Taetigkeit = gewerbe.Taetigkeit{Beschreibung: "Restaurant mit Ausschank alkoholischer Getränke", WZ2008: "56.10.1"}
		}, every},
		{"erlaubnisbehoerde for keyword Versicherungsvermittler", KindErlaubnisbehoerde, func(in *Input) {
			in.Anzeige.Taetigkeit = gewerbe.Taetigkeit{Beschreibung: "Versicherungsvermittlung als gebundener Vertreter"}
		}, every},

		{"no drv_kbs by default", KindDRVKBS, nil, none},
		{"drv_kbs on request", KindDRVKBS, func(in *Input) { in.Requested = map[Kind]bool{KindDRVKBS: true} }, every},
		{"drv_kbs request of another kind does not count", KindDRVKBS, func(in *Input) { in.Requested = map[Kind]bool{KindZoll: true} }, none},
	}
	// Waiver: every kind, once triggered, is excluded when it waived.
	for _, k := range Kinds() {
		cases = append(cases, tc{"waived " + string(k), k, func(in *Input) {
			in.ZollAnhaltspunkte = true
			in.Requested = map[Kind]bool{KindDRVKBS: true}
			in.Waived = map[Kind]bool{k: true}
		}, none})
	}

	for _, c := range cases {
		for _, art := range all {
			t.Run(c.name+"/"+string(art), func(t *testing.T) {
				in := Input{Anzeige: base(art)}
				if c.mutate != nil {
					c.mutate(&in)
				}
				ds := repo.Decide(in)
				if len(ds) != len(Kinds()) {
					t.Fatalf("got %d decisions, want %d", len(ds), len(Kinds()))
				}
				for i, k := range Kinds() {
					if ds[i].Kind != k {
						t.Fatalf("decision %d is for %s, want %s", i, ds[i].Kind, k)
					}
					if ds[i].Rule == "" || ds[i].Reason == "" {
						t.Errorf("%s: decision without rule or reason: %+v", k, ds[i])
					}
				}
				d := decisionFor(ds, c.kind)
				if d.Selected != c.want[art] {
					t.Errorf("%s selected = %v, want %v (rule %s: %s)", c.kind, d.Selected, c.want[art], d.Rule, d.Reason)
				}
			})
		}
	}
}

func TestWaiverReason(t *testing.T) {
	repo := mustLoad(t)
	ds := repo.Decide(Input{Anzeige: base(gewerbe.ArtAnmeldung), Waived: map[Kind]bool{KindEichbehoerde: true, KindHWK: true}})
	if d := decisionFor(ds, KindEichbehoerde); d.Selected || d.Rule != RuleWaived || d.Reason != ReasonWaived {
		t.Errorf("eichbehoerde = %+v", d)
	}
	// A waiver does not hide the real reason when no rule selects the kind anyway.
	if d := decisionFor(ds, KindHWK); d.Rule != "hwk.handwerk" {
		t.Errorf("hwk = %+v, want the rule's own exclusion", d)
	}
}

func TestDecideNilAndUnknown(t *testing.T) {
	repo := mustLoad(t)
	for _, in := range []Input{{}, {Anzeige: &gewerbe.Anzeige{Art: "umzug"}}} {
		ds := repo.Decide(in)
		if len(ds) != 15 {
			t.Fatalf("got %d decisions", len(ds))
		}
		for _, d := range ds {
			if d.Selected {
				t.Errorf("%s selected for %+v", d.Kind, in)
			}
		}
	}
}

func TestKinds(t *testing.T) {
	want := "finanzamt statistik ihk hwk arbeitsschutz immissionsschutz eichbehoerde arbeitsagentur dguv zoll registergericht lebensmittelueberwachung drv_kbs auslaenderbehoerde erlaubnisbehoerde"
	var got []string
	for _, k := range Kinds() {
		got = append(got, string(k))
		if k.DisplayName() == string(k) {
			t.Errorf("%s has no display name", k)
		}
	}
	if strings.Join(got, " ") != want {
		t.Errorf("kinds = %s", strings.Join(got, " "))
	}
	if Kind("x").Valid() {
		t.Error("unknown kind is valid")
	}
}

func TestVersion(t *testing.T) {
	if v := mustLoad(t).Version(); v != "gewerbe-v1" {
		t.Errorf("version = %q", v)
	}
}

// minimal builds a valid rule file with one "true" rule per kind, with rule 0 replaced.
func minimal(first string) string {
	var rules []string
	if first != "" {
		rules = append(rules, first)
	}
	for _, k := range Kinds() {
		if first != "" && k == KindFinanzamt {
			continue
		}
		rules = append(rules, `{"id":"`+string(k)+`","kind":"`+string(k)+`","arten":["anmeldung","ummeldung","abmeldung"],"when":"true","selected":"ja"}`)
	}
	return `{"version":"t1","lists":{"l":{"values":["A"]}},"rules":[` + strings.Join(rules, ",") + `]}`
}

func TestLoadFromRejects(t *testing.T) {
	fa := func(when string) string {
		return `{"id":"fa","kind":"finanzamt","arten":["anmeldung","ummeldung","abmeldung"],"when":` + when + `,"selected":"ja","excluded":"nein"}`
	}
	cases := []struct {
		name, json, wantErr string
	}{
		{"ok", minimal(fa(`"art == \"anmeldung\" && mentions(text, lists.l)"`)), ""},
		{"syntax", minimal(fa(`"art == "`)), `rule 1 "fa": condition`},
		{"type: string is not bool", minimal(fa(`"art"`)), "rule 1"},
		{"type: compare bool and string", minimal(fa(`"registereintrag == \"ja\""`)), "mismatched types"},
		{"unknown variable", minimal(fa(`"unbekannt"`)), "unknown name unbekannt"},
		{"unknown list", minimal(fa(`"wzPrefix(wz, lists.nope)"`)), "unknown list(s) nope"},
		{"wrong function args", minimal(fa(`"wzPrefix(wz)"`)), "rule 1"},
		{"unknown kind", minimal(`{"id":"x","kind":"kirche","arten":["anmeldung"],"when":"true","selected":"ja"}`), `unknown recipient kind "kirche"`},
		{"unknown art", minimal(`{"id":"x","kind":"finanzamt","arten":["umzug"],"when":"true","selected":"ja"}`), `unknown notice kind "umzug"`},
		{"missing coverage", minimal(`{"id":"x","kind":"finanzamt","arten":["anmeldung"],"when":"true","selected":"ja"}`), "no rule for finanzamt/ummeldung, finanzamt/abmeldung"},
		{"overlap", strings.Replace(minimal(""), `"rules":[`, `"rules":[{"id":"dup","kind":"zoll","arten":["anmeldung"],"when":"true","selected":"ja"},`, 1), `zoll/anmeldung is already decided by rule "dup"`},
		{"duplicate id", strings.Replace(minimal(""), `"rules":[`, `"rules":[{"id":"zoll","kind":"zoll","arten":["anmeldung"],"when":"true","selected":"ja"},`, 1), "id is used twice"},
		{"missing reason", minimal(fa(`"true"`)[:0] + `{"id":"fa","kind":"finanzamt","arten":["anmeldung","ummeldung","abmeldung"],"when":"wz == \"\"","selected":"ja"}`), "reason for excluded is missing"},
		{"no version", `{"rules":[]}`, "version is missing"},
		{"unknown field", `{"version":"x","regeln":[]}`, "unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := LoadFrom([]byte(c.json))
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if r.Version() != "t1" {
					t.Errorf("version %q", r.Version())
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want error containing %q", c.wantErr)
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
				t.Errorf("error %v is not apperr.KindInvalid", err)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q does not contain %q", err, c.wantErr)
			}
		})
	}
}

func TestDigitPrefix(t *testing.T) {
	for _, c := range []struct {
		code, prefix string
		want         bool
	}{
		{"56.10.1", "56", true}, {"47.25.0", "47.2", true}, {"47.11", "47.2", false},
		{"10.71", "10", true}, {"01.47.2", "01.4", true}, {"03.11", "03", true}, {"", "56", false},
		{"5", "56", false}, {"68.31", "68.31", true}, {"68.3", "68.31", false},
	} {
		if got := wzPrefix(c.code, []string{c.prefix}); got != c.want {
			t.Errorf("wzPrefix(%q, %q) = %v", c.code, c.prefix, got)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	repo := mustLoad(b)
	a := base(gewerbe.ArtAnmeldung)
	a.Taetigkeit = gewerbe.Taetigkeit{Beschreibung: "Imbiss mit Ausschank", WZ2008: "56.10.3", Weitere: []string{"Catering"}}
	a.Personen[0].Staatsangehoerigkeiten = []string{"VN"}
	in := Input{Anzeige: a, Waived: map[Kind]bool{KindEichbehoerde: true}}
	b.ReportAllocs()
	for b.Loop() {
		_ = repo.Decide(in)
	}
}
