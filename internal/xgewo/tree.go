package xgewo

import "encoding/xml"

// The message as an explicit element tree. Element order and names follow the KoSIT examples
// (XGewerbeanzeige 2.0/2.2); the same tree with its json names is the JSON form. Elements the
// examples do not show are ours and listed in extensionElements.

// extensionElements are the element names we added where the examples show no element for
// data our notices carry. A schema swap must map or drop them.
var extensionElements = []string{
	"istAutomatenaufstellung", "erlaubnis",
	"fruehereBetriebsstaette", "kuenftigeAnschrift", "fruehererInhaber", "fruehereTaetigkeit",
	"grundUmmeldungSchluessel", "auflagen", "art",
}

type xCode struct {
	ListURI       string `xml:"listURI,attr,omitempty" json:"listURI,omitempty"`
	ListVersionID string `xml:"listVersionID,attr,omitempty" json:"listVersionID,omitempty"`
	Code          string `xml:"code" json:"code"`
}

type xMessage struct {
	XMLName           xml.Name `xml:"" json:"-"`
	Nachricht         string   `xml:"-" json:"nachricht"`
	XMLNS             string   `xml:"xmlns:xga,attr" json:"-"`
	Standard          string   `xml:"standard,attr" json:"standard"`
	Version           string   `xml:"version,attr" json:"version"`
	Produkt           string   `xml:"produkt,attr" json:"produkt"`
	Produkthersteller string   `xml:"produkthersteller,attr" json:"produkthersteller"`
	Produktversion    string   `xml:"produktversion,attr" json:"produktversion"`
	Nachrichtenkopf   xKopf    `xml:"xga:nachrichtenkopf" json:"nachrichtenkopf"`
	Berichtszeitraum  string   `xml:"xga:berichtszeitraum,omitempty" json:"berichtszeitraum,omitempty"`
	Satz              xSatz    `xml:"xga:satz" json:"satz"`
}

type xKopf struct {
	Identifikation xIdentifikation `xml:"xga:identifikation.nachricht" json:"identifikation.nachricht"`
	Leser          xBehoerde       `xml:"xga:leser" json:"leser"`
	Autor          xBehoerde       `xml:"xga:autor" json:"autor"`
}

type xIdentifikation struct {
	NachrichtenUUID      string `xml:"xga:nachrichtenUUID" json:"nachrichtenUUID"`
	Nachrichtentyp       xCode  `xml:"xga:nachrichtentyp" json:"nachrichtentyp"`
	Erstellungszeitpunkt string `xml:"xga:erstellungszeitpunkt" json:"erstellungszeitpunkt"`
}

type xBehoerde struct {
	Behoerdenkennung xBehoerdenkennung    `xml:"xga:behoerdenkennung" json:"behoerdenkennung"`
	Erreichbarkeit   []xErreichbarkeit    `xml:"xga:erreichbarkeit" json:"erreichbarkeit,omitempty"`
	Anschrift        *xBehoerdenAnschrift `xml:"xga:anschrift,omitempty" json:"anschrift,omitempty"`
	Behoerdenname    string               `xml:"xga:behoerdenname,omitempty" json:"behoerdenname,omitempty"`
}

type xBehoerdenkennung struct {
	Praefix xCode `xml:"xga:praefix" json:"praefix"`
	Kennung xCode `xml:"xga:kennung" json:"kennung"`
}

type xErreichbarkeit struct {
	Kanal   xCode  `xml:"xga:kanal" json:"kanal"`
	Kennung string `xml:"xga:kennung" json:"kennung"`
}

type xBehoerdenAnschrift struct {
	Strasse string `xml:"xga:strasse,omitempty" json:"strasse,omitempty"`
	HausNr  string `xml:"xga:hausNr,omitempty" json:"hausNr,omitempty"`
	Ort     string `xml:"xga:ort,omitempty" json:"ort,omitempty"`
	PLZ     string `xml:"xga:plz,omitempty" json:"plz,omitempty"`
}

type xSatz struct {
	Anmeldung *xMeldung `xml:"xga:anmeldung,omitempty" json:"anmeldung,omitempty"`
	Ummeldung *xMeldung `xml:"xga:ummeldung,omitempty" json:"ummeldung,omitempty"`
	Abmeldung *xMeldung `xml:"xga:abmeldung,omitempty" json:"abmeldung,omitempty"`
}

