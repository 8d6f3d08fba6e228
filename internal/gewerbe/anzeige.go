// Package gewerbe holds the Gewerbeanzeige (§ 14 GewO): its data model, which mirrors the
// payload contract schemas/gewerbeanzeige.schema.json field for field, and the rules that
// decide whether a notice is valid.
package gewerbe

// Art is the kind of notice.
type Art string

// The three kinds of notice (GewA 1, GewA 2, GewA 3).
const (
	ArtAnmeldung Art = "anmeldung"
	ArtUmmeldung Art = "ummeldung"
	ArtAbmeldung Art = "abmeldung"
)

// Anzeige is one Gewerbeanzeige. JSON names follow the schema exactly; optional objects are
// pointers so that "absent" and "empty" stay distinguishable.
type Anzeige struct {
	Art            Art             `json:"art"`
	Betrieb        Betrieb         `json:"betrieb"`
	Personen       []Person        `json:"personen"`
	Taetigkeit     Taetigkeit      `json:"taetigkeit"`
	Anmeldung      *Anmeldung      `json:"anmeldung,omitempty"`
	Ummeldung      *Ummeldung      `json:"ummeldung,omitempty"`
	Abmeldung      *Abmeldung      `json:"abmeldung,omitempty"`
	Erlaubnis      *Erlaubnis      `json:"erlaubnis,omitempty"`
	Handwerkskarte *Handwerkskarte `json:"handwerkskarte,omitempty"`
}

// Anschrift is a postal address. AGS is the municipality key where known.
type Anschrift struct {
	Strasse    string `json:"strasse"`
	Hausnummer string `json:"hausnummer"`
	PLZ        string `json:"plz"`
	Ort        string `json:"ort"`
	Staat      string `json:"staat,omitempty"`
	AGS        string `json:"ags,omitempty"`
}

// Betrieb is the business (Betrieb) and its site (Betriebsstätte).
type Betrieb struct {
	Rechtsform                  string         `json:"rechtsform"`
	Name                        string         `json:"name,omitempty"`
	Geschaeftsbezeichnung       string         `json:"geschaeftsbezeichnung,omitempty"`
	Register                    *Register      `json:"register,omitempty"`
	Betriebsstaette             Anschrift      `json:"betriebsstaette"`
	Hauptniederlassung          *Anschrift     `json:"hauptniederlassung,omitempty"`
	Kontakt                     *Kontakt       `json:"kontakt,omitempty"`
	Niederlassungsart           string         `json:"niederlassungsart"`
	Betriebsart                 []string       `json:"betriebsart"`
	Beschaeftigte               *Beschaeftigte `json:"beschaeftigte,omitempty"`
	Nebenerwerb                 *bool          `json:"nebenerwerb,omitempty"`
	Reisegewerbe                *bool          `json:"reisegewerbe,omitempty"`
	Automatenaufstellung        *bool          `json:"automatenaufstellung,omitempty"`
	BeteiligungOeffentlicheHand *bool          `json:"beteiligungOeffentlicheHand,omitempty"`
	GewerbebetriebID            string         `json:"gewerbebetriebID,omitempty"`
}

// Register is the entry in the commercial, cooperative, partnership or association register.
type Register struct {
	Art     string `json:"art"`
	Nummer  string `json:"nummer"`
	Gericht string `json:"gericht"`
}

// Kontakt is how the office reaches the business; a telephone number is mandatory.
type Kontakt struct {
	Telefon string `json:"telefon"`
	Email   string `json:"email,omitempty"`
	Web     string `json:"web,omitempty"`
}

// Beschaeftigte counts the people working in the business besides the owner.
type Beschaeftigte struct {
	Vollzeit *int `json:"vollzeit,omitempty"`
	Teilzeit *int `json:"teilzeit,omitempty"`
}

// Person is an owner, partner, legal representative or manager named in the notice.
type Person struct {
	Funktion               string            `json:"funktion"`
	Familienname           string            `json:"familienname"`
	Vornamen               string            `json:"vornamen"`
	Geburtsname            string            `json:"geburtsname,omitempty"`
	Geschlecht             string            `json:"geschlecht,omitempty"`
	Doktorgrad             string            `json:"doktorgrad,omitempty"`
	Geburtsdatum           string            `json:"geburtsdatum"`
	Geburtsort             string            `json:"geburtsort,omitempty"`
	Geburtsland            string            `json:"geburtsland,omitempty"`
	Staatsangehoerigkeiten []string          `json:"staatsangehoerigkeiten"`
	Anschrift              Anschrift         `json:"anschrift"`
	Aufenthaltstitel       *Aufenthaltstitel `json:"aufenthaltstitel,omitempty"`
}

// Aufenthaltstitel is the residence title of a person without EU/EEA/CH nationality.
type Aufenthaltstitel struct {
	Art           string `json:"art"`
	AusgestelltAm string `json:"ausgestelltAm,omitempty"`
	Behoerde      string `json:"behoerde,omitempty"`
	Auflagen      string `json:"auflagen,omitempty"`
}

// Taetigkeit is the activity: a precise description, the WZ 2008 code and further activities.
type Taetigkeit struct {
	Beschreibung string   `json:"beschreibung"`
	WZ2008       string   `json:"wz2008,omitempty"`
	Weitere      []string `json:"weitere,omitempty"`
}

// Anmeldung holds what only a GewA 1 has.
type Anmeldung struct {
	Beginn                  string     `json:"beginn"`
	Grund                   string     `json:"grund"`
	FruehereBetriebsstaette *Anschrift `json:"fruehereBetriebsstaette,omitempty"`
	FruehererInhaber        string     `json:"fruehererInhaber,omitempty"`
}

// Ummeldung holds what only a GewA 2 has.
type Ummeldung struct {
	Datum                   string     `json:"datum"`
	Grund                   string     `json:"grund"`
	FruehereBetriebsstaette *Anschrift `json:"fruehereBetriebsstaette,omitempty"`
	FruehereTaetigkeit      string     `json:"fruehereTaetigkeit,omitempty"`
}

// Abmeldung holds what only a GewA 3 has.
type Abmeldung struct {
	Datum              string     `json:"datum"`
	Grund              string     `json:"grund"`
	Ursache            string     `json:"ursache,omitempty"`
	KuenftigeAnschrift *Anschrift `json:"kuenftigeAnschrift,omitempty"`
}

// Erlaubnis is a permit for a trade that needs one (e.g. § 34c GewO, GastG).
type Erlaubnis struct {
	Art      string `json:"art"`
	Datum    string `json:"datum,omitempty"`
	Behoerde string `json:"behoerde,omitempty"`
}

// Handwerkskarte is the craft card issued by a Handwerkskammer.
type Handwerkskarte struct {
	Datum  string `json:"datum,omitempty"`
	Kammer string `json:"kammer"`
}

// Stichtag is the date the notice takes effect: beginn, ummeldung.datum or abmeldung.datum.
func (a *Anzeige) Stichtag() string {
	switch {
	case a.Art == ArtAnmeldung && a.Anmeldung != nil:
		return a.Anmeldung.Beginn
	case a.Art == ArtUmmeldung && a.Ummeldung != nil:
		return a.Ummeldung.Datum
	case a.Art == ArtAbmeldung && a.Abmeldung != nil:
		return a.Abmeldung.Datum
	}
	return ""
}
