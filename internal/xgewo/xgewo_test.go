package xgewo

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func input(a *gewerbe.Anzeige, kind routing.Kind) BuildInput {
	return BuildInput{
		Anzeige:          a,
		Recipient:        Recipient{Kind: kind, ID: "r-" + string(kind), Name: kind.DisplayName() + " (Test)", Kennung: "000" + meta[kind].typ, Email: string(kind) + "@empfaenger.example"},
		Author:           testOffice,
		Reference:        "GEW-2026-000123",
		NoticeUUID:       "6f1e0c8a-2b9d-4c3e-8f7a-1d2c3b4a5e6f",
		MessageUUID:      "0b7c9d2e-4f61-5a83-9c0d-" + fmt.Sprintf("%012x", len(kind)*7919),
		GewerbebetriebID: a.Betrieb.GewerbebetriebID,
		FiledAt:          testFiledAt,
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./internal/xgewo -update and review the diff.\n--- got ---\n%s", name, got)
	}
}

// parsed is a message read back: every element path (local names joined by "/") and every
// element local name.
type parsed struct {
	paths map[string]bool
	names map[string]bool
}

func parseXML(t *testing.T, body []byte) parsed {
	t.Helper()
	p := parsed{paths: map[string]bool{}, names: map[string]bool{}}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, body)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = el.Name.Local
				if el.Name.Space != Namespace {
					t.Errorf("root namespace %q", el.Name.Space)
				}
			}
			if el.Name.Local != "code" && el.Name.Space != Namespace {
				t.Errorf("element %s outside the namespace", el.Name.Local)
			}
			stack = append(stack, el.Name.Local)
			p.paths[strings.Join(stack, "/")] = true
			p.names[el.Name.Local] = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return p
}

type sample struct {
	name string
	make func() *gewerbe.Anzeige
}

// TestGolden renders every recipient kind for every notice kind (An: the GmbH, Um: the
// carpenter, Ab: the GmbH's branch), the other samples for the kinds they are about, and JSON
// for a few.
func TestGolden(t *testing.T) {
	perArt := map[gewerbe.Art]sample{
		gewerbe.ArtAnmeldung: {"anmeldung-gmbh", gmbhRegistered},
		gewerbe.ArtUmmeldung: {"ummeldung-handwerk", ummeldung},
		gewerbe.ArtAbmeldung: {"abmeldung-gmbh", abmeldung},
	}
	type job struct {
		s    sample
		kind routing.Kind
		json bool
	}
	var jobs []job
	for _, art := range []gewerbe.Art{gewerbe.ArtAnmeldung, gewerbe.ArtUmmeldung, gewerbe.ArtAbmeldung} {
		for _, k := range routing.Kinds() {
			if Entitled(k, art) {
				jobs = append(jobs, job{s: perArt[art], kind: k})
			}
		}
	}
	jobs = append(jobs,
		job{sample{"anmeldung-einzel-drittstaat", soleTraderNonEU}, routing.KindAuslaenderbehoerde, true},
		job{sample{"anmeldung-einzel-drittstaat", soleTraderNonEU}, routing.KindEichbehoerde, false},
		job{sample{"anmeldung-einzel-drittstaat", soleTraderNonEU}, routing.KindStatistik, true},
		job{sample{"anmeldung-handwerk", craft}, routing.KindHWK, false},
		job{sample{"anmeldung-lebensmittel", food}, routing.KindLebensmittelueberwachung, false},
		job{sample{"anmeldung-lebensmittel", food}, routing.KindIHK, false},
		job{sample{"anmeldung-gmbh", gmbhRegistered}, routing.KindIHK, true},
		job{sample{"abmeldung-gmbh", abmeldung}, routing.KindRegistergericht, true},
	)
	seen := map[string]bool{}
	for _, j := range jobs {
		name := j.s.name + "_" + string(j.kind)
		t.Run(name, func(t *testing.T) {
			x, js, err := Build(input(j.s.make(), j.kind))
			if err != nil {
				t.Fatal(err)
			}
			if x.ContentType != ContentTypeXML || js.ContentType != ContentTypeJSON || x.ID != js.ID || x.Kind != j.kind {
				t.Errorf("message headers: %+v / %+v", x, js)
			}
			// What a delivery builds (one format only) is byte for byte what Build gives.
			if one, err := BuildXML(input(j.s.make(), j.kind)); err != nil || !bytes.Equal(one.Body, x.Body) || one.ContentType != x.ContentType || one.ID != x.ID {
				t.Errorf("BuildXML differs from Build: %v", err)
			}
			if one, err := BuildJSON(input(j.s.make(), j.kind)); err != nil || !bytes.Equal(one.Body, js.Body) || one.ContentType != js.ContentType || one.ID != js.ID {
				t.Errorf("BuildJSON differs from Build: %v", err)
			}
			parseXML(t, x.Body)
			if !json.Valid(js.Body) {
				t.Fatalf("invalid JSON")
			}
			if !seen[name+".xml"] {
				golden(t, name+".xml", x.Body)
				seen[name+".xml"] = true
			}
			if j.json {
				golden(t, name+".json", js.Body)
			}
		})
	}
}