type xMeldung struct {
	SatzErstellung     string         `xml:"xga:satzErstellung" json:"satzErstellung"`
	Ereigniszeitpunkt  string         `xml:"xga:ereigniszeitpunkt" json:"ereigniszeitpunkt"`
	Autor              xBehoerde      `xml:"xga:autor" json:"autor"`
	IstKorrektur       xCode          `xml:"xga:istKorrektur" json:"istKorrektur"`
	GemeindeSchluessel xCode          `xml:"xga:gemeindeSchluessel" json:"gemeindeSchluessel"`
	GemeindeMeldungNr  string         `xml:"xga:gemeindeMeldungNr" json:"gemeindeMeldungNr"`
	GewerbebetriebID   string         `xml:"xga:gewerbebetriebID" json:"gewerbebetriebID"`
	UUID               string         `xml:"xga:uuid" json:"uuid"`
	Gewerbe            xGewerbe       `xml:"xga:gewerbe" json:"gewerbe"`
	GueltigAb          string         `xml:"xga:gueltigAb" json:"gueltigAb"`
	DatumMeldung       string         `xml:"xga:datumMeldung" json:"datumMeldung"`
	Taetigkeiten       *xTaetigkeiten `xml:"xga:taetigkeitenGesamt,omitempty" json:"taetigkeitenGesamt,omitempty"`
	GrundAnmeldung     *xCode         `xml:"xga:grundAnmeldungSchluessel,omitempty" json:"grundAnmeldungSchluessel,omitempty"`
	GrundUmmeldung     *xCode         `xml:"xga:grundUmmeldungSchluessel,omitempty" json:"grundUmmeldungSchluessel,omitempty"`
	GrundAbmeldung     *xCode         `xml:"xga:grundAbmeldungSchluessel,omitempty" json:"grundAbmeldungSchluessel,omitempty"`
	UrsacheAbmeldung   *xCode         `xml:"xga:ursacheAbmeldungSchluessel,omitempty" json:"ursacheAbmeldungSchluessel,omitempty"`
	FruehereAnschrift  *xAnschrift    `xml:"xga:fruehereBetriebsstaette,omitempty" json:"fruehereBetriebsstaette,omitempty"`
	KuenftigeAnschrift *xAnschrift    `xml:"xga:kuenftigeAnschrift,omitempty" json:"kuenftigeAnschrift,omitempty"`
	FruehererInhaber   string         `xml:"xga:fruehererInhaber,omitempty" json:"fruehererInhaber,omitempty"`
	FruehereTaetigkeit string         `xml:"xga:fruehereTaetigkeit,omitempty" json:"fruehereTaetigkeit,omitempty"`
}

type xGewerbe struct {
	Betrieb                     *xBetrieb            `xml:"xga:betrieb,omitempty" json:"betrieb,omitempty"`
	AnzahlVollzeitBeschaeftigte *int                 `xml:"xga:anzahlVollzeitBeschaeftigte,omitempty" json:"anzahlVollzeitBeschaeftigte,omitempty"`
	AnzahlTeilzeitBeschaeftigte *int                 `xml:"xga:anzahlTeilzeitBeschaeftigte,omitempty" json:"anzahlTeilzeitBeschaeftigte,omitempty"`
	BetriebArt                  *xBetriebArt         `xml:"xga:betriebArt,omitempty" json:"betriebArt,omitempty"`
	NiederlassungArt            *xCode               `xml:"xga:niederlassungArt,omitempty" json:"niederlassungArt,omitempty"`
	IstReisegewerbe             *xCode               `xml:"xga:istReisegewerbe,omitempty" json:"istReisegewerbe,omitempty"`
	IstNebenerwerb              *xCode               `xml:"xga:istNebenerwerb,omitempty" json:"istNebenerwerb,omitempty"`
	IstAutomatenaufstellung     *xCode               `xml:"xga:istAutomatenaufstellung,omitempty" json:"istAutomatenaufstellung,omitempty"`
	Handwerkskarte              *xNachweis           `xml:"xga:handwerkskarte,omitempty" json:"handwerkskarte,omitempty"`
	Erlaubnis                   *xNachweis           `xml:"xga:erlaubnis,omitempty" json:"erlaubnis,omitempty"`
	Anschrift                   xAnschrift           `xml:"xga:anschrift" json:"anschrift"`
	Hauptniederlassung          *xHauptniederlassung `xml:"xga:hauptniederlassung,omitempty" json:"hauptniederlassung,omitempty"`
	BeteiligtePerson            []xPerson            `xml:"xga:beteiligtePerson" json:"beteiligtePerson,omitempty"`
	// BeteiligungOeffentlicheHand follows the persons, as in KoSIT's test suite
	// (xgwa2.1-invalid-xsd.xml), with that list's URI; the values are janein's (unverified).
	BeteiligungOeffentlicheHand *xCode `xml:"xga:beteiligungOeffentlicheHand,omitempty" json:"beteiligungOeffentlicheHand,omitempty"`
}

// xHauptniederlassung wraps the main establishment's address, as in the examples.
type xHauptniederlassung struct {
	Anschrift xAnschrift `xml:"xga:anschrift" json:"anschrift"`
}

type xBetrieb struct {
	EingetragenerName     string `xml:"xga:eingetragenerName,omitempty" json:"eingetragenerName,omitempty"`
	Geschaeftsbezeichnung string `xml:"xga:geschaeftsbezeichnung,omitempty" json:"geschaeftsbezeichnung,omitempty"`
	EintragungNr          string `xml:"xga:eintragungNr,omitempty" json:"eintragungNr,omitempty"`
	EintragungOrt         string `xml:"xga:eintragungOrt,omitempty" json:"eintragungOrt,omitempty"`
	EintragungArt         *xCode `xml:"xga:eintragungArt,omitempty" json:"eintragungArt,omitempty"`
	RechtsformSchluessel  *xCode `xml:"xga:rechtsformSchluessel,omitempty" json:"rechtsformSchluessel,omitempty"`
}

