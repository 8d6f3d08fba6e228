package xgewo

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rathaus-egov/rathaus/internal/document"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/wz"
)

// Content types of the two renderings.
const (
	ContentTypeXML  = "application/xml; charset=utf-8"
	ContentTypeJSON = "application/json"
)

// Message is one rendered outbound message. The XML and the JSON rendering of the same message
// share its ID.
type Message struct {
	ID          string // the nachrichtenUUID
	Kind        routing.Kind
	ContentType string
	Body        []byte
}

// Recipient is the concrete recipient (leser). Kennung is its identifier in the DVDV prefix
// list (e.g. a datenempfaenger number, an ABH-Kennung, an AGS).
type Recipient struct {
	Kind    routing.Kind
	ID      string
	Name    string
	Kennung string
	Email   string
}

// Office is the Gewerbeamt sending the message (autor), identified by its AGS.
type Office struct {
	AGS     string
	Name    string
	Strasse string // street and house number, e.g. "Dr.-Külz-Ring 19"
	PLZ     string
	Ort     string
	Email   string
	Telefon string
}

// BuildInput is everything one message is built from. The UUIDs are passed in, derived by the
// caller, so that a rebuild yields identical bytes.
type BuildInput struct {
	Anzeige          *gewerbe.Anzeige
	Recipient        Recipient
	Author           Office
	Reference        string    // our human reference number (gemeindeMeldungNr)
	NoticeUUID       string    // per notice (uuid), the same for every recipient
	MessageUUID      string    // per message (nachrichtenUUID)
	GewerbebetriebID string    // stable per business; falls back to Anzeige.Betrieb.GewerbebetriebID
	FiledAt          time.Time // receipt time; timestamps are written in UTC, datumMeldung in FiledAt's location
	Berichtszeitraum string    // YYYY-MM, statistics only; defaults to the month of FiledAt
}

// Build minimises the notice for the recipient kind and renders it as XML and as JSON. It fails
// when the input is incomplete or the recipient kind receives no notices of this kind.
func Build(in BuildInput) (xmlMsg Message, jsonMsg Message, err error) {
	tree, err := prepare(&in)
	if err != nil {
		return Message{}, Message{}, err
	}
	if xmlMsg, err = encodeXML(tree, in); err != nil {
		return Message{}, Message{}, err
	}
	if jsonMsg, err = encodeJSON(tree, in); err != nil {
		return Message{}, Message{}, err
	}
	return xmlMsg, jsonMsg, nil
}

// BuildXML is Build for a recipient that takes XML: only that encoding is made (a delivery
// needs one of the two, and each costs about as much as the rest of Build).
func BuildXML(in BuildInput) (Message, error) {
	tree, err := prepare(&in)
	if err != nil {
		return Message{}, err
	}
	return encodeXML(tree, in)
}

// BuildJSON is Build for a recipient that takes the JSON rendering.
func BuildJSON(in BuildInput) (Message, error) {
	tree, err := prepare(&in)
	if err != nil {
		return Message{}, err
	}
	return encodeJSON(tree, in)
}

// prepare checks the input and renders the minimised notice; afterwards in.Anzeige is nil,
// so only the minimised copy is visible.
func prepare(in *BuildInput) (*xMessage, error) {
	if err := check(*in); err != nil {
		return nil, fmt.Errorf("xgewo: %w", err)
	}
	minimised := Minimise(in.Anzeige, in.Recipient.Kind)
	in.Anzeige = nil
	return newTree(minimised, *in), nil
}

func encodeXML(tree *xMessage, in BuildInput) (Message, error) {
	var xb bytes.Buffer
	xb.WriteString(xml.Header)
	enc := xml.NewEncoder(&xb)
	enc.Indent("", "   ")
	if err := enc.Encode(tree); err != nil {
		return Message{}, fmt.Errorf("xgewo: encode xml: %w", err)
	}
	xb.WriteByte('\n')
	return Message{ID: strings.ToLower(in.MessageUUID), Kind: in.Recipient.Kind, ContentType: ContentTypeXML, Body: xb.Bytes()}, nil
}

func encodeJSON(tree *xMessage, in BuildInput) (Message, error) {
	jb, err := json.MarshalIndent(tree, "", "  ")
	if err != nil {
		return Message{}, fmt.Errorf("xgewo: encode json: %w", err)
	}
	jb = append(jb, '\n')
	return Message{ID: strings.ToLower(in.MessageUUID), Kind: in.Recipient.Kind, ContentType: ContentTypeJSON, Body: jb}, nil
}