// TestRootAndHeader checks the verified root elements and header values against the examples.
func TestRootAndHeader(t *testing.T) {
	for kind, root := range map[routing.Kind]string{
		routing.KindStatistik: "sta.gewerbemeldung.0100", routing.KindEichbehoerde: "ea.gewerbemeldung.0220",
		routing.KindAuslaenderbehoerde: "abh.gewerbemeldung.0500",
	} {
		x, _, err := Build(input(soleTraderNonEU(), kind))
		if err != nil {
			t.Fatal(err)
		}
		s := string(x.Body)
		for _, want := range []string{
			`<xga:` + root + ` xmlns:xga="http://www.xgewerbeanzeige.de/spezifikation/2.2"`,
			`<xga:nachrichtentyp>` + "\n" + `            <code>` + root[len(root)-4:] + `</code>`,
			`<xga:erstellungszeitpunkt>2026-03-18T09:42:07+00:00</xga:erstellungszeitpunkt>`,
			`<code>MELDID</code>`, `<code>14612000</code>`,
			`<xga:gewerbebetriebID>3f1c2b7e-8d1a-4c55-9b0e-2a6f4d8e9c01</xga:gewerbebetriebID>`,
			`<xga:uuid>6f1e0c8a-2b9d-4c3e-8f7a-1d2c3b4a5e6f</xga:uuid>`,
			`<xga:gemeindeMeldungNr>GEW-2026-000123</xga:gemeindeMeldungNr>`,
			`<xga:gueltigAb>2026-04-01</xga:gueltigAb>`, `<xga:datumMeldung>2026-03-18</xga:datumMeldung>`,
			`<xga:taetigkeitSchluessel>96022</xga:taetigkeitSchluessel>`,
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: missing %q", kind, want)
			}
		}
		if hasBZ := strings.Contains(s, "<xga:berichtszeitraum>2026-03</xga:berichtszeitraum>"); hasBZ != (kind == routing.KindStatistik) {
			t.Errorf("%s: berichtszeitraum present = %v", kind, hasBZ)
		}
	}
	x, _, _ := Build(input(soleTraderNonEU(), routing.KindAuslaenderbehoerde))
	if !strings.Contains(string(x.Body), "<code>azr</code>") || !strings.Contains(string(x.Body), `<xga:geburtsdatum>17051990</xga:geburtsdatum>`) {
		t.Errorf("abh: reader prefix azr and DDMMYYYY birth date expected")
	}
}

// needle proves one item: a text that occurs in the XML of full() only if the item was sent,
// or an element name that occurs only then.
type needle struct {
	text, element string
}

