package xgewo

import (
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

// This file is the one place that decides which data of a Gewerbeanzeige each recipient kind
// may receive. It has three parts:
//
//  1. formField: where each item of our data model sits on the 2019 forms (GewAnzV Anlagen 1–3,
//     BGBl. I 2019, 918–923), i.e. the field number the law text refers to;
//  2. grants: § 3 GewAnzV (as amended 3.7.2019) transcribed literally, per recipient kind and
//     form, plus our own choice for the recipients the 2019 text does not cover;
//  3. Minimise: copies only the entitled items.
//
// Caveats (egov-facts §1.4/§1.5):
//   - The field numbers of Anlage 1 follow the reading in egov-facts §1.5 (GOVSCHEMA). The
//     numbers of Anlagen 2 and 3 were not at hand; we assume fields 1–22 mean the same on all
//     three forms, which § 3 Abs. 2 GewAnzV implies (it uses fields 1–5, 12, 15–17 as the
//     same Hilfsmerkmale for all three). Numbers marked "U" below are our inference.
//   - Envelope: every recipient gets the notice kind, the date it takes effect (field 17),
//     the Betriebsstätte's postal address (field 12 without its contact data) and the
//     gewerbebetriebID. § 3 Abs. 1 GewAnzV lists field 12/17 not for every recipient, but the
//     KoSIT Eichbehörde example carries both although Nr. 5 does not list them, and no
//     recipient can attribute a notice to a place and day without them. This is the one
//     deliberate deviation from the literal table; it contains no data about a person.
//   - Field 10 (number of managing partners / legal representatives) is not a separate item in
//     our model; it follows from the persons and is not sent separately.

// item is one piece of our data model with a field number on the forms.
type item int

const (
	itemName                        item = iota + 1 // betrieb.name, .rechtsform, .geschaeftsbezeichnung — field 1
	itemRegister                                    // betrieb.register — field 2
	itemFamilienname                                // personen[].familienname, .doktorgrad — field 3
	itemVornamen                                    // personen[].vornamen — field 4
	itemGeschlecht                                  // personen[].geschlecht — field 4a (counted as 4)
	itemGeburtsname                                 // personen[].geburtsname — field 5
	itemGeburtsdatum                                // personen[].geburtsdatum — field 6
	itemGeburtsort                                  // personen[].geburtsort, .geburtsland — field 7
	itemStaatsangehoerigkeit                        // personen[].staatsangehoerigkeiten — field 8
	itemWohnanschrift                               // personen[].anschrift — field 9
	itemBetriebsleiter                              // personen[funktion=betriebsleiter] at all — field 11
	itemKontakt                                     // betrieb.kontakt (Tel., E-Mail, Web of the site) — field 12
	itemHauptniederlassung                          // betrieb.hauptniederlassung — field 13
	itemAndereAnschrift                             // anmeldung/ummeldung.fruehereBetriebsstaette, abmeldung.kuenftigeAnschrift — field 14
	itemTaetigkeit                                  // taetigkeit.*, ummeldung.fruehereTaetigkeit — field 15
	itemNebenerwerb                                 // betrieb.nebenerwerb — field 16
	itemBetriebsart                                 // betrieb.betriebsart — field 18
	itemBeschaeftigte                               // betrieb.beschaeftigte — field 19
	itemNiederlassungsart                           // betrieb.niederlassungsart — field 20
	itemAutomatenaufstellung                        // betrieb.automatenaufstellung — field 21
	itemReisegewerbe                                // betrieb.reisegewerbe — field 22
	itemGrund                                       // anmeldung/ummeldung/abmeldung.grund — field 23 or 24 by value
	itemFruehererInhaber                            // anmeldung.fruehererInhaber — Anlage 1 field 26
	itemUrsache                                     // abmeldung.ursache — Anlage 3 field 28 (U)
	itemErlaubnis                                   // erlaubnis — Anlage 1/2 field 28, Anlage 3 field 27 (U)
	itemHandwerkskarte                              // handwerkskarte — field 29
	itemAufenthaltstitel                            // personen[].aufenthaltstitel (art, date, authority) — field 30
	itemAuflagen                                    // personen[].aufenthaltstitel.auflagen — Anlage 1 field 31, else 30
	itemBeteiligungOeffentlicheHand                 // betrieb.beteiligungOeffentlicheHand — Anlage 1 field 32 (U)
)

// common are the numbers shared by all three forms.
var common = map[item]int{
	itemName: 1, itemRegister: 2, itemFamilienname: 3, itemVornamen: 4, itemGeschlecht: 4,
	itemGeburtsname: 5, itemGeburtsdatum: 6, itemGeburtsort: 7, itemStaatsangehoerigkeit: 8,
	itemWohnanschrift: 9, itemBetriebsleiter: 11, itemKontakt: 12, itemHauptniederlassung: 13,
	itemAndereAnschrift: 14, itemTaetigkeit: 15, itemNebenerwerb: 16, itemBetriebsart: 18,
	itemBeschaeftigte: 19, itemNiederlassungsart: 20, itemAutomatenaufstellung: 21,
	itemReisegewerbe: 22, itemHandwerkskarte: 29, itemAufenthaltstitel: 30,
}

// perForm are the numbers that differ between the forms. An item missing here and in common
// has no field on that form and is sent to nobody.
var perForm = map[gewerbe.Art]map[item]int{
	// Anlage 1 (GewA 1): 26 Name des früheren Gewerbetreibenden, 28 Erlaubnis, 31 Auflagen zum
	// Aufenthaltstitel, 32 (U: statistics uses it; we place the public-sector share there).
	gewerbe.ArtAnmeldung: {itemFruehererInhaber: 26, itemErlaubnis: 28, itemAuflagen: 31, itemBeteiligungOeffentlicheHand: 32},
	// Anlage 2 (GewA 2): 28 Erlaubnis (U), Auflagen are part of the residence title field 30.
	gewerbe.ArtUmmeldung: {itemErlaubnis: 28, itemAuflagen: 30},
	// Anlage 3 (GewA 3) numbers its fields from 18 on differently from Anlage 1 (inferred,
	// medium confidence, from the FIM schema S05000001294 of the 2024 form and the § 3 GewAnzV
	// table of 2019, which only makes sense so — the Eichbehörde then receives the activity
	// given up and the date of cessation, the Bundesagentur für Arbeit the persons and the
	// date): 18 Tätigkeit, 19 Nebenerwerb, 20 Datum der Betriebsaufgabe, 21 Art des Betriebes,
	// 22 Beschäftigte, 23 Haupt-/Zweigniederlassung, 24 Automaten-/Reisegewerbe, 25/26 Grund,
	// 28 Ursache der Betriebsaufgabe, 30 Unterschrift; 13 Beteiligung der öffentlichen Hand (only
	// the DGUV receives 13 on every form). The form has no Erlaubnis, Handwerkskarte or
	// Aufenthaltstitel (every recipient but the statistics office is denied only 13 and 30):
	// 0 sends them to nobody. Fields 12, 14–17 keep the Anlage 1 meaning (U).
	gewerbe.ArtAbmeldung: {itemTaetigkeit: 18, itemNebenerwerb: 19, itemBetriebsart: 21, itemBeschaeftigte: 22, itemNiederlassungsart: 23,
		itemAutomatenaufstellung: 24, itemReisegewerbe: 24, itemUrsache: 28, itemBeteiligungOeffentlicheHand: 13,
		itemErlaubnis: 0, itemHandwerkskarte: 0, itemAufenthaltstitel: 0, itemAuflagen: 0},
}

// formField returns the field number of an item on the form of the notice kind, 0 if none.
// grund is the notice's grund, which decides between field 23 and 24.
func formField(art gewerbe.Art, it item, grund string) int {
	if it == itemGrund {
		switch art {
		case gewerbe.ArtAnmeldung: // 23 Neuerrichtung / Wiedereröffnung nach Verlegung; 24 Übernahme
			if grund == "neuerrichtung" || grund == "verlegung_aus_anderem_meldebezirk" {
				return 23
			}
			return 24
		case gewerbe.ArtUmmeldung: // 23 Grund der Ummeldung (U)
			return 23
		case gewerbe.ArtAbmeldung: // 25 vollständige Aufgabe / Verlegung; 26 Übergabe (see perForm)
			if grund == "vollstaendige_aufgabe" || grund == "verlegung_in_anderen_meldebezirk" {
				return 25
			}
			return 26
		}
		return 0
	}
	if n, ok := perForm[art][it]; ok {
		return n
	}
	return common[it]
}

// grant is one row cell of § 3 GewAnzV: either "only these fields" or "all except these".
type grant struct {
	only   bool
	fields []int
}

func (g grant) allows(n int) bool {
	if n == 0 {
		return false
	}
	in := false
	for _, f := range g.fields {
		if f == n {
			in = true
			break
		}
	}
	return in == g.only
}

func only(f ...int) grant   { return grant{only: true, fields: f} }
func except(f ...int) grant { return grant{fields: f} }

// span expands inclusive ranges: span(1, 5) = 1, 2, 3, 4, 5.
func span(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func join(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

const (
	an = gewerbe.ArtAnmeldung
	um = gewerbe.ArtUmmeldung
	ab = gewerbe.ArtAbmeldung
)

// grants is § 3 GewAnzV (text of 3.7.2019), field numbers of Anlagen 1, 2 and 3. A missing
// cell means the recipient kind receives nothing for that notice kind.
var grants = map[routing.Kind]map[gewerbe.Art]grant{
	// § 3 Abs. 1 Nr. 1
	routing.KindIHK: {an: except(13, 27, 29, 30, 31, 33), um: except(13, 26, 27, 28, 30), ab: except(13, 30)},
	// § 3 Abs. 1 Nr. 2
	routing.KindHWK: {an: except(13, 27, 30, 31, 33), um: except(13, 27, 28, 30), ab: except(13, 30)},
	// § 3 Abs. 1 Nr. 3 and Nr. 4 (identical rows)
	routing.KindImmissionsschutz: {an: except(join([]int{10, 12, 13}, span(27, 31), []int{33})...), um: except(join([]int{10, 12, 13}, span(25, 28), []int{30})...), ab: except(10, 12, 13, 28, 30)},
	routing.KindArbeitsschutz:    {an: except(join([]int{10, 12, 13}, span(27, 31), []int{33})...), um: except(join([]int{10, 12, 13}, span(25, 28), []int{30})...), ab: except(10, 12, 13, 28, 30)},
	// § 3 Abs. 1 Nr. 5: only the listed fields — never birth data, nationality or residence title.
	routing.KindEichbehoerde: {an: only(1, 3, 4, 5, 11, 14, 15, 18, 20), um: only(1, 3, 4, 5, 11, 14, 15, 18, 19, 21), ab: only(1, 3, 4, 5, 11, 14, 16, 18, 20)},
	// § 3 Abs. 1 Nr. 6
	routing.KindArbeitsagentur: {an: except(13, 27, 33), um: except(13, 30), ab: except(join([]int{10}, span(12, 19), span(21, 30))...)},
	// § 3 Abs. 1 Nr. 7
	routing.KindDGUV: {an: except(12, 28, 30, 31, 33), um: except(12, 25, 27, 28, 30), ab: except(12, 30)},
	// § 3 Abs. 1 Nr. 8: Abmeldungen only.
	routing.KindRegistergericht: {ab: except(join(span(8, 10), span(12, 14), []int{16, 21, 22, 24}, span(28, 30))...)},
	// § 3 Abs. 1 Nr. 9 (same as Immissionsschutz)
	routing.KindLebensmittelueberwachung: {an: except(join([]int{10, 12, 13}, span(27, 31), []int{33})...), um: except(join([]int{10, 12, 13}, span(25, 28), []int{30})...), ab: except(10, 12, 13, 28, 30)},
	// § 3 Abs. 2: Hilfsmerkmale 1–5 (owner), 12 and 15–17 (business) plus the Erhebungsmerkmale
	// of each form. Nothing else: no nationality, no home address, no residence title.
	routing.KindStatistik: {
		an: only(join(span(1, 5), []int{12, 15, 16, 17}, []int{6, 10}, span(18, 25), []int{29, 32})...),
		um: only(join(span(1, 5), []int{12, 15, 16, 17}, []int{6, 10}, span(18, 24), []int{26, 29})...),
		ab: only(join(span(1, 5), []int{12, 15, 16, 17}, []int{6, 10}, span(18, 26), []int{28, 29})...),
	},
	// § 3 Abs. 3: Anmeldungen only, and only when the office found Anhaltspunkte (routing).
	routing.KindZoll: {an: except(13, 27, 33)},

	// Not in the 2019 text of § 3 GewAnzV; our defensible minimum (§ 14 Abs. 8 GewO names them,
	// the 2024 GewAnzV rows were not at hand):

	// Finanzamt (§§ 22, 138 AO: tax registration, Gewerbesteuer): who runs which business where
	// and since when — business and register (1, 2), owner identity with birth date for matching
	// the tax id (3–6), home address because it decides the competent Finanzamt of a sole trader
	// (9), and the business fields 10–26. Not: birthplace, nationality (7, 8), permits, craft
	// card, residence title (27–33).
	routing.KindFinanzamt: {an: only(join(span(1, 6), span(9, 26))...), um: only(join(span(1, 6), span(9, 26))...), ab: only(join(span(1, 6), span(9, 26))...)},
	// Ausländerbehörde (AufenthG: does the residence title allow this self-employment?): the
	// person's full identity (3–9), the residence title with its conditions (30, 31), what the
	// business is and where (1, 2, 11, 12, 15–20, 22–24). Minimise also drops every person who
	// holds an EU/EEA/CH nationality: they are none of the foreigners authority's business.
	routing.KindAuslaenderbehoerde: {
		an: only(join(span(1, 9), []int{11, 12}, span(15, 20), span(22, 24), []int{30, 31})...),
		um: only(join(span(1, 9), []int{11, 12}, span(15, 20), span(22, 24), []int{30})...),
		ab: only(join(span(1, 9), []int{11, 12}, span(15, 20), span(22, 24), []int{30})...),
	},
	// DRV Knappschaft-Bahn-See (Minijob-Zentrale, § 40a EStG): the employer — business, register,
	// owner's name (1–4), site with contact, head office (12, 13), activity, dates, kind and
	// size of the business (15–20). No birth data, nationality, home address or titles.
	routing.KindDRVKBS: {an: only(join(span(1, 4), []int{12, 13}, span(15, 20))...), um: only(join(span(1, 4), []int{12, 13}, span(15, 20))...), ab: only(join(span(1, 4), []int{12, 13}, span(15, 20))...)},
	// Erlaubnisbehörde (§§ 29 ff. GewO supervision, reliability): the permit holder's identity
	// incl. birthplace for register queries (1–7, 9), the business (10–26) and the permit
	// itself. Not: nationality (8), craft card, residence title.
	routing.KindErlaubnisbehoerde: {an: only(join(span(1, 7), span(9, 26), []int{28})...), um: only(join(span(1, 7), span(9, 26), []int{28})...), ab: only(join(span(1, 7), span(9, 26), []int{27})...)},
}

// Entitled reports whether a recipient kind receives notices of this kind at all.
func Entitled(kind routing.Kind, art gewerbe.Art) bool {
	_, ok := grants[kind][art]
	return ok
}

// Minimise returns a deep copy of a that holds only what the recipient kind may receive for
// this notice kind (§ 3 GewAnzV as mapped above), plus the envelope (notice kind, the date it
// takes effect, the Betriebsstätte's postal address, gewerbebetriebID). For a kind that is not
// Entitled the copy holds the envelope only. a is not modified. Message builders must only
// ever see the result.
func Minimise(a *gewerbe.Anzeige, kind routing.Kind) *gewerbe.Anzeige {
	if a == nil {
		return nil
	}
	g, entitled := grants[kind][a.Art]
	grund := noticeGrund(a)
	has := func(it item) bool { return entitled && g.allows(formField(a.Art, it, grund)) }

	src := &a.Betrieb
	out := &gewerbe.Anzeige{Art: a.Art}
	b := &out.Betrieb
	b.Betriebsstaette = src.Betriebsstaette
	b.GewerbebetriebID = src.GewerbebetriebID
	if has(itemName) {
		b.Name, b.Rechtsform, b.Geschaeftsbezeichnung = src.Name, src.Rechtsform, src.Geschaeftsbezeichnung
	}
	if has(itemRegister) && src.Register != nil {
		r := *src.Register
		b.Register = &r
	}
	if has(itemKontakt) && src.Kontakt != nil {
		k := *src.Kontakt
		b.Kontakt = &k
	}
	if has(itemHauptniederlassung) {
		b.Hauptniederlassung = cloneAnschrift(src.Hauptniederlassung)
	}
	if has(itemNiederlassungsart) {
		b.Niederlassungsart = src.Niederlassungsart
	}
	if has(itemBetriebsart) {
		b.Betriebsart = append([]string(nil), src.Betriebsart...)
	}
	if has(itemBeschaeftigte) && src.Beschaeftigte != nil {
		b.Beschaeftigte = &gewerbe.Beschaeftigte{Vollzeit: clonePtr(src.Beschaeftigte.Vollzeit), Teilzeit: clonePtr(src.Beschaeftigte.Teilzeit)}
	}
	if has(itemNebenerwerb) {
		b.Nebenerwerb = clonePtr(src.Nebenerwerb)
	}
	if has(itemReisegewerbe) {
		b.Reisegewerbe = clonePtr(src.Reisegewerbe)
	}
	if has(itemAutomatenaufstellung) {
		b.Automatenaufstellung = clonePtr(src.Automatenaufstellung)
	}
	if has(itemBeteiligungOeffentlicheHand) {
		b.BeteiligungOeffentlicheHand = clonePtr(src.BeteiligungOeffentlicheHand)
	}

	for _, p := range a.Personen {
		if kind == routing.KindAuslaenderbehoerde && !routing.NeedsAufenthaltstitel(p.Staatsangehoerigkeiten) {
			continue
		}
		if q, ok := minimisePerson(p, has); ok {
			out.Personen = append(out.Personen, q)
		}
	}

	if has(itemTaetigkeit) {
		out.Taetigkeit = gewerbe.Taetigkeit{
			Beschreibung: a.Taetigkeit.Beschreibung,
			WZ2008:       a.Taetigkeit.WZ2008,
			Weitere:      append([]string(nil), a.Taetigkeit.Weitere...),
		}
	}
	switch {
	case a.Art == gewerbe.ArtAnmeldung && a.Anmeldung != nil:
		m := &gewerbe.Anmeldung{Beginn: a.Anmeldung.Beginn}
		if has(itemGrund) {
			m.Grund = a.Anmeldung.Grund
		}
		if has(itemAndereAnschrift) {
			m.FruehereBetriebsstaette = cloneAnschrift(a.Anmeldung.FruehereBetriebsstaette)
		}
		if has(itemFruehererInhaber) {
			m.FruehererInhaber = a.Anmeldung.FruehererInhaber
		}
		out.Anmeldung = m
	case a.Art == gewerbe.ArtUmmeldung && a.Ummeldung != nil:
		m := &gewerbe.Ummeldung{Datum: a.Ummeldung.Datum}
		if has(itemGrund) {
			m.Grund = a.Ummeldung.Grund
		}
		if has(itemAndereAnschrift) {
			m.FruehereBetriebsstaette = cloneAnschrift(a.Ummeldung.FruehereBetriebsstaette)
		}
		if has(itemTaetigkeit) {
			m.FruehereTaetigkeit = a.Ummeldung.FruehereTaetigkeit
		}
		out.Ummeldung = m
	case a.Art == gewerbe.ArtAbmeldung && a.Abmeldung != nil:
		m := &gewerbe.Abmeldung{Datum: a.Abmeldung.Datum}
		if has(itemGrund) {
			m.Grund = a.Abmeldung.Grund
		}
		if has(itemUrsache) {
			m.Ursache = a.Abmeldung.Ursache
		}
		if has(itemAndereAnschrift) {
			m.KuenftigeAnschrift = cloneAnschrift(a.Abmeldung.KuenftigeAnschrift)
		}
		out.Abmeldung = m
	}
	if has(itemErlaubnis) && a.Erlaubnis != nil {
		e := *a.Erlaubnis
		out.Erlaubnis = &e
	}
	if has(itemHandwerkskarte) && a.Handwerkskarte != nil {
		h := *a.Handwerkskarte
		out.Handwerkskarte = &h
	}
	return out
}

// minimisePerson copies the entitled details of one person. A Betriebsleiter (field 11) is
// included only where field 11 is granted, and then with the same per-field limits as the
// owner; field 11 itself stands for the name. The person is dropped when nothing but the
// function would remain.
func minimisePerson(p gewerbe.Person, has func(item) bool) (gewerbe.Person, bool) {
	leiter := p.Funktion == "betriebsleiter"
	if leiter && !has(itemBetriebsleiter) {
		return gewerbe.Person{}, false
	}
	name := func(it item) bool { return has(it) || leiter }
	q := gewerbe.Person{Funktion: p.Funktion}
	kept := false
	set := func(ok bool, dst *string, v string) {
		if ok && v != "" {
			*dst = v
			kept = true
		}
	}
	set(name(itemFamilienname), &q.Familienname, p.Familienname)
	set(name(itemFamilienname), &q.Doktorgrad, p.Doktorgrad)
	set(name(itemVornamen), &q.Vornamen, p.Vornamen)
	set(name(itemGeschlecht), &q.Geschlecht, p.Geschlecht)
	set(has(itemGeburtsname), &q.Geburtsname, p.Geburtsname)
	set(has(itemGeburtsdatum), &q.Geburtsdatum, p.Geburtsdatum)
	set(has(itemGeburtsort), &q.Geburtsort, p.Geburtsort)
	set(has(itemGeburtsort), &q.Geburtsland, p.Geburtsland)
	if has(itemStaatsangehoerigkeit) && len(p.Staatsangehoerigkeiten) > 0 {
		q.Staatsangehoerigkeiten = append([]string(nil), p.Staatsangehoerigkeiten...)
		kept = true
	}
	if has(itemWohnanschrift) && p.Anschrift != (gewerbe.Anschrift{}) {
		q.Anschrift = p.Anschrift
		kept = true
	}
	if has(itemAufenthaltstitel) && p.Aufenthaltstitel != nil {
		t := *p.Aufenthaltstitel
		if !has(itemAuflagen) {
			t.Auflagen = ""
		}
		q.Aufenthaltstitel = &t
		kept = true
	}
	return q, kept
}

func noticeGrund(a *gewerbe.Anzeige) string {
	switch {
	case a.Art == gewerbe.ArtAnmeldung && a.Anmeldung != nil:
		return a.Anmeldung.Grund
	case a.Art == gewerbe.ArtUmmeldung && a.Ummeldung != nil:
		return a.Ummeldung.Grund
	case a.Art == gewerbe.ArtAbmeldung && a.Abmeldung != nil:
		return a.Abmeldung.Grund
	}
	return ""
}

func cloneAnschrift(a *gewerbe.Anschrift) *gewerbe.Anschrift {
	if a == nil {
		return nil
	}
	c := *a
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