func check(in BuildInput) error {
	var errs []error
	if in.Anzeige == nil {
		return errors.New("no Anzeige")
	}
	kind := in.Recipient.Kind
	if _, ok := meta[kind]; !ok {
		errs = append(errs, fmt.Errorf("unknown recipient kind %q", kind))
	} else if !Entitled(kind, in.Anzeige.Art) {
		errs = append(errs, fmt.Errorf("recipient kind %s receives no %s (§ 3 GewAnzV)", kind, in.Anzeige.Art))
	}
	for _, u := range [...]struct{ name, v string }{{"NoticeUUID", in.NoticeUUID}, {"MessageUUID", in.MessageUUID}} {
		if _, err := uuid.Parse(u.v); err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not a UUID", u.name, u.v))
		}
	}
	if in.GewerbebetriebID == "" && in.Anzeige.Betrieb.GewerbebetriebID == "" {
		errs = append(errs, errors.New("no gewerbebetriebID"))
	}
	if in.FiledAt.IsZero() {
		errs = append(errs, errors.New("FiledAt is zero"))
	}
	if in.Author.AGS == "" {
		errs = append(errs, errors.New("author AGS is missing"))
	}
	if in.Anzeige.Stichtag() == "" {
		errs = append(errs, fmt.Errorf("%s without its section or date", in.Anzeige.Art))
	}
	return errors.Join(errs...)
}

// newTree renders the minimised notice m. It must not look at anything but m and the envelope
// data in in (in.Anzeige is nil here).
func newTree(m *gewerbe.Anzeige, in BuildInput) *xMessage {
	km := meta[in.Recipient.Kind]
	root := km.prefix + ".gewerbemeldung." + km.typ
	stamp := in.FiledAt.UTC().Format("2006-01-02T15:04:05-07:00")
	autor := author(in.Author)

	msg := &xMessage{
		XMLName:           xml.Name{Local: "xga:" + root},
		Nachricht:         root,
		XMLNS:             Namespace,
		Standard:          "XGewerbeanzeige",
		Version:           "2.2",
		Produkt:           "Rathaus",
		Produkthersteller: Produkthersteller,
		Produktversion:    Version,
		Nachrichtenkopf: xKopf{
			Identifikation: xIdentifikation{
				NachrichtenUUID:      strings.ToLower(in.MessageUUID),
				Nachrichtentyp:       xCode{Code: km.typ},
				Erstellungszeitpunkt: stamp,
			},
			Leser: reader(in.Recipient),
			Autor: autor,
		},
	}
	if in.Recipient.Kind == routing.KindStatistik {
		msg.Berichtszeitraum = in.Berichtszeitraum
		if msg.Berichtszeitraum == "" {
			msg.Berichtszeitraum = in.FiledAt.Format("2006-01")
		}
	}

	gid := in.GewerbebetriebID
	if gid == "" {
		gid = m.Betrieb.GewerbebetriebID
	}
	gs := m.Betrieb.Betriebsstaette.AGS
	if gs == "" {
		gs = in.Author.AGS
	}
	mel := &xMeldung{
		SatzErstellung:     stamp,
		Ereigniszeitpunkt:  stamp,
		Autor:              autor,
		IstKorrektur:       janein(false),
		GemeindeSchluessel: xCode{ListURI: listAGS, ListVersionID: versionGemeinde, Code: gs},
		GemeindeMeldungNr:  in.Reference,
		GewerbebetriebID:   strings.ToLower(gid),
		UUID:               strings.ToLower(in.NoticeUUID),
		Gewerbe:            gewerbeOf(m),
		GueltigAb:          m.Stichtag(),
		DatumMeldung:       in.FiledAt.Format("2006-01-02"),
		Taetigkeiten:       taetigkeiten(m.Taetigkeit),
	}
	switch m.Art {
	case gewerbe.ArtAnmeldung:
		if s := m.Anmeldung; s != nil {
			mel.GrundAnmeldung = local("grundanmeldung", s.Grund)
			mel.FruehereAnschrift = anschrift(s.FruehereBetriebsstaette, nil)
			mel.FruehererInhaber = s.FruehererInhaber
		}
		msg.Satz.Anmeldung = mel
	case gewerbe.ArtUmmeldung:
		if s := m.Ummeldung; s != nil {
			mel.GrundUmmeldung = local("grundummeldung", s.Grund)
			mel.FruehereAnschrift = anschrift(s.FruehereBetriebsstaette, nil)
			mel.FruehereTaetigkeit = s.FruehereTaetigkeit
		}
		msg.Satz.Ummeldung = mel
	case gewerbe.ArtAbmeldung:
		if s := m.Abmeldung; s != nil {
			mel.GrundAbmeldung = local("grundabmeldung", s.Grund)
			mel.UrsacheAbmeldung = local("ursacheabmeldung", s.Ursache)
			mel.KuenftigeAnschrift = anschrift(s.KuenftigeAnschrift, nil)
		}
		msg.Satz.Abmeldung = mel
	}
	return msg
}

