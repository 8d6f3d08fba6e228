package document

import (
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

func bp(b bool) *bool { return &b }
func ip(i int) *int   { return &i }

var (
	testFiledAt = time.Date(2026, 11, 28, 13, 5, 42, 0, time.UTC) // 14:05 in Berlin
	testOffice  = Office{
		Name:    "Landeshauptstadt Dresden, Gewerbeamt",
		Strasse: "Theaterstraße 11",
		PLZ:     "01067",
		Ort:     "Dresden",
		Email:   "gewerbeamt@dresden.example",
		Telefon: "0351 488-0",
	}
	testMeta = Meta{Reference: "GA-2026-004711", FiledAt: testFiledAt, Behoerde: testOffice, Lang: "de"}
)

// anmeldungEinzel is a GewA 1 of a sole trader with Turkish nationality and a residence title.
func anmeldungEinzel() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAnmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:            "einzelunternehmen",
			Geschaeftsbezeichnung: "Doğan Änderungsschneiderei & Reinigung",
			Betriebsstaette:       gewerbe.Anschrift{Strasse: "Königsbrücker Straße", Hausnummer: "47a", PLZ: "01099", Ort: "Dresden", AGS: "14612000"},
			Kontakt:               &gewerbe.Kontakt{Telefon: "0351 1234567", Email: "info@dogan-schneiderei.example"},
			Niederlassungsart:     "hauptniederlassung",
			Betriebsart:           []string{"handwerk", "handel"},
			Beschaeftigte:         &gewerbe.Beschaeftigte{Vollzeit: ip(0), Teilzeit: ip(2)},
			Nebenerwerb:           bp(false),
			Reisegewerbe:          bp(false),
			Automatenaufstellung:  bp(false),
			GewerbebetriebID:      "3f0c9a6e-2b1d-4c8e-9f57-0a1b2c3d4e5f",
		},
		Personen: []gewerbe.Person{{
			Funktion:               "inhaber",
			Familienname:           "Doğan",
			Vornamen:               "Ayşe Gül",
			Geburtsname:            "Yılmaz",
			Geschlecht:             "w",
			Geburtsdatum:           "1988-03-14",
			Geburtsort:             "İzmir",
			Geburtsland:            "TR",
			Staatsangehoerigkeiten: []string{"TR"},
			Anschrift:              gewerbe.Anschrift{Strasse: "Bautzner Straße", Hausnummer: "12", PLZ: "01099", Ort: "Dresden"},
			Aufenthaltstitel: &gewerbe.Aufenthaltstitel{
				Art:           "Niederlassungserlaubnis (§ 9 AufenthG)",
				AusgestelltAm: "2019-06-03",
				Behoerde:      "Landeshauptstadt Dresden, Ausländerbehörde",
				Auflagen:      "keine",
			},
		}},
		Taetigkeit: gewerbe.Taetigkeit{
			Beschreibung: "Änderungsschneiderei: Kürzen, Weiten und Ausbessern von Kleidung, Anfertigung von Gardinen und " +
				"Vorhängen nach Maß; Annahmestelle für chemische Reinigung (die Reinigung selbst erfolgt durch einen " +
				"Partnerbetrieb); Verkauf von Kurzwaren, Reißverschlüssen und Nähgarn im Ladengeschäft. Preise ab 5 €.",
			WZ2008:  "95.29.0",
			Weitere: []string{"Verkauf von Kurzwaren", "Annahmestelle für Textilreinigung"},
		},
		Anmeldung: &gewerbe.Anmeldung{Beginn: "2026-12-01", Grund: "neuerrichtung"},
		Handwerkskarte: &gewerbe.Handwerkskarte{
			Datum:  "2026-11-20",
			Kammer: "Handwerkskammer Dresden",
		},
	}
}