var needles = map[item]func(art gewerbe.Art) needle{
	itemName:                        func(gewerbe.Art) needle { return needle{text: "Elbe Assekuranz Makler GmbH"} },
	itemRegister:                    func(gewerbe.Art) needle { return needle{text: "41277"} },
	itemFamilienname:                func(gewerbe.Art) needle { return needle{text: "Hoffmann"} },
	itemVornamen:                    func(gewerbe.Art) needle { return needle{text: "Katrin"} },
	itemGeburtsname:                 func(gewerbe.Art) needle { return needle{text: "Lehmann"} },
	itemGeburtsdatum:                func(gewerbe.Art) needle { return needle{element: "geburtsdatum"} },
	itemGeburtsort:                  func(gewerbe.Art) needle { return needle{element: "geburtsort"} },
	itemStaatsangehoerigkeit:        func(gewerbe.Art) needle { return needle{element: "staatsangehoerigkeitSchluessel"} },
	itemWohnanschrift:               func(gewerbe.Art) needle { return needle{text: "Bautzner Straße"} },
	itemBetriebsleiter:              func(gewerbe.Art) needle { return needle{text: "Kovalenko"} },
	itemKontakt:                     func(gewerbe.Art) needle { return needle{element: "telefonNummer"} },
	itemHauptniederlassung:          func(gewerbe.Art) needle { return needle{element: "hauptniederlassung"} },
	itemTaetigkeit:                  func(gewerbe.Art) needle { return needle{element: "taetigkeitenGesamt"} },
	itemNebenerwerb:                 func(gewerbe.Art) needle { return needle{element: "istNebenerwerb"} },
	itemBetriebsart:                 func(gewerbe.Art) needle { return needle{element: "betriebArt"} },
	itemBeschaeftigte:               func(gewerbe.Art) needle { return needle{element: "anzahlVollzeitBeschaeftigte"} },
	itemNiederlassungsart:           func(gewerbe.Art) needle { return needle{element: "niederlassungArt"} },
	itemAutomatenaufstellung:        func(gewerbe.Art) needle { return needle{element: "istAutomatenaufstellung"} },
	itemReisegewerbe:                func(gewerbe.Art) needle { return needle{element: "istReisegewerbe"} },
	itemErlaubnis:                   func(gewerbe.Art) needle { return needle{element: "erlaubnis"} },
	itemHandwerkskarte:              func(gewerbe.Art) needle { return needle{element: "handwerkskarte"} },
	itemAufenthaltstitel:            func(gewerbe.Art) needle { return needle{element: "aufenthaltstitel"} },
	itemAuflagen:                    func(gewerbe.Art) needle { return needle{element: "auflagen"} },
	itemBeteiligungOeffentlicheHand: func(gewerbe.Art) needle { return needle{element: "beteiligungOeffentlicheHand"} },
	itemAndereAnschrift: func(art gewerbe.Art) needle {
		if art == gewerbe.ArtAbmeldung {
			return needle{element: "kuenftigeAnschrift"}
		}
		return needle{element: "fruehereBetriebsstaette"}
	},
	itemGrund: func(art gewerbe.Art) needle {
		return needle{element: map[gewerbe.Art]string{gewerbe.ArtAnmeldung: "grundAnmeldungSchluessel", gewerbe.ArtUmmeldung: "grundUmmeldungSchluessel", gewerbe.ArtAbmeldung: "grundAbmeldungSchluessel"}[art]}
	},
	itemFruehererInhaber: func(gewerbe.Art) needle { return needle{element: "fruehererInhaber"} },
	itemUrsache:          func(gewerbe.Art) needle { return needle{element: "ursacheAbmeldungSchluessel"} },
}

