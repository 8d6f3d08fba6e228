package document

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

// Office is the authority a document is addressed from (the Gewerbeamt of a municipality).
type Office struct {
	Name    string
	Strasse string // street and house number
	PLZ     string
	Ort     string
	Email   string
	Telefon string
}

// Meta is what a rendered Gewerbeanzeige needs besides the notice itself.
type Meta struct {
	Reference string    // the submission's reference number (Aktenzeichen)
	FiledAt   time.Time // when the notice was received; also the PDF's creation date
	Behoerde  Office    // the receiving office
	Lang      string    // "de" (the default when empty); other languages are not supported yet
}

// formArt holds what differs between GewA 1, 2 and 3.
type formArt struct {
	kurz       string // "GewA 1"
	titel      string
	anlage     string
	erstattet  string // label of the Niederlassungsart field
	taetigkeit string
}

var formArten = map[gewerbe.Art]formArt{
	gewerbe.ArtAnmeldung: {
		kurz:       "GewA 1",
		titel:      "Gewerbe-Anmeldung nach § 14 GewO bzw. § 55c GewO (GewA 1)",
		anlage:     "Anlage 1",
		erstattet:  "Die Anmeldung wird erstattet für",
		taetigkeit: "Angemeldete Tätigkeit (genaue Angabe)",
	},
	gewerbe.ArtUmmeldung: {
		kurz:       "GewA 2",
		titel:      "Gewerbe-Ummeldung nach § 14 GewO bzw. § 55c GewO (GewA 2)",
		anlage:     "Anlage 2",
		erstattet:  "Die Ummeldung wird erstattet für",
		taetigkeit: "Ausgeübte Tätigkeit nach der Änderung (genaue Angabe)",
	},
	gewerbe.ArtAbmeldung: {
		kurz:       "GewA 3",
		titel:      "Gewerbe-Abmeldung nach § 14 GewO bzw. § 55c GewO (GewA 3)",
		anlage:     "Anlage 3",
		erstattet:  "Die Abmeldung wird erstattet für",
		taetigkeit: "Aufgegebene Tätigkeit (genaue Angabe)",
	},
}

// RenderGewerbeanzeige renders a notice as the filled official form (GewA 1, 2 or 3 by a.Art,
// GewAnzV Anlage 1 to 3) and returns the PDF. The form's content follows the official form:
// its sections in their order, every field under its German label, absent values as "—", so
// that the layout differs from the paper form but the content does not (§ 2 Abs. 1 GewAnzV).
//
// Section and field numbers (1, 1.1 …) are this document's own. The forms were redrawn by the
// GewAnzV of 11 December 2024 and their new field numbers are only partly known, so the render
// does not print official field numbers it could get wrong.
//
// The output is deterministic: the same notice and meta give the same bytes. It returns an
// error for a nil notice, an unknown kind of notice, an empty reference, a zero FiledAt or an
// unsupported language.
func RenderGewerbeanzeige(a *gewerbe.Anzeige, m Meta) ([]byte, error) {
	if a == nil {
		return nil, errors.New("document: no Gewerbeanzeige")
	}
	fa, ok := formArten[a.Art]
	if !ok {
		return nil, fmt.Errorf("document: unknown kind of Gewerbeanzeige %q", a.Art)
	}
	if err := checkMeta(m.Reference, m.FiledAt, m.Lang); err != nil {
		return nil, err
	}
	fm := gewerbeanzeigeForm(a, fa, m)
	ref := clean(m.Reference, false)
	info := docInfo{
		Title:      fa.titel,
		Subject:    fa.kurz + ", Referenz " + ref,
		Author:     clean(m.Behoerde.Name, false),
		Created:    m.FiledAt,
		HeaderText: fa.kurz + " · Referenz " + ref,
		FooterText: fa.kurz + " · Referenz " + ref + " · eingegangen am " + zeitpunkt(m.FiledAt),
	}
	return fm.render(info, m.Behoerde)
}

func checkMeta(ref string, filedAt time.Time, lang string) error {
	if clean(ref, false) == "" {
		return errors.New("document: empty reference")
	}
	if filedAt.IsZero() {
		return errors.New("document: zero filing time")
	}
	if lang != "" && lang != "de" {
		return fmt.Errorf("document: language %q is not supported", lang)
	}
	return nil
}

// zeitpunkt formats a time in Berlin: "28.11.2026, 14:05 Uhr".
func zeitpunkt(t time.Time) string {
	return t.In(berlin).Format("02.01.2006, 15:04") + " Uhr"
}