// anmeldungGmbH is a GewA 1 of a GmbH with two managing directors, moved in from another
// municipality.
func anmeldungGmbH() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAnmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:                  "gmbh",
			Name:                        "Elbtal Software & Beratung GmbH",
			Geschaeftsbezeichnung:       "Elbtal Digital",
			Register:                    &gewerbe.Register{Art: "HRB", Nummer: "45678", Gericht: "Amtsgericht Dresden"},
			Betriebsstaette:             gewerbe.Anschrift{Strasse: "Schweriner Straße", Hausnummer: "1", PLZ: "01067", Ort: "Dresden", AGS: "14612000"},
			Hauptniederlassung:          nil,
			Kontakt:                     &gewerbe.Kontakt{Telefon: "+49 351 9876543", Email: "kontakt@elbtal-digital.example", Web: "https://elbtal-digital.example"},
			Niederlassungsart:           "hauptniederlassung",
			Betriebsart:                 []string{"sonstiges"},
			Beschaeftigte:               &gewerbe.Beschaeftigte{Vollzeit: ip(12), Teilzeit: ip(3)},
			Nebenerwerb:                 bp(false),
			Reisegewerbe:                bp(false),
			Automatenaufstellung:        bp(false),
			BeteiligungOeffentlicheHand: bp(false),
		},
		Personen: []gewerbe.Person{
			{
				Funktion:               "gesetzlicher_vertreter",
				Familienname:           "Wróblewski",
				Vornamen:               "Łukasz Paweł",
				Geschlecht:             "m",
				Geburtsdatum:           "1979-09-30",
				Geburtsort:             "Łódź",
				Geburtsland:            "PL",
				Staatsangehoerigkeiten: []string{"PL", "DE"},
				Anschrift:              gewerbe.Anschrift{Strasse: "Großenhainer Straße", Hausnummer: "101", PLZ: "01127", Ort: "Dresden"},
			},
			{
				Funktion:               "gesetzlicher_vertreter",
				Familienname:           "Weiß",
				Vornamen:               "Friederike",
				Geburtsname:            "Müller-Lüdenscheidt",
				Geschlecht:             "w",
				Doktorgrad:             "Dr.",
				Geburtsdatum:           "1983-01-02",
				Geburtsort:             "Görlitz",
				Geburtsland:            "DE",
				Staatsangehoerigkeiten: []string{"DE"},
				Anschrift:              gewerbe.Anschrift{Strasse: "Rue de la Paix", Hausnummer: "5", PLZ: "75002", Ort: "Paris", Staat: "FR"},
			},
		},
		Taetigkeit: gewerbe.Taetigkeit{
			Beschreibung: "Entwicklung, Vertrieb und Wartung von Software für Kommunalverwaltungen sowie IT-Beratung.",
			WZ2008:       "62.01",
		},
		Anmeldung: &gewerbe.Anmeldung{
			Beginn:                  "2027-01-01",
			Grund:                   "verlegung_aus_anderem_meldebezirk",
			FruehereBetriebsstaette: &gewerbe.Anschrift{Strasse: "Augustusplatz", Hausnummer: "9", PLZ: "04109", Ort: "Leipzig", AGS: "14713000"},
		},
		Erlaubnis: &gewerbe.Erlaubnis{Art: "Erlaubnis nach § 34c GewO (Darlehensvermittlung)", Datum: "2026-10-15", Behoerde: "Industrie- und Handelskammer Dresden"},
	}
}

// ummeldung is a GewA 2: a move within the municipality.
func ummeldung() *gewerbe.Anzeige {
	a := anmeldungEinzel()
	a.Art = gewerbe.ArtUmmeldung
	a.Anmeldung = nil
	a.Betrieb.Betriebsstaette = gewerbe.Anschrift{Strasse: "Alaunstraße", Hausnummer: "3", PLZ: "01099", Ort: "Dresden", AGS: "14612000"}
	a.Ummeldung = &gewerbe.Ummeldung{
		Datum:                   "2027-02-01",
		Grund:                   "verlegung_innerhalb_meldebezirk",
		FruehereBetriebsstaette: &gewerbe.Anschrift{Strasse: "Königsbrücker Straße", Hausnummer: "47a", PLZ: "01099", Ort: "Dresden", AGS: "14612000"},
		FruehereTaetigkeit:      "Änderungsschneiderei",
	}
	return a
}

