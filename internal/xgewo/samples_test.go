package xgewo

import (
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

func ptr[T any](v T) *T { return &v }

// Realistic notices from Saxon municipalities. All data is invented.

// soleTraderNonEU: a Vietnamese sole trader opens a nail studio in Leipzig.
func soleTraderNonEU() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAnmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:            "einzelunternehmen",
			Geschaeftsbezeichnung: "Lotus Nails",
			Betriebsstaette:       gewerbe.Anschrift{Strasse: "Eisenbahnstraße", Hausnummer: "54", PLZ: "04315", Ort: "Leipzig", AGS: "14713000"},
			Kontakt:               &gewerbe.Kontakt{Telefon: "0341 2233445", Email: "info@lotus-nails.example"},
			Niederlassungsart:     "hauptniederlassung",
			Betriebsart:           []string{"sonstiges"},
			Beschaeftigte:         &gewerbe.Beschaeftigte{Vollzeit: ptr(0), Teilzeit: ptr(1)},
			Nebenerwerb:           ptr(false),
			GewerbebetriebID:      "3f1c2b7e-8d1a-4c55-9b0e-2a6f4d8e9c01",
		},
		Personen: []gewerbe.Person{{
			Funktion: "inhaber", Familienname: "Nguyen", Vornamen: "Thi Lan", Geschlecht: "w", Geburtsname: "Tran",
			Geburtsdatum: "1990-05-17", Geburtsort: "Hanoi", Geburtsland: "VN", Staatsangehoerigkeiten: []string{"VN"},
			Anschrift:        gewerbe.Anschrift{Strasse: "Hermann-Liebmann-Straße", Hausnummer: "12", PLZ: "04315", Ort: "Leipzig"},
			Aufenthaltstitel: &gewerbe.Aufenthaltstitel{Art: "Niederlassungserlaubnis", AusgestelltAm: "2019-03-04", Behoerde: "Stadt Leipzig, Ausländerbehörde"},
		}},
		Taetigkeit: gewerbe.Taetigkeit{Beschreibung: "Nagelstudio (Maniküre, Nageldesign)", WZ2008: "96.02.2", Weitere: []string{"Verkauf von Nagelpflegeprodukten"}},
		Anmeldung:  &gewerbe.Anmeldung{Beginn: "2026-04-01", Grund: "neuerrichtung"},
	}
}

// gmbhRegistered: an insurance brokerage GmbH with a managing director and a Ukrainian branch
// manager opens a branch in Dresden; it holds a § 34d permit.
func gmbhRegistered() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAnmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:                  "gmbh",
			Name:                        "Elbe Assekuranz Makler GmbH",
			Register:                    &gewerbe.Register{Art: "HRB", Nummer: "41277", Gericht: "Amtsgericht Dresden"},
			Betriebsstaette:             gewerbe.Anschrift{Strasse: "Prager Straße", Hausnummer: "8", PLZ: "01069", Ort: "Dresden", AGS: "14612000"},
			Hauptniederlassung:          &gewerbe.Anschrift{Strasse: "Königstraße", Hausnummer: "3", PLZ: "01097", Ort: "Dresden"},
			Kontakt:                     &gewerbe.Kontakt{Telefon: "0351 4455660", Email: "kontakt@elbe-assekuranz.example", Web: "https://elbe-assekuranz.example"},
			Niederlassungsart:           "zweigniederlassung",
			Betriebsart:                 []string{"sonstiges"},
			Beschaeftigte:               &gewerbe.Beschaeftigte{Vollzeit: ptr(4), Teilzeit: ptr(2)},
			Nebenerwerb:                 ptr(false),
			Reisegewerbe:                ptr(false),
			Automatenaufstellung:        ptr(false),
			BeteiligungOeffentlicheHand: ptr(false),
			GewerbebetriebID:            "8a0d6a3e-55b1-4f0e-a1b2-6c7d8e9f0a12",
		},
		Personen: []gewerbe.Person{
			{
				Funktion: "gesetzlicher_vertreter", Doktorgrad: "Dr.", Familienname: "Hoffmann", Vornamen: "Katrin", Geschlecht: "w",
				Geburtsdatum: "1975-11-02", Geburtsort: "Meißen", Geburtsland: "DE", Staatsangehoerigkeiten: []string{"DE"},
				Anschrift: gewerbe.Anschrift{Strasse: "Bautzner Straße", Hausnummer: "101", PLZ: "01099", Ort: "Dresden"},
			},
			{
				Funktion: "betriebsleiter", Familienname: "Kovalenko", Vornamen: "Andrij", Geschlecht: "m",
				Geburtsdatum: "1988-07-21", Geburtsort: "Lwiw", Geburtsland: "UA", Staatsangehoerigkeiten: []string{"UA"},
				Anschrift:        gewerbe.Anschrift{Strasse: "Leipziger Straße", Hausnummer: "5", PLZ: "01097", Ort: "Dresden"},
				Aufenthaltstitel: &gewerbe.Aufenthaltstitel{Art: "Aufenthaltserlaubnis § 24 AufenthG", AusgestelltAm: "2023-01-15", Behoerde: "Landeshauptstadt Dresden", Auflagen: "Erwerbstätigkeit erlaubt"},
			},
		},
		Taetigkeit: gewerbe.Taetigkeit{Beschreibung: "Versicherungsmakler nach § 34d Abs. 1 GewO", WZ2008: "66.22", Weitere: []string{"Vermittlung von Bausparverträgen"}},
		Anmeldung:  &gewerbe.Anmeldung{Beginn: "2026-04-15", Grund: "neuerrichtung"},
		Erlaubnis:  &gewerbe.Erlaubnis{Art: "§ 34d Abs. 1 GewO Versicherungsmakler", Datum: "2026-02-10", Behoerde: "IHK Dresden"},
	}
}