func gewerbeanzeigeForm(a *gewerbe.Anzeige, fa formArt, m Meta) *form {
	b := &a.Betrieb
	fm := &form{
		title:    fa.titel,
		subtitle: "Vordruck nach " + fa.anlage + " zu § 1 der Gewerbeanzeigeverordnung (GewAnzV), elektronisch eingereicht",
		numbered: true,
		header: []field{
			fld("Referenz", clean(m.Reference, false)),
			fld("Eingegangen am", zeitpunkt(m.FiledAt)),
			fld("Gewerbebetrieb-ID", text(clean(b.GewerbebetriebID, false))),
		},
	}

	// 1 Betrieb im Register
	reg := b.Register
	if reg == nil {
		reg = &gewerbe.Register{}
	}
	fm.sections = append(fm.sections, formSection{
		title: "Angaben zum Betrieb und zum Registereintrag",
		fields: []field{
			fld("Rechtsform", label(rechtsformLabels, b.Rechtsform)),
			fld("Im Handels-, Genossenschafts-, Partnerschafts- oder Vereinsregister eingetragener Name mit Rechtsform", text(clean(b.Name, false))),
			fld("Geschäftsbezeichnung", text(clean(b.Geschaeftsbezeichnung, false))),
			fld("Art des Registers", label(registerLabels, reg.Art)),
			fld("Registernummer", text(clean(reg.Nummer, false))),
			fld("Registergericht", text(clean(reg.Gericht, false))),
			fld("Liegt eine Beteiligung der öffentlichen Hand vor?", janein(b.BeteiligungOeffentlicheHand)),
		},
	})

	// 2 Personen
	personen := formSection{
		title: "Angaben zur Person",
		fields: []field{
			fld("Zahl der geschäftsführenden Gesellschafter/innen bzw. gesetzlichen Vertreter/innen", vertreterZahl(a)),
		},
	}
	for i, p := range a.Personen {
		title := "Person " + strconv.Itoa(i+1) + " von " + strconv.Itoa(len(a.Personen)) + ": " + label(funktionLabels, p.Funktion)
		personen.blocks = append(personen.blocks, block{title: title, fields: personFields(&p)})
	}
	if len(a.Personen) == 0 {
		personen.blocks = append(personen.blocks, block{title: "Person", fields: personFields(&gewerbe.Person{})})
	}
	fm.sections = append(fm.sections, personen)

	// 3 Betrieb
	var kontakt gewerbe.Kontakt
	if b.Kontakt != nil {
		kontakt = *b.Kontakt
	}
	var besch gewerbe.Beschaeftigte
	if b.Beschaeftigte != nil {
		besch = *b.Beschaeftigte
	}
	betrieb := []field{
		fld("Anschrift der Betriebsstätte", anschrift(&b.Betriebsstaette)),
		fld("Anschrift der Hauptniederlassung (falls die Betriebsstätte eine Zweigniederlassung oder unselbstständige Zweigstelle ist)", anschrift(b.Hauptniederlassung)),
		fld("Telefon", text(clean(kontakt.Telefon, false))),
		fld("E-Mail", text(clean(kontakt.Email, false))),
		fld("Internetadresse", text(clean(kontakt.Web, false))),
		fld(fa.taetigkeit, text(clean(a.Taetigkeit.Beschreibung, true))),
		fld("Wirtschaftszweig (WZ 2008)", text(clean(a.Taetigkeit.WZ2008, false))),
		fld("Weitere Tätigkeiten", weitere(a.Taetigkeit.Weitere)),
		fld("Wird die Tätigkeit (vorerst) im Nebenerwerb betrieben?", janein(b.Nebenerwerb)),
	}
	if a.Art == gewerbe.ArtAnmeldung {
		var beginn string
		if a.Anmeldung != nil {
			beginn = a.Anmeldung.Beginn
		}
		betrieb = append(betrieb, fld("Datum des Beginns der angemeldeten Tätigkeit", datum(beginn)))
	}
	betrieb = append(betrieb,
		fld("Art des Betriebes", labels(betriebsartLabels, b.Betriebsart)),
		fld("Zahl der tätigen Personen (ohne Inhaber/in): Vollzeit", anzahl(besch.Vollzeit)),
		fld("Zahl der tätigen Personen (ohne Inhaber/in): Teilzeit", anzahl(besch.Teilzeit)),
		fld(fa.erstattet, label(niederlassungLabels, b.Niederlassungsart)),
		fld("Automatenaufstellungsgewerbe", janein(b.Automatenaufstellung)),
		fld("Reisegewerbe", janein(b.Reisegewerbe)),
	)
	fm.sections = append(fm.sections, formSection{title: "Angaben zum Betrieb", fields: betrieb})

	// 4 Angaben nur dieser Art von Anzeige
	switch a.Art {
	case gewerbe.ArtAnmeldung:
		an := a.Anmeldung
		if an == nil {
			an = &gewerbe.Anmeldung{}
		}
		fm.sections = append(fm.sections, formSection{
			title: "Grund der Anmeldung",
			fields: []field{
				fld("Grund der Anmeldung", label(grundAnmeldungLabels, an.Grund)),
				fld("Name des früheren Gewerbetreibenden oder frühere Firmenbezeichnung", text(clean(an.FruehererInhaber, false))),
				fld("Anschrift der früheren Betriebsstätte", anschrift(an.FruehereBetriebsstaette)),
			},
		})
	case gewerbe.ArtUmmeldung:
		um := a.Ummeldung
		if um == nil {
			um = &gewerbe.Ummeldung{}
		}
		fm.sections = append(fm.sections, formSection{
			title: "Angaben zur Ummeldung",
			fields: []field{
				fld("Datum der Änderung", datum(um.Datum)),
				fld("Grund der Ummeldung", label(grundUmmeldungLabels, um.Grund)),
				fld("Anschrift der früheren Betriebsstätte", anschrift(um.FruehereBetriebsstaette)),
				fld("Bisher ausgeübte Tätigkeit", text(clean(um.FruehereTaetigkeit, true))),
			},
		})
	case gewerbe.ArtAbmeldung:
		ab := a.Abmeldung
		if ab == nil {
			ab = &gewerbe.Abmeldung{}
		}
		fm.sections = append(fm.sections, formSection{
			title: "Angaben zur Abmeldung",
			fields: []field{
				fld("Datum der Betriebsaufgabe", datum(ab.Datum)),
				fld("Grund der Abmeldung", label(grundAbmeldungLabels, ab.Grund)),
				fld("Ursache der Betriebsaufgabe", label(ursacheLabels, ab.Ursache)),
				fld("Künftige Anschrift", anschrift(ab.KuenftigeAnschrift)),
			},
		})
	}

	// 5 Erlaubnis und Handwerkskarte
	erl := a.Erlaubnis
	if erl == nil {
		erl = &gewerbe.Erlaubnis{}
	}
	hwk := a.Handwerkskarte
	if hwk == nil {
		hwk = &gewerbe.Handwerkskarte{}
	}
	fm.sections = append(fm.sections, formSection{
		title: "Erlaubnis und Handwerkskarte",
		fields: []field{
			fld("Liegt eine Erlaubnis vor?", janein(ptr(a.Erlaubnis != nil))),
			fld("Art der Erlaubnis", text(clean(erl.Art, false))),
			fld("Erlaubnis erteilt am", datum(erl.Datum)),
			fld("Erteilende Behörde", text(clean(erl.Behoerde, false))),
			fld("Nur für Handwerksbetriebe: Liegt eine Handwerkskarte vor?", janein(ptr(a.Handwerkskarte != nil))),
			fld("Handwerkskarte ausgestellt am", datum(hwk.Datum)),
			fld("Ausstellende Handwerkskammer", text(clean(hwk.Kammer, false))),
		},
	})

	fm.notes = []string{
		"Dieses Dokument gibt die elektronisch eingereichte Anzeige wieder; es wurde maschinell aus den gespeicherten Daten erstellt und trägt daher keine Unterschrift. „—“ bedeutet: keine Angabe.",
	}
	return fm
}