// TestNothingBeyondEntitlement proves, per recipient kind and notice kind, that every item
// appears in the message exactly when § 3 GewAnzV (as mapped) grants its field, for a notice
// that has every item filled.
func TestNothingBeyondEntitlement(t *testing.T) {
	for _, art := range []gewerbe.Art{gewerbe.ArtAnmeldung, gewerbe.ArtUmmeldung, gewerbe.ArtAbmeldung} {
		for _, kind := range routing.Kinds() {
			if !Entitled(kind, art) {
				continue
			}
			t.Run(string(art)+"/"+string(kind), func(t *testing.T) {
				a := full(art)
				x, _, err := Build(input(a, kind))
				if err != nil {
					t.Fatal(err)
				}
				p := parseXML(t, x.Body)
				body := string(x.Body)
				g := grants[kind][art]
				for it, nf := range needles {
					n := nf(art)
					field := formField(art, it, noticeGrund(a))
					if field == 0 {
						continue // not on this form; full() has no such data either
					}
					want := g.allows(field)
					var got bool
					if n.text != "" {
						got = strings.Contains(body, n.text)
					} else {
						got = p.names[n.element]
					}
					if got != want {
						t.Errorf("field %d (item %d, needle %+v): in message = %v, granted = %v", field, it, n, got, want)
					}
				}
				// Data a recipient kind must never see, stated directly.
				never := map[routing.Kind][]string{
					routing.KindEichbehoerde: {"geburtsdatum", "staatsangehoerigkeitSchluessel", "staatangehoerigkeiten", "aufenthaltstitel", "geburtsort"},
					routing.KindStatistik:    {"staatsangehoerigkeitSchluessel", "aufenthaltstitel", "geburtsort", "erlaubnis", "hauptniederlassung"},
					routing.KindDRVKBS:       {"geburtsdatum", "staatsangehoerigkeitSchluessel", "aufenthaltstitel"},
					routing.KindFinanzamt:    {"staatsangehoerigkeitSchluessel", "aufenthaltstitel", "geburtsort"},
					routing.KindIHK:          {"aufenthaltstitel"},
				}[kind]
				for _, el := range never {
					if p.names[el] {
						t.Errorf("%s must never receive %s", kind, el)
					}
				}
				if kind == routing.KindStatistik && p.paths[rootPath(x.Body)+"/satz/"+string(art)+"/gewerbe/beteiligtePerson/anschrift"] {
					t.Errorf("statistik received a home address")
				}
			})
		}
	}
}

func rootPath(body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if el, ok := tok.(xml.StartElement); ok {
			return el.Name.Local
		}
	}
}

func TestStatistikGetsOnlyHilfsUndErhebungsmerkmale(t *testing.T) {
	m := Minimise(full(gewerbe.ArtAnmeldung), routing.KindStatistik)
	if len(m.Personen) != 1 {
		t.Fatalf("statistik got %d persons, want only the holder (no Betriebsleiter, field 11)", len(m.Personen))
	}
	p := m.Personen[0]
	want := gewerbe.Person{Funktion: "gesetzlicher_vertreter", Doktorgrad: "Dr.", Familienname: "Hoffmann", Vornamen: "Katrin",
		Geschlecht: "w", Geburtsname: "Lehmann", Geburtsdatum: "1975-11-02"}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("statistik person = %+v\nwant %+v", p, want)
	}
	if m.Erlaubnis != nil || m.Betrieb.Hauptniederlassung != nil || m.Anmeldung.FruehererInhaber != "" {
		t.Errorf("statistik got more than its fields: %+v", m)
	}
}

func TestEichbehoerdeLikeExample(t *testing.T) {
	x, _, err := Build(input(soleTraderNonEU(), routing.KindEichbehoerde))
	if err != nil {
		t.Fatal(err)
	}
	p := parseXML(t, x.Body)
	for _, el := range []string{"familienname", "vorname", "taetigkeitenGesamt", "anschrift", "gueltigAb", "niederlassungArt", "betriebArt"} {
		if !p.names[el] {
			t.Errorf("ea lacks %s", el)
		}
	}
	for _, el := range []string{"geburtsdatum", "staatangehoerigkeiten", "aufenthaltstitel", "geburtsort", "geburtsland", "anzahlTeilzeitBeschaeftigte", "telefonNummer"} {
		if p.names[el] {
			t.Errorf("ea must not receive %s", el)
		}
	}
}