// abmeldung is a GewA 3: complete closure for reasons of age, with a new address.
func abmeldung() *gewerbe.Anzeige {
	return &gewerbe.Anzeige{
		Art: gewerbe.ArtAbmeldung,
		Betrieb: gewerbe.Betrieb{
			Rechtsform:        "einzelunternehmen",
			Betriebsstaette:   gewerbe.Anschrift{Strasse: "Hauptstraße", Hausnummer: "8", PLZ: "01728", Ort: "Bannewitz", AGS: "14628010"},
			Niederlassungsart: "hauptniederlassung",
			Betriebsart:       []string{"handel"},
			Nebenerwerb:       bp(true),
		},
		Personen: []gewerbe.Person{{
			Funktion:               "inhaber",
			Familienname:           "Schäfer",
			Vornamen:               "Jürgen",
			Geschlecht:             "m",
			Geburtsdatum:           "1958-07-21",
			Staatsangehoerigkeiten: []string{"DE"},
			Anschrift:              gewerbe.Anschrift{Strasse: "Hauptstraße", Hausnummer: "8", PLZ: "01728", Ort: "Bannewitz"},
		}},
		Taetigkeit: gewerbe.Taetigkeit{Beschreibung: "Online-Handel mit gebrauchten Büchern", WZ2008: "47.91.1"},
		Abmeldung: &gewerbe.Abmeldung{
			Datum:              "2026-12-31",
			Grund:              "vollstaendige_aufgabe",
			Ursache:            "alter",
			KuenftigeAnschrift: &gewerbe.Anschrift{Strasse: "Am Elbufer", Hausnummer: "2", PLZ: "01796", Ort: "Pirna"},
		},
	}
}

func testReceipt() Receipt {
	return Receipt{
		Reference: "GA-2026-004711",
		FiledAt:   testFiledAt,
		Art:       gewerbe.ArtAnmeldung,
		Behoerde:  testOffice,
		Betrieb:   "Doğan Änderungsschneiderei & Reinigung (Ayşe Gül Doğan)",
		Leistung:  "Gewerbe anmelden (99050012104000)",
		Digest:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Documents: []string{"Aufenthaltstitel.pdf", "Handwerkskarte.pdf"},
	}
}

var (
	testSteueramt = Office{
		Name:    "Landeshauptstadt Dresden, Steuer- und Stadtkassenamt",
		Strasse: "Dr.-Külz-Ring 19",
		PLZ:     "01067",
		Ort:     "Dresden",
		Email:   "steuerverwaltung@dresden.example",
		Telefon: "0351 488-0",
	}
	testDatum = time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC) // date of the Bescheid
)

// testAntrag is a Hundesteuer-Anmeldung as the form engine would hand it over. The
// Leistungsschlüssel is the one in internal/catalog, still to be verified with the LeiKa.
func testAntrag() Antrag {
	return Antrag{
		Title:     "Anmeldung eines Hundes zur Hundesteuer",
		Leistung:  "99024005000000",
		Reference: "HST-2026-000815",
		FiledAt:   testFiledAt,
		Behoerde:  testSteueramt,
		Sections: []Section{
			{Title: "Angaben zur Halterin oder zum Halter", Rows: []Row{
				{"Familienname", "Wróblewska"},
				{"Vornamen", "Małgorzata Anna"},
				{"Geburtsdatum", "14.03.1988"},
				{"Anschrift", "Königsbrücker Straße 47a\n01099 Dresden"},
				{"Telefon", ""},
				{"E-Mail", "m.wroblewska@example.org"},
			}},
			{Title: "Angaben zum Hund", Rows: []Row{
				{"Name des Hundes", "Bello"},
				{"Rasse oder Kreuzung", "Labrador-Mischling"},
				{"Geschlecht", "männlich"},
				{"Wurfdatum (geschätzt)", "01.05.2024"},
				{"Nummer des Mikrochips (Transponder)", "276098106543210"},
				{"Handelt es sich um einen gefährlichen Hund im Sinne des Gesetzes zum Schutz der Bevölkerung vor gefährlichen Hunden?", "nein"},
			}},
			{Title: "Beginn der Hundehaltung", Rows: []Row{
				{"Hund gehalten seit", "20.11.2026"},
				{"Grund", "Übernahme aus dem Tierheim"},
				{"Weitere Hunde im Haushalt", "keine"},
			}},
			{Title: "Steuerermäßigung oder Steuerbefreiung", Rows: nil},
		},
		Fee:         "100,00 EUR Hundesteuer jährlich",
		Attachments: []string{"Abgabevertrag Tierheim.pdf"},
	}
}