func personFields(p *gewerbe.Person) []field {
	at := p.Aufenthaltstitel
	if at == nil {
		at = &gewerbe.Aufenthaltstitel{}
	}
	geburtsort := clean(p.Geburtsort, false)
	if p.Geburtsland != "" {
		if geburtsort != "" {
			geburtsort += ", "
		}
		geburtsort += staat(p.Geburtsland)
	}
	return []field{
		fld("Name (Familienname)", text(clean(p.Familienname, false))),
		fld("Vornamen", text(clean(p.Vornamen, false))),
		fld("Doktorgrad", text(clean(p.Doktorgrad, false))),
		fld("Geschlecht", label(geschlechtLabels, p.Geschlecht)),
		fld("Geburtsname", text(clean(p.Geburtsname, false))),
		fld("Geburtsdatum", datum(p.Geburtsdatum)),
		fld("Geburtsort und -land", text(geburtsort)),
		fld("Staatsangehörigkeit(en)", staaten(p.Staatsangehoerigkeiten)),
		fld("Anschrift der Wohnung", anschrift(&p.Anschrift)),
		fld("Aufenthaltstitel", text(clean(at.Art, false))),
		fld("Aufenthaltstitel ausgestellt am", datum(at.AusgestelltAm)),
		fld("Ausstellende Behörde", text(clean(at.Behoerde, false))),
		fld("Auflagen oder Beschränkungen des Aufenthaltstitels", text(clean(at.Auflagen, true))),
	}
}

// vertreterZahl counts the managing partners or legal representatives (field "Zahl der
// geschäftsführenden Gesellschafter / gesetzlichen Vertreter" of the form); a sole trader
// has none.
func vertreterZahl(a *gewerbe.Anzeige) string {
	if a.Betrieb.Rechtsform == "einzelunternehmen" {
		return dash
	}
	n := 0
	for _, p := range a.Personen {
		if p.Funktion == "gesellschafter" || p.Funktion == "gesetzlicher_vertreter" {
			n++
		}
	}
	return strconv.Itoa(n)
}

func weitere(ts []string) string {
	var out []string
	for _, t := range ts {
		if t = clean(t, false); t != "" {
			out = append(out, "• "+t)
		}
	}
	if len(out) == 0 {
		return dash
	}
	s := out[0]
	for _, t := range out[1:] {
		s += "\n" + t
	}
	return s
}

func behoerde(o Office) string {
	s := clean(o.Name, false)
	addr := anschrift(&gewerbe.Anschrift{Strasse: clean(o.Strasse, false), PLZ: clean(o.PLZ, false), Ort: clean(o.Ort, false)})
	if addr != dash {
		if s != "" {
			s += "\n"
		}
		s += addr
	}
	return text(s)
}

func ptr[T any](v T) *T { return &v }