// craft: a carpenter's workshop with a Meister's craft card in Chemnitz.
func craft() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAnmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:        "einzelunternehmen",
			Betriebsstaette:   gewerbe.Anschrift{Strasse: "Zwickauer Straße", Hausnummer: "210", PLZ: "09116", Ort: "Chemnitz", AGS: "14511000"},
			Kontakt:           &gewerbe.Kontakt{Telefon: "0371 667788"},
			Niederlassungsart: "hauptniederlassung",
			Betriebsart:       []string{"handwerk"},
			Beschaeftigte:     &gewerbe.Beschaeftigte{Vollzeit: ptr(2), Teilzeit: ptr(0)},
			Nebenerwerb:       ptr(false),
			GewerbebetriebID:  "c2e4f6a8-1b3d-4e5f-8a9b-0c1d2e3f4a5b",
		},
		Personen: []gewerbe.Person{{
			Funktion: "inhaber", Familienname: "Richter", Vornamen: "Paul", Geschlecht: "m",
			Geburtsdatum: "1984-01-30", Geburtsort: "Zwickau", Geburtsland: "DE", Staatsangehoerigkeiten: []string{"DE"},
			Anschrift: gewerbe.Anschrift{Strasse: "Annaberger Straße", Hausnummer: "77", PLZ: "09111", Ort: "Chemnitz"},
		}},
		Taetigkeit:     gewerbe.Taetigkeit{Beschreibung: "Tischlerei (Möbel- und Innenausbau)", WZ2008: "16.23.0"},
		Anmeldung:      &gewerbe.Anmeldung{Beginn: "2026-05-01", Grund: "neuerrichtung"},
		Handwerkskarte: &gewerbe.Handwerkskarte{Datum: "2026-03-20", Kammer: "Handwerkskammer Chemnitz"},
	}
}

// food: a bakery café run by two partners (GbR), moved in from another municipality.
func food() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAnmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:            "gbr",
			Geschaeftsbezeichnung: "Backstube & Café Sonnenschein",
			Betriebsstaette:       gewerbe.Anschrift{Strasse: "Markt", Hausnummer: "4", PLZ: "01662", Ort: "Meißen", AGS: "14627170"},
			Kontakt:               &gewerbe.Kontakt{Telefon: "03521 405060"},
			Niederlassungsart:     "hauptniederlassung",
			Betriebsart:           []string{"handwerk", "handel"},
			Beschaeftigte:         &gewerbe.Beschaeftigte{Vollzeit: ptr(3), Teilzeit: ptr(4)},
			GewerbebetriebID:      "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
		},
		Personen: []gewerbe.Person{
			{
				Funktion: "gesellschafter", Familienname: "Wagner", Vornamen: "Jens", Geschlecht: "m",
				Geburtsdatum: "1979-09-09", Geburtsort: "Riesa", Staatsangehoerigkeiten: []string{"DE"},
				Anschrift: gewerbe.Anschrift{Strasse: "Elbstraße", Hausnummer: "2", PLZ: "01662", Ort: "Meißen"},
			},
			{
				Funktion: "gesellschafter", Familienname: "Novák", Vornamen: "Petra", Geschlecht: "w",
				Geburtsdatum: "1986-03-14", Geburtsort: "Děčín", Geburtsland: "CZ", Staatsangehoerigkeiten: []string{"CZ"},
				Anschrift: gewerbe.Anschrift{Strasse: "Elbstraße", Hausnummer: "2", PLZ: "01662", Ort: "Meißen"},
			},
		},
		Taetigkeit: gewerbe.Taetigkeit{Beschreibung: "Bäckerei mit Café", WZ2008: "10.71.0", Weitere: []string{"Ausschank von Heißgetränken", "Partyservice"}},
		Anmeldung: &gewerbe.Anmeldung{Beginn: "2026-04-01", Grund: "verlegung_aus_anderem_meldebezirk",
			FruehereBetriebsstaette: &gewerbe.Anschrift{Strasse: "Hauptstraße", Hausnummer: "9", PLZ: "01640", Ort: "Coswig", AGS: "14627010"}},
		Handwerkskarte: &gewerbe.Handwerkskarte{Datum: "2015-06-01", Kammer: "Handwerkskammer Dresden"},
	}
}