func reader(r Recipient) xBehoerde {
	k := xBehoerdenkennung{
		Praefix: xCode{ListVersionID: versionPraefix, Code: "xga"},
		Kennung: xCode{ListURI: listDatenempfaenger, ListVersionID: versionDatenempfaenger, Code: r.Kennung},
	}
	if r.Kind == routing.KindAuslaenderbehoerde {
		k.Praefix.Code = "azr"
		k.Kennung.ListURI, k.Kennung.ListVersionID = listABHKennung, versionABHKennung
	}
	b := xBehoerde{Behoerdenkennung: k, Behoerdenname: r.Name}
	if r.Email != "" {
		b.Erreichbarkeit = []xErreichbarkeit{{Kanal: xCode{Code: kanalEmail}, Kennung: r.Email}}
	}
	return b
}

func author(o Office) xBehoerde {
	b := xBehoerde{
		Behoerdenkennung: xBehoerdenkennung{
			Praefix: xCode{ListVersionID: versionPraefix, Code: "MELDID"},
			Kennung: xCode{ListURI: listAGS, ListVersionID: versionAGS, Code: o.AGS},
		},
		Behoerdenname: o.Name,
	}
	if o.Email != "" {
		b.Erreichbarkeit = append(b.Erreichbarkeit, xErreichbarkeit{Kanal: xCode{Code: kanalEmail}, Kennung: o.Email})
	}
	if o.Telefon != "" {
		b.Erreichbarkeit = append(b.Erreichbarkeit, xErreichbarkeit{Kanal: xCode{Code: kanalTelefon}, Kennung: o.Telefon})
	}
	if o.Strasse != "" || o.PLZ != "" || o.Ort != "" {
		str, nr := splitHausnummer(o.Strasse)
		b.Anschrift = &xBehoerdenAnschrift{Strasse: str, HausNr: nr, Ort: o.Ort, PLZ: o.PLZ}
	}
	return b
}

// splitHausnummer splits "Dr.-Külz-Ring 19" into street and house number: the last word if it
// starts with a digit.
func splitHausnummer(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ' ')
	if i > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func gewerbeOf(m *gewerbe.Anzeige) xGewerbe {
	b := m.Betrieb
	g := xGewerbe{
		NiederlassungArt:        local("niederlassungsart", b.Niederlassungsart),
		IstReisegewerbe:         janeinPtr(b.Reisegewerbe),
		IstNebenerwerb:          janeinPtr(b.Nebenerwerb),
		IstAutomatenaufstellung: janeinPtr(b.Automatenaufstellung),
		Anschrift:               *anschrift(&b.Betriebsstaette, b.Kontakt),
	}
	if h := anschrift(b.Hauptniederlassung, nil); h != nil {
		g.Hauptniederlassung = &xHauptniederlassung{Anschrift: *h}
	}
	if c := janeinPtr(b.BeteiligungOeffentlicheHand); c != nil {
		c.ListURI, c.ListVersionID = listBeteiligungOeffentlicheHand, "1"
		g.BeteiligungOeffentlicheHand = c
	}
	bt := xBetrieb{
		EingetragenerName:     b.Name,
		Geschaeftsbezeichnung: b.Geschaeftsbezeichnung,
		RechtsformSchluessel:  local("rechtsform", b.Rechtsform),
	}
	if r := b.Register; r != nil {
		bt.EintragungNr, bt.EintragungOrt, bt.EintragungArt = r.Nummer, r.Gericht, local("registerart", r.Art)
	}
	if bt != (xBetrieb{}) {
		g.Betrieb = &bt
	}
	if bs := b.Beschaeftigte; bs != nil {
		g.AnzahlVollzeitBeschaeftigte, g.AnzahlTeilzeitBeschaeftigte = bs.Vollzeit, bs.Teilzeit
	}
	if len(b.Betriebsart) > 0 {
		has := func(s string) bool {
			for _, x := range b.Betriebsart {
				if x == s {
					return true
				}
			}
			return false
		}
		g.BetriebArt = &xBetriebArt{
			Industrie: janein(has("industrie")), Handwerk: janein(has("handwerk")),
			Handel: janein(has("handel")), Sonstiges: janein(has("sonstiges")),
		}
	}
	if h := m.Handwerkskarte; h != nil {
		g.Handwerkskarte = &xNachweis{Status: janein(true), AusgestelltAm: h.Datum, AusgestelltVonName: h.Kammer}
	}
	if e := m.Erlaubnis; e != nil {
		g.Erlaubnis = &xNachweis{Status: janein(true), Art: e.Art, AusgestelltAm: e.Datum, AusgestelltVonName: e.Behoerde}
	}
	for _, p := range m.Personen {
		g.BeteiligtePerson = append(g.BeteiligtePerson, person(p))
	}
	return g
}