func testGenericReceipt() GenericReceipt {
	return GenericReceipt{
		Reference:     "HST-2026-000815",
		FiledAt:       testFiledAt,
		Title:         "Anmeldung eines Hundes zur Hundesteuer",
		Leistung:      "99024005000000",
		Behoerde:      testSteueramt,
		Antragsteller: "Małgorzata Anna Wróblewska",
		Digest:        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
		Documents:     []string{"Abgabevertrag Tierheim.pdf"},
	}
}

// bescheidTenor is a decision template as an office would store it.
const bescheidTenor = "Ihnen wird die Erlaubnis nach {{rechtsgrundlage}} erteilt, gewerbsmäßig {{taetigkeit}}."

// testBescheid is an Erlaubnis nach § 34c GewO with a fee, its Tenor filled from a template.
func testBescheid() Bescheid {
	tenor, err := FillTemplate(bescheidTenor, map[string]string{
		"rechtsgrundlage": "§ 34c Abs. 1 Satz 1 Nr. 1 der Gewerbeordnung (GewO)",
		"taetigkeit":      "den Abschluss von Verträgen über Grundstücke, grundstücksgleiche Rechte, gewerbliche Räume oder Wohnräume zu vermitteln oder die Gelegenheit zum Abschluss solcher Verträge nachzuweisen",
	})
	if err != nil {
		panic(err)
	}
	return Bescheid{
		Behoerde:        testOffice,
		Sachbearbeitung: Sachbearbeitung{Name: "Frau Łucja Kowalski", Telefon: "0351 488-4711"},
		Empfaenger: Empfaenger{
			Name:    "Herrn\nJürgen Weiß",
			Strasse: "Bautzner Straße 12",
			PLZ:     "01099",
			Ort:     "Dresden",
		},
		Reference: "32.1-34c-2026-0042",
		Datum:     testDatum,
		Betreff:   "Erlaubnis nach § 34c GewO (Immobilienmakler)\nIhr Antrag vom 28.11.2026",
		Tenor: []string{
			tenor,
			"Die Erlaubnis gilt für das gesamte Bundesgebiet.",
		},
		Begruendung: []string{
			"Sie haben am 28.11.2026 die Erlaubnis nach § 34c Abs. 1 Satz 1 Nr. 1 GewO beantragt.",
			"Die Voraussetzungen für die Erteilung der Erlaubnis liegen vor. Versagungsgründe nach § 34c Abs. 2 GewO " +
				"bestehen nicht: Sie besitzen die erforderliche Zuverlässigkeit, Ihre Vermögensverhältnisse sind geordnet.",
			"Die Gebühr beruht auf dem Sächsischen Verwaltungskostengesetz in Verbindung mit dem Kostenverzeichnis.",
		},
		Gebuehr:      "Für diesen Bescheid wird eine Gebühr von 250,00 EUR festgesetzt. Kassenzeichen: 5.0123.456789.0",
		Unterschrift: "Im Auftrag\nŁucja Kowalski",
	}
}