type xBetriebArt struct {
	Industrie xCode `xml:"xga:industrie" json:"industrie"`
	Handwerk  xCode `xml:"xga:handwerk" json:"handwerk"`
	Handel    xCode `xml:"xga:handel" json:"handel"`
	Sonstiges xCode `xml:"xga:sonstiges" json:"sonstiges"`
}

// xNachweis is a craft card, permit or residence title: present, when, by whom.
type xNachweis struct {
	Status             xCode  `xml:"xga:status" json:"status"`
	Art                string `xml:"xga:art,omitempty" json:"art,omitempty"`
	AusgestelltAm      string `xml:"xga:ausgestelltAm,omitempty" json:"ausgestelltAm,omitempty"`
	AusgestelltVonName string `xml:"xga:ausgestelltVonName,omitempty" json:"ausgestelltVonName,omitempty"`
	Auflagen           string `xml:"xga:auflagen,omitempty" json:"auflagen,omitempty"`
}

type xAnschrift struct {
	Strasse          string `xml:"xga:strasse,omitempty" json:"strasse,omitempty"`
	HausNrVon        string `xml:"xga:hausNrVon,omitempty" json:"hausNrVon,omitempty"`
	Ort              string `xml:"xga:ort,omitempty" json:"ort,omitempty"`
	PLZ              string `xml:"xga:plz,omitempty" json:"plz,omitempty"`
	NationSchluessel *xCode `xml:"xga:nationSchluessel,omitempty" json:"nationSchluessel,omitempty"`
	TelefonNummer    string `xml:"xga:telefonNummer,omitempty" json:"telefonNummer,omitempty"`
	EMailAdresse     string `xml:"xga:eMailAdresse,omitempty" json:"eMailAdresse,omitempty"`
	WebAdresse       string `xml:"xga:webAdresse,omitempty" json:"webAdresse,omitempty"`
}

type xPerson struct {
	PersonFunktion         xCode                    `xml:"xga:personFunktion" json:"personFunktion"`
	Doktorgrad             string                   `xml:"xga:doktorgrad,omitempty" json:"doktorgrad,omitempty"`
	Familienname           string                   `xml:"xga:familienname,omitempty" json:"familienname,omitempty"`
	Vorname                string                   `xml:"xga:vorname,omitempty" json:"vorname,omitempty"`
	Geschlecht             *xCode                   `xml:"xga:geschlecht,omitempty" json:"geschlecht,omitempty"`
	Geburtsname            string                   `xml:"xga:geburtsname,omitempty" json:"geburtsname,omitempty"`
	Geburtsdatum           string                   `xml:"xga:geburtsdatum,omitempty" json:"geburtsdatum,omitempty"`
	Geburtsort             string                   `xml:"xga:geburtsort,omitempty" json:"geburtsort,omitempty"`
	Geburtsland            string                   `xml:"xga:geburtsland,omitempty" json:"geburtsland,omitempty"`
	Staatsangehoerigkeiten *xStaatsangehoerigkeiten `xml:"xga:staatangehoerigkeiten,omitempty" json:"staatangehoerigkeiten,omitempty"`
	Anschrift              *xAnschrift              `xml:"xga:anschrift,omitempty" json:"anschrift,omitempty"`
	Aufenthaltstitel       *xNachweis               `xml:"xga:aufenthaltstitel,omitempty" json:"aufenthaltstitel,omitempty"`
}

// xStaatsangehoerigkeiten keeps the examples' spelling "staatangehoerigkeiten" for the list.
type xStaatsangehoerigkeiten struct {
	Schluessel []xCode `xml:"xga:staatsangehoerigkeitSchluessel" json:"staatsangehoerigkeitSchluessel"`
}

type xTaetigkeiten struct {
	Schwerpunkt         xSchwerpunkt `xml:"xga:schwerpunkt" json:"schwerpunkt"`
	WeitereTaetigkeiten *xWeitere    `xml:"xga:weitereTaetigkeiten,omitempty" json:"weitereTaetigkeiten,omitempty"`
}

type xSchwerpunkt struct {
	TaetigkeitSchwerpunkt string `xml:"xga:taetigkeitSchwerpunkt" json:"taetigkeitSchwerpunkt"`
	TaetigkeitSchluessel  string `xml:"xga:taetigkeitSchluessel,omitempty" json:"taetigkeitSchluessel,omitempty"`
	// Stichwort is the WZ 2008 title of the code the filer chose (the examples show a
	// keyword of the classification here).
	Stichwort string `xml:"xga:stichwort,omitempty" json:"stichwort,omitempty"`
}

type xWeitere struct {
	TaetigkeitenZusammengefasst string `xml:"xga:taetigkeitenZusammengefasst" json:"taetigkeitenZusammengefasst"`
}