func person(p gewerbe.Person) xPerson {
	x := xPerson{
		PersonFunktion: *local("funktion", p.Funktion),
		Doktorgrad:     p.Doktorgrad,
		Familienname:   p.Familienname,
		Vorname:        p.Vornamen,
		Geschlecht:     local("geschlecht", p.Geschlecht),
		Geburtsname:    p.Geburtsname,
		Geburtsdatum:   ddmmyyyy(p.Geburtsdatum),
		Geburtsort:     p.Geburtsort,
		Geburtsland:    geburtsland(p.Geburtsland),
	}
	if len(p.Staatsangehoerigkeiten) > 0 {
		s := &xStaatsangehoerigkeiten{}
		for _, iso := range p.Staatsangehoerigkeiten {
			s.Schluessel = append(s.Schluessel, *local("staat", iso))
		}
		x.Staatsangehoerigkeiten = s
	}
	if p.Anschrift != (gewerbe.Anschrift{}) {
		x.Anschrift = anschrift(&p.Anschrift, nil)
	}
	if t := p.Aufenthaltstitel; t != nil {
		x.Aufenthaltstitel = &xNachweis{Status: janein(true), Art: t.Art, AusgestelltAm: t.AusgestelltAm, AusgestelltVonName: t.Behoerde, Auflagen: t.Auflagen}
	}
	return x
}

// ddmmyyyy turns 1965-10-12 into 12101965, the 2.x date-of-birth format; other input is kept.
// geburtsland writes the country of birth by name, as the examples do ("Deutschland",
// "Chile"); a code the list of names lacks stays a code.
func geburtsland(code string) string {
	if n, ok := document.StaatName(code); ok {
		return n
	}
	return code
}

func ddmmyyyy(iso string) string {
	if len(iso) == 10 && iso[4] == '-' && iso[7] == '-' {
		return iso[8:10] + iso[5:7] + iso[0:4]
	}
	return iso
}

func anschrift(a *gewerbe.Anschrift, k *gewerbe.Kontakt) *xAnschrift {
	if a == nil {
		return nil
	}
	x := &xAnschrift{Strasse: a.Strasse, HausNrVon: a.Hausnummer, Ort: a.Ort, PLZ: a.PLZ, NationSchluessel: nation(a.Staat)}
	if k != nil {
		x.TelefonNummer, x.EMailAdresse, x.WebAdresse = k.Telefon, k.Email, k.Web
	}
	return x
}

// wz5 writes a WZ 2008 code as the five digits of the examples: 96.02.1 → 96021, 47.91 → 47910.
func wz5(code string) string {
	if code == "" {
		return ""
	}
	c, err := wz.Load()
	if err != nil {
		return ""
	}
	if strings.Count(code, ".") == 1 {
		// A class: five digits only when it is not subdivided (its one subclass ends in
		// .0). A class with several subclasses has no five-digit code; padding it would
		// name a subclass that does not exist (47.91 → 47910), so the code is left out and
		// the class is named by the Stichwort.
		if _, ok := c.Lookup(code + ".0"); !ok {
			return ""
		}
		code += ".0"
	}
	if _, ok := c.Lookup(code); !ok {
		return ""
	}
	return strings.ReplaceAll(code, ".", "")
}

// wzTitle is the WZ 2008 title of code ("" when the list does not have it).
func wzTitle(code string) string {
	c, err := wz.Load()
	if err != nil || code == "" {
		return ""
	}
	w, _ := c.Lookup(code)
	return w.Title
}

func taetigkeiten(t gewerbe.Taetigkeit) *xTaetigkeiten {
	if t.Beschreibung == "" && t.WZ2008 == "" {
		return nil
	}
	x := &xTaetigkeiten{Schwerpunkt: xSchwerpunkt{TaetigkeitSchwerpunkt: t.Beschreibung, TaetigkeitSchluessel: wz5(t.WZ2008), Stichwort: wzTitle(t.WZ2008)}}
	if len(t.Weitere) > 0 {
		x.WeitereTaetigkeiten = &xWeitere{TaetigkeitenZusammengefasst: strings.Join(t.Weitere, "; ")}
	}
	return x
}