func TestAuslaenderbehoerdeOnlyConcernedPersons(t *testing.T) {
	m := Minimise(gmbhRegistered(), routing.KindAuslaenderbehoerde)
	if len(m.Personen) != 1 || m.Personen[0].Familienname != "Kovalenko" {
		t.Fatalf("abh persons = %+v, want only the Ukrainian Betriebsleiter", m.Personen)
	}
	if m.Personen[0].Aufenthaltstitel == nil || m.Personen[0].Aufenthaltstitel.Auflagen == "" {
		t.Errorf("abh must receive the residence title with its conditions")
	}
	if m.Erlaubnis != nil || m.Betrieb.Kontakt == nil {
		t.Errorf("abh: erlaubnis %v, kontakt %v", m.Erlaubnis, m.Betrieb.Kontakt)
	}
}

func TestMinimiseIsADeepCopy(t *testing.T) {
	orig := full(gewerbe.ArtAnmeldung)
	for _, k := range routing.Kinds() {
		m := Minimise(orig, k)
		if !reflect.DeepEqual(orig, full(gewerbe.ArtAnmeldung)) {
			t.Fatalf("%s: Minimise changed its input", k)
		}
		// scribble over everything reachable in the copy
		m.Betrieb.Betriebsstaette.Strasse = "X"
		if m.Betrieb.Kontakt != nil {
			m.Betrieb.Kontakt.Telefon = "X"
		}
		if m.Betrieb.Beschaeftigte != nil && m.Betrieb.Beschaeftigte.Vollzeit != nil {
			*m.Betrieb.Beschaeftigte.Vollzeit = 99
		}
		if len(m.Betrieb.Betriebsart) > 0 {
			m.Betrieb.Betriebsart[0] = "X"
		}
		for i := range m.Personen {
			if len(m.Personen[i].Staatsangehoerigkeiten) > 0 {
				m.Personen[i].Staatsangehoerigkeiten[0] = "X"
			}
			if m.Personen[i].Aufenthaltstitel != nil {
				m.Personen[i].Aufenthaltstitel.Art = "X"
			}
		}
		if m.Anmeldung.FruehereBetriebsstaette != nil {
			m.Anmeldung.FruehereBetriebsstaette.Ort = "X"
		}
		if !reflect.DeepEqual(orig, full(gewerbe.ArtAnmeldung)) {
			t.Fatalf("%s: the minimised copy aliases the input", k)
		}
	}
	if Minimise(nil, routing.KindIHK) != nil {
		t.Error("Minimise(nil) != nil")
	}
}

func TestNotEntitledAndEnvelopeOnly(t *testing.T) {
	for _, c := range []struct {
		kind routing.Kind
		a    *gewerbe.Anzeige
	}{
		{routing.KindRegistergericht, gmbhRegistered()},
		{routing.KindRegistergericht, ummeldung()},
		{routing.KindZoll, ummeldung()},
		{routing.KindZoll, abmeldung()},
	} {
		if _, _, err := Build(input(c.a, c.kind)); err == nil || !strings.Contains(err.Error(), "receives no") {
			t.Errorf("%s/%s: err = %v", c.kind, c.a.Art, err)
		}
		m := Minimise(c.a, c.kind)
		want := &gewerbe.Anzeige{Art: c.a.Art, Betrieb: gewerbe.Betrieb{Betriebsstaette: c.a.Betrieb.Betriebsstaette, GewerbebetriebID: c.a.Betrieb.GewerbebetriebID}}
		switch c.a.Art {
		case gewerbe.ArtAnmeldung:
			want.Anmeldung = &gewerbe.Anmeldung{Beginn: c.a.Anmeldung.Beginn}
		case gewerbe.ArtUmmeldung:
			want.Ummeldung = &gewerbe.Ummeldung{Datum: c.a.Ummeldung.Datum}
		case gewerbe.ArtAbmeldung:
			want.Abmeldung = &gewerbe.Abmeldung{Datum: c.a.Abmeldung.Datum}
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("%s/%s: Minimise = %+v, want envelope only", c.kind, c.a.Art, m)
		}
	}
}