// ummeldung: the carpenter moves within Chemnitz and adds stair building.
func ummeldung() *gewerbe.Anzeige {
	a := craft()
	a.Art = gewerbe.ArtUmmeldung
	a.Anmeldung = nil
	a.Betrieb.Betriebsstaette = gewerbe.Anschrift{Strasse: "Neefestraße", Hausnummer: "88", PLZ: "09119", Ort: "Chemnitz", AGS: "14511000"}
	a.Taetigkeit = gewerbe.Taetigkeit{Beschreibung: "Tischlerei (Möbel- und Innenausbau, Treppenbau)", WZ2008: "16.23.0"}
	a.Ummeldung = &gewerbe.Ummeldung{Datum: "2026-09-01", Grund: "verlegung_innerhalb_meldebezirk",
		FruehereBetriebsstaette: &gewerbe.Anschrift{Strasse: "Zwickauer Straße", Hausnummer: "210", PLZ: "09116", Ort: "Chemnitz", AGS: "14511000"},
		FruehereTaetigkeit:      "Tischlerei (Möbel- und Innenausbau)"}
	return a
}

// abmeldung: the registered GmbH closes its Dresden branch for economic reasons.
func abmeldung() *gewerbe.Anzeige {
	a := gmbhRegistered()
	a.Art = gewerbe.ArtAbmeldung
	a.Anmeldung = nil
	a.Abmeldung = &gewerbe.Abmeldung{Datum: "2026-12-31", Grund: "vollstaendige_aufgabe", Ursache: "wirtschaftliche_schwierigkeiten",
		KuenftigeAnschrift: &gewerbe.Anschrift{Strasse: "Königstraße", Hausnummer: "3", PLZ: "01097", Ort: "Dresden"}}
	return a
}

// full is a notice of the given kind with every item filled, for the entitlement proofs.
func full(art gewerbe.Art) *gewerbe.Anzeige {
	a := gmbhRegistered()
	a.Art = art
	a.Anmeldung = nil
	a.Handwerkskarte = &gewerbe.Handwerkskarte{Datum: "2010-01-01", Kammer: "Handwerkskammer Dresden"}
	a.Betrieb.Betriebsart = []string{"handwerk", "handel"}
	a.Betrieb.BeteiligungOeffentlicheHand = ptr(true)
	a.Personen[0].Geburtsname = "Lehmann"
	a.Personen[0].Staatsangehoerigkeiten = []string{"BR"}
	a.Personen[0].Aufenthaltstitel = &gewerbe.Aufenthaltstitel{Art: "Niederlassungserlaubnis", AusgestelltAm: "2012-01-01", Behoerde: "Dresden", Auflagen: "keine"}
	a.Personen[1].Geburtsname = "Petrenko"
	switch art {
	case gewerbe.ArtAnmeldung:
		a.Anmeldung = &gewerbe.Anmeldung{Beginn: "2026-04-15", Grund: "uebernahme",
			FruehereBetriebsstaette: &gewerbe.Anschrift{Strasse: "Alte Straße", Hausnummer: "1", PLZ: "01067", Ort: "Dresden"},
			FruehererInhaber:        "Muster Versicherungen e.K."}
	case gewerbe.ArtUmmeldung:
		a.Ummeldung = &gewerbe.Ummeldung{Datum: "2026-04-15", Grund: "wechsel_der_taetigkeit",
			FruehereBetriebsstaette: &gewerbe.Anschrift{Strasse: "Alte Straße", Hausnummer: "1", PLZ: "01067", Ort: "Dresden"},
			FruehereTaetigkeit:      "Versicherungsvertreter"}
	case gewerbe.ArtAbmeldung:
		a.Abmeldung = &gewerbe.Abmeldung{Datum: "2026-04-15", Grund: "uebergabe", Ursache: "alter",
			KuenftigeAnschrift: &gewerbe.Anschrift{Strasse: "Neue Straße", Hausnummer: "2", PLZ: "01067", Ort: "Dresden"}}
	}
	return a
}

var (
	testFiledAt = time.Date(2026, 3, 18, 10, 42, 7, 0, time.FixedZone("CET", 3600))
	testOffice  = Office{AGS: "14612000", Name: "Landeshauptstadt Dresden, Gewerbeamt", Strasse: "Theaterstraße 11",
		PLZ: "01067", Ort: "Dresden", Email: "gewerbeamt@dresden.example", Telefon: "0351 4880"}
)