func TestBuildRejectsIncompleteInput(t *testing.T) {
	ok := input(gmbhRegistered(), routing.KindIHK)
	cases := map[string]func(*BuildInput){
		"nil anzeige":     func(in *BuildInput) { in.Anzeige = nil },
		"unknown kind":    func(in *BuildInput) { in.Recipient.Kind = "kirche" },
		"bad notice uuid": func(in *BuildInput) { in.NoticeUUID = "123" },
		"no message uuid": func(in *BuildInput) { in.MessageUUID = "" },
		"no betrieb id": func(in *BuildInput) {
			in.GewerbebetriebID = ""
			in.Anzeige.Betrieb.GewerbebetriebID = ""
		},
		"zero time":  func(in *BuildInput) { in.FiledAt = time.Time{} },
		"no author":  func(in *BuildInput) { in.Author.AGS = "" },
		"no section": func(in *BuildInput) { in.Anzeige.Anmeldung = nil },
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			in := ok
			in.Anzeige = gmbhRegistered()
			mut(&in)
			if _, _, err := Build(in); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, k := range routing.Kinds() {
		if !Entitled(k, gewerbe.ArtAnmeldung) {
			continue
		}
		x1, j1, err := Build(input(gmbhRegistered(), k))
		if err != nil {
			t.Fatal(err)
		}
		x2, j2, _ := Build(input(gmbhRegistered(), k))
		if !bytes.Equal(x1.Body, x2.Body) || !bytes.Equal(j1.Body, j2.Body) {
			t.Errorf("%s: two builds differ", k)
		}
	}
}

func TestWZ5AndDates(t *testing.T) {
	for in, want := range map[string]string{
		"96.02.1": "96021", // a subclass
		"62.02":   "62020", // a class without subdivision: its one subclass 62.02.0
		"47.91":   "",      // a class with subclasses 47.91.1 and .9 has no five-digit code
		"":        "",
		"01.1":    "", // a group is no activity code
		"99.99.9": "", // not in the list
	} {
		if got := wz5(in); got != want {
			t.Errorf("wz5(%q) = %q, want %q", in, got, want)
		}
	}
	if got := wzTitle("47.91"); got != "Versand- und Internet-Einzelhandel" {
		t.Errorf("wzTitle(47.91) = %q", got)
	}
	if got := ddmmyyyy("1965-10-12"); got != "12101965" {
		t.Errorf("ddmmyyyy = %q", got)
	}
	if s, n := splitHausnummer("Dr.-Külz-Ring 19"); s != "Dr.-Külz-Ring" || n != "19" {
		t.Errorf("split = %q %q", s, n)
	}
	if s, n := splitHausnummer("Am Markt"); s != "Am Markt" || n != "" {
		t.Errorf("split = %q %q", s, n)
	}
}

// TestEveryKindHasAGrantAndMeta keeps the tables in step with the recipient kinds.
func TestEveryKindHasAGrantAndMeta(t *testing.T) {
	for _, k := range routing.Kinds() {
		if _, ok := meta[k]; !ok {
			t.Errorf("%s has no root element", k)
		}
		if _, ok := grants[k]; !ok {
			t.Errorf("%s has no entitlement row", k)
		}
	}
	typs := map[string]bool{}
	for k, m := range meta {
		if typs[m.typ] {
			t.Errorf("%s: nachrichtentyp %s used twice", k, m.typ)
		}
		typs[m.typ] = true
	}
}
