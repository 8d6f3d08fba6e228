package gewerbe

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// GemeindeLookup answers what Validate needs to know about municipalities.
type GemeindeLookup interface {
	// Served reports whether the platform serves the municipality with this AGS.
	Served(ags string) bool
	// PLZOf returns the postal codes known for the municipality; the list may be incomplete.
	PLZOf(ags string) []string
	// AGSForPLZ returns the municipalities a postal code is known in (several for shared codes,
	// none for an unknown one).
	AGSForPLZ(plz string) []string
}

// OrtResolver may be implemented by a GemeindeLookup as well. Validate then also uses the
// place name to decide which municipality an address without AGS lies in (R9), which settles
// postal codes shared by several municipalities.
type OrtResolver interface {
	// AGSForOrt returns the municipalities whose name matches ort.
	AGSForOrt(ort string) []string
}

// RegionLookup may be implemented by a GemeindeLookup as well: a German postal code whose
// region (first two digits) no municipality of the platform has lies outside the area the
// platform serves (R9: 80331 München is another municipality than Dresden).
type RegionLookup interface {
	KnowsPLZRegion(plz string) bool
}

// WZLookup answers whether a code is a class or subclass of the WZ 2008 list (*wz.Catalog).
type WZLookup interface {
	IsClassOrSubclass(code string) bool
}

// Env is what validation depends on besides the notice. A nil Gemeinden skips the rules that
// need it (R5, R9), a nil WZ skips R8, an empty FiledWith skips the ags_mismatch check: callers
// that validate a filed notice set all of them.
type Env struct {
	Today     time.Time // the injected clock; its calendar day in Europe/Berlin counts
	FiledWith string    // AGS of the municipality the notice is filed with
	Gemeinden GemeindeLookup
	WZ        WZLookup
}

// Check decodes raw and validates it as written: the contract rejects an invalid document, so
// nothing is repaired first (a code in another case is an error naming the allowed values, not
// a lower-cased value). Errors found by
// Decode take precedence: Validate's findings at or below a pointer Decode already reported are
// dropped, so every problem is reported once. For malformed input the Anzeige is nil.
//
// At most MaxErrors errors are returned, the last of them saying that there were more: a body
// of thousands of invalid items must not become an answer ten times its size.
func Check(raw []byte, env Env) (a *Anzeige, errs, warnings []apperr.FieldError) {
	a, errs, warnings = check(raw, env)
	return a, capErrors(errs), capErrors(warnings)
}

func check(raw []byte, env Env) (a *Anzeige, errs, warnings []apperr.FieldError) {
	a, decodeErrs := Decode(raw)
	if a == nil {
		return nil, decodeErrs, nil
	}
	verrs, warnings := Validate(a, env)
	if len(decodeErrs) == 0 {
		return a, verrs, warnings
	}
	return a, append(decodeErrs, notUnder(verrs, decodeErrs)...), notUnder(warnings, decodeErrs)
}

// MaxErrors bounds the errors (and the warnings) Check reports.
const MaxErrors = 100

// CodeTooManyErrors is the last of MaxErrors errors when there were more.
const CodeTooManyErrors = "too_many_errors"

func capErrors(errs []apperr.FieldError) []apperr.FieldError {
	if len(errs) <= MaxErrors {
		return errs
	}
	n := len(errs)
	errs = errs[: MaxErrors-1 : MaxErrors-1]
	return append(errs, apperr.FieldError{Pointer: "", Code: CodeTooManyErrors,
		Message: fmt.Sprintf("Die Anzeige enthält mindestens %d Fehler; die ersten %d sind aufgeführt. Bitte berichtigen Sie diese und senden Sie die Anzeige erneut.", n, MaxErrors-1)})
}

// notUnder returns the errors in list whose pointer is neither one of seen nor below one. It
// looks each ancestor of a pointer up in a set: a body of many invalid items has as many
// errors of each kind, and comparing every pair (as before) made one request of a few
// hundred kilobytes cost minutes of CPU.
func notUnder(list, seen []apperr.FieldError) []apperr.FieldError {
	set := make(map[string]bool, len(seen))
	for _, s := range seen {
		set[s.Pointer] = true
	}
	var out []apperr.FieldError
	for _, e := range list {
		p, under := e.Pointer, false
		for {
			if set[p] {
				under = true
				break
			}
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
		if !under {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks a against every rule of the schema that a Go value can break and the
// cross-field rules R1–R9. Absent and empty are the same here: an empty required string or a
// required object with only zero fields is reported as "required". Errors block the notice,
// warnings are shown with the accepted notice.
func Validate(a *Anzeige, env Env) (errs, warnings []apperr.FieldError) {
	c := checker{env: env, today: berlinDate(env.Today)}
	if a == nil {
		c.missing("")
		return c.errs, nil
	}
	if len(a.Personen) > maxPersonen {
		// Invalid as it stands; persons beyond the limit are not checked one by one (a body
		// of thousands of them would otherwise cost as many person checks).
		c.fail("/personen", CodeTooManyItems, fmt.Sprintf("Höchstens %d Personen können angegeben werden.", maxPersonen))
		b := *a
		b.Personen = a.Personen[:maxPersonen]
		a = &b
	}
	c.anzeige(a)
	return c.errs, c.warns
}

type checker struct {
	env   Env
	today time.Time
	errs  []apperr.FieldError
	warns []apperr.FieldError
}

func (c *checker) fail(ptr, code, msg string) {
	c.errs = append(c.errs, fieldError(ptr, code, msg))
}

func (c *checker) warn(ptr, code, msg string) {
	c.warns = append(c.warns, fieldError(ptr, code, msg))
}

// issuedNotLater warns when the date a document was issued (permit, craft card, residence
// title) lies after today: valid by the schema, but no document is issued in the future.
func (c *checker) issuedNotLater(ptr, iso string) {
	if d, ok := parseDate(iso); ok && d.After(c.today) {
		c.warn(ptr, CodeIssuedInFuture, "Das Ausstellungsdatum liegt in der Zukunft. Bitte prüfen Sie die Angabe.")
	}
}

func (c *checker) missing(ptr string) { c.fail(ptr, CodeRequired, "Bitte angeben.") }

// text checks a string field and reports whether it holds a valid, non-empty value.
func (c *checker) text(ptr, v string, r *text, required bool) bool {
	if v == "" {
		if required {
			c.missing(ptr)
		}
		return false
	}
	if code, msg := r.check(v); code != "" {
		c.fail(ptr, code, msg)
		return false
	}
	return true
}

// present reports whether a required object holds anything, reporting it missing if not.
func (c *checker) present(ptr string, v any) bool {
	if reflect.ValueOf(v).IsZero() {
		c.missing(ptr)
		return false
	}
	return true
}

func (c *checker) anzeige(a *Anzeige) {
	c.text("/art", string(a.Art), rArt, true)
	betriebOK := c.present("/betrieb", a.Betrieb)
	if betriebOK {
		c.betrieb(&a.Betrieb)
	}
	switch {
	case a.Personen == nil:
		c.missing("/personen")
	case len(a.Personen) == 0:
		c.fail("/personen", CodeTooFewItems, "Bitte mindestens eine Person angeben.")
	case len(a.Personen) > maxPersonen:
		c.fail("/personen", CodeTooManyItems, fmt.Sprintf("Höchstens %d Personen können angegeben werden.", maxPersonen))
	}
	for i := range a.Personen {
		ptr := "/personen/" + strconv.Itoa(i)
		if c.present(ptr, a.Personen[i]) {
			c.person(ptr, &a.Personen[i])
		}
	}
	if c.present("/taetigkeit", a.Taetigkeit) {
		c.taetigkeit(&a.Taetigkeit)
	}
	c.sections(a)
	stichtag, stichtagOK := parseDate(a.Stichtag()) // an invalid one is reported as such
	if a.Erlaubnis != nil {
		c.text("/erlaubnis/art", a.Erlaubnis.Art, r2to200, true)
		c.text("/erlaubnis/datum", a.Erlaubnis.Datum, rDate, false)
		c.issuedNotLater("/erlaubnis/datum", a.Erlaubnis.Datum)
		c.text("/erlaubnis/behoerde", a.Erlaubnis.Behoerde, rMax200, false)
	}
	if a.Handwerkskarte != nil {
		c.text("/handwerkskarte/datum", a.Handwerkskarte.Datum, rDate, false)
		c.issuedNotLater("/handwerkskarte/datum", a.Handwerkskarte.Datum)
		c.text("/handwerkskarte/kammer", a.Handwerkskarte.Kammer, r2to200, true)
	}

	if !stichtagOK {
		stichtag = time.Time{} // R1 and R2 need a Stichtag
	}
	c.r1Geburtsdatum(a, stichtag, stichtagOK)
	c.r2Stichtag(a.Art, stichtag, stichtagOK)
	if betriebOK {
		c.r3Register(&a.Betrieb)
		c.r4Handwerkskarte(a)
		c.r5Betriebsstaette(&a.Betrieb.Betriebsstaette)
		c.r6Funktion(a)
	}
	c.r7Aufenthaltstitel(a)
	c.r8WZ(a.Taetigkeit.WZ2008)
	c.r9Ummeldung(a)
}

func (c *checker) betrieb(b *Betrieb) {
	c.text("/betrieb/rechtsform", b.Rechtsform, rRechtsform, true)
	c.text("/betrieb/name", b.Name, rMax250, false)
	c.text("/betrieb/geschaeftsbezeichnung", b.Geschaeftsbezeichnung, rMax250, false)
	if r := b.Register; r != nil {
		c.text("/betrieb/register/art", r.Art, rRegisterArt, true)
		c.text("/betrieb/register/nummer", r.Nummer, rRegisterNummer, true)
		c.text("/betrieb/register/gericht", r.Gericht, r2to100, true)
	}
	if c.present("/betrieb/betriebsstaette", b.Betriebsstaette) {
		c.anschrift("/betrieb/betriebsstaette", &b.Betriebsstaette, true)
	}
	if b.Hauptniederlassung != nil {
		c.anschrift("/betrieb/hauptniederlassung", b.Hauptniederlassung, false)
	}
	if k := b.Kontakt; k != nil {
		c.text("/betrieb/kontakt/telefon", k.Telefon, rTelefon, true)
		c.text("/betrieb/kontakt/email", k.Email, rEmail, false)
		c.text("/betrieb/kontakt/web", k.Web, rMax254, false)
	}
	c.text("/betrieb/niederlassungsart", b.Niederlassungsart, rNiederlassung, true)
	switch {
	case b.Betriebsart == nil:
		c.missing("/betrieb/betriebsart")
	case len(b.Betriebsart) == 0:
		c.fail("/betrieb/betriebsart", CodeTooFewItems, "Bitte mindestens eine Art des Betriebs wählen.")
	}
	c.uniqueTexts("/betrieb/betriebsart", b.Betriebsart, rBetriebsart)
	if n := b.Beschaeftigte; n != nil {
		c.integer("/betrieb/beschaeftigte/vollzeit", n.Vollzeit, rBeschaeftigte)
		c.integer("/betrieb/beschaeftigte/teilzeit", n.Teilzeit, rBeschaeftigte)
	}
	c.text("/betrieb/gewerbebetriebID", b.GewerbebetriebID, rUUID, false)
}

// uniqueTexts checks the items of a string array (uniqueItems: true).
func (c *checker) uniqueTexts(ptr string, items []string, r *text) {
	seen := make(map[string]bool, len(items))
	for i, v := range items {
		iptr := ptr + "/" + strconv.Itoa(i)
		if code, msg := r.check(v); code != "" {
			c.fail(iptr, code, msg) // an item is present, so "" breaks the rule rather than "required"
			continue
		}
		if seen[v] {
			c.fail(iptr, CodeDuplicate, fmt.Sprintf("„%s“ ist mehrfach angegeben.", clip(v)))
		}
		seen[v] = true
	}
}

func (c *checker) integer(ptr string, v *int, r *intRule) {
	if v == nil {
		return
	}
	if code, msg := r.check(int64(*v)); code != "" {
		c.fail(ptr, code, msg)
	}
}

func (c *checker) anschrift(ptr string, a *Anschrift, agsRequired bool) {
	c.text(ptr+"/strasse", a.Strasse, rStrasse, true)
	c.text(ptr+"/hausnummer", a.Hausnummer, rHausnummer, true)
	c.text(ptr+"/plz", a.PLZ, rPLZ, true)
	c.text(ptr+"/ort", a.Ort, rOrt, true)
	c.text(ptr+"/staat", a.Staat, rStaat, false)
	c.text(ptr+"/ags", a.AGS, rAGS, agsRequired)
}

func (c *checker) person(ptr string, p *Person) {
	c.text(ptr+"/funktion", p.Funktion, rFunktion, true)
	c.text(ptr+"/familienname", p.Familienname, rName120, true)
	c.text(ptr+"/vornamen", p.Vornamen, rName120, true)
	c.text(ptr+"/geburtsname", p.Geburtsname, rMax120, false)
	c.text(ptr+"/geschlecht", p.Geschlecht, rGeschlecht, false)
	c.text(ptr+"/doktorgrad", p.Doktorgrad, rMax50, false)
	c.text(ptr+"/geburtsdatum", p.Geburtsdatum, rDate, true)
	c.text(ptr+"/geburtsort", p.Geburtsort, rMax120, false)
	c.text(ptr+"/geburtsland", p.Geburtsland, rStaat, false)
	switch {
	case p.Staatsangehoerigkeiten == nil:
		c.missing(ptr + "/staatsangehoerigkeiten")
	case len(p.Staatsangehoerigkeiten) == 0:
		c.fail(ptr+"/staatsangehoerigkeiten", CodeTooFewItems, "Bitte mindestens eine Staatsangehörigkeit angeben.")
	}
	c.uniqueTexts(ptr+"/staatsangehoerigkeiten", p.Staatsangehoerigkeiten, rStaat)
	if c.present(ptr+"/anschrift", p.Anschrift) {
		c.anschrift(ptr+"/anschrift", &p.Anschrift, false)
	}
	if t := p.Aufenthaltstitel; t != nil {
		c.text(ptr+"/aufenthaltstitel/art", t.Art, r2to200, true)
		c.text(ptr+"/aufenthaltstitel/ausgestelltAm", t.AusgestelltAm, rDate, false)
		c.issuedNotLater(ptr+"/aufenthaltstitel/ausgestelltAm", t.AusgestelltAm)
		c.text(ptr+"/aufenthaltstitel/behoerde", t.Behoerde, rMax200, false)
		c.text(ptr+"/aufenthaltstitel/auflagen", t.Auflagen, rMax1000, false)
	}
}

func (c *checker) taetigkeit(t *Taetigkeit) {
	c.text("/taetigkeit/beschreibung", t.Beschreibung, rBeschreibung, true)
	c.text("/taetigkeit/wz2008", t.WZ2008, rWZ, false)
	if len(t.Weitere) > maxWeitere {
		c.fail("/taetigkeit/weitere", CodeTooManyItems, fmt.Sprintf("Höchstens %d weitere Tätigkeiten können angegeben werden.", maxWeitere))
	}
	for i, w := range t.Weitere {
		if code, msg := rWeitere.check(w); code != "" {
			c.fail("/taetigkeit/weitere/"+strconv.Itoa(i), code, msg)
		}
	}
}

// sections checks the anmeldung, ummeldung and abmeldung objects: the one art requires, and
// any other given.
func (c *checker) sections(a *Anzeige) {
	want := func(art Art, present bool, name string) bool {
		switch {
		case a.Art == art && !present:
			c.missing("/" + name)
		case a.Art != art && present && slices.Contains(arten, string(a.Art)):
			c.warn("/"+name, CodeSectionIgnored, fmt.Sprintf("Die Angaben werden bei einer %s nicht berücksichtigt.", artName(a.Art)))
		}
		return present
	}
	if want(ArtAnmeldung, a.Anmeldung != nil, "anmeldung") {
		m := a.Anmeldung
		c.text("/anmeldung/beginn", m.Beginn, rDate, true)
		c.text("/anmeldung/grund", m.Grund, rAnmeldeGrund, true)
		if m.FruehereBetriebsstaette != nil {
			c.anschrift("/anmeldung/fruehereBetriebsstaette", m.FruehereBetriebsstaette, false)
		}
		c.text("/anmeldung/fruehererInhaber", m.FruehererInhaber, rMax250, false)
	}
	if want(ArtUmmeldung, a.Ummeldung != nil, "ummeldung") {
		m := a.Ummeldung
		c.text("/ummeldung/datum", m.Datum, rDate, true)
		c.text("/ummeldung/grund", m.Grund, rUmmeldeGrund, true)
		if m.FruehereBetriebsstaette != nil {
			c.anschrift("/ummeldung/fruehereBetriebsstaette", m.FruehereBetriebsstaette, false)
		}
		c.text("/ummeldung/fruehereTaetigkeit", m.FruehereTaetigkeit, rMax2000, false)
	}
	if want(ArtAbmeldung, a.Abmeldung != nil, "abmeldung") {
		m := a.Abmeldung
		c.text("/abmeldung/datum", m.Datum, rDate, true)
		c.text("/abmeldung/grund", m.Grund, rAbmeldeGrund, true)
		c.text("/abmeldung/ursache", m.Ursache, rUrsache, false)
		if m.KuenftigeAnschrift != nil {
			c.anschrift("/abmeldung/kuenftigeAnschrift", m.KuenftigeAnschrift, false)
		}
	}
}

func artName(a Art) string {
	switch a {
	case ArtUmmeldung:
		return "Ummeldung"
	case ArtAbmeldung:
		return "Abmeldung"
	}
	return "Anmeldung"
}

// stichtagPhrase names the Stichtag in a sentence: "vor dem Beginn der Tätigkeit".
func stichtagPhrase(a Art) string {
	switch a {
	case ArtUmmeldung:
		return "dem Datum der Ummeldung"
	case ArtAbmeldung:
		return "dem Datum der Betriebsaufgabe"
	}
	return "dem Beginn der Tätigkeit"
}

// R1: every geburtsdatum lies in the past and before the Stichtag; a person under 18 on the
// Stichtag needs the family court's approval (§ 112 BGB), which is a warning.
func (c *checker) r1Geburtsdatum(a *Anzeige, stichtag time.Time, stichtagOK bool) {
	for i, p := range a.Personen {
		birth, ok := parseDate(p.Geburtsdatum)
		if !ok {
			continue // reported as date_format or required
		}
		ptr := "/personen/" + strconv.Itoa(i) + "/geburtsdatum"
		if birth.Before(earliestDate) {
			// The schema allows it; a typing error is likelier than a founder of 127.
			c.warn(ptr, CodeDateImplausible, "Das Geburtsdatum liegt vor 1900. Bitte prüfen Sie die Angabe.")
		}
		switch {
		case !birth.Before(c.today):
			c.fail(ptr, CodeDateInFuture, "Das Geburtsdatum muss in der Vergangenheit liegen.")
		case !stichtagOK:
		case !birth.Before(stichtag):
			c.fail(ptr, CodeBirthAfterStart, fmt.Sprintf("Das Datum liegt nicht vor %s.", stichtagPhrase(a.Art)))
		case ageOn(birth, stichtag) < 18:
			c.warn(ptr, CodeMinorNeedsApproval, fmt.Sprintf(
				"Die Person ist am %s noch nicht volljährig. Minderjährige brauchen für den selbständigen Betrieb eines Erwerbsgeschäfts die Ermächtigung durch die gesetzlichen Vertreter mit Genehmigung des Familiengerichts (§ 112 BGB).",
				formatDateDE(stichtag)))
		}
	}
}

// R2: the Stichtag lies at most 3 calendar months ahead; a past one is a late notice (warning).
func (c *checker) r2Stichtag(art Art, stichtag time.Time, ok bool) {
	if !ok {
		return
	}
	ptr := "/anmeldung/beginn"
	switch art {
	case ArtUmmeldung:
		ptr = "/ummeldung/datum"
	case ArtAbmeldung:
		ptr = "/abmeldung/datum"
	}
	limit := addMonths(c.today, 3)
	if stichtag.Before(earliestDate) {
		c.warn(ptr, CodeDateImplausible, "Das Datum liegt vor 1900. Bitte prüfen Sie die Angabe.")
	}
	switch {
	case stichtag.After(limit):
		c.fail(ptr, CodeDateTooFarAhead, fmt.Sprintf(
			"Das Datum darf höchstens drei Monate in der Zukunft liegen, also spätestens am %s.", formatDateDE(limit)))
	case stichtag.Before(c.today):
		when := "gleichzeitig mit dem Beginn des Betriebs"
		switch art {
		case ArtUmmeldung:
			when = "gleichzeitig mit der Änderung"
		case ArtAbmeldung:
			when = "gleichzeitig mit der Aufgabe des Betriebs"
		}
		c.warn(ptr, CodeLateNotice, fmt.Sprintf(
			"Das Datum liegt in der Vergangenheit. Die Anzeige ist %s zu erstatten (§ 14 Abs. 1 GewO); die Anzeige wird trotzdem angenommen.", when))
	}
}

// R3: a legal form that exists only by registration needs the register entry.
func (c *checker) r3Register(b *Betrieb) {
	if name, ok := registeredForms[b.Rechtsform]; ok && b.Register == nil {
		c.fail("/betrieb/register", CodeRegisterRequired, fmt.Sprintf(
			"Für die Rechtsform %s sind Registerart, Registernummer und Registergericht anzugeben.", name))
	}
	// Beyond R3, warnings: an e. V. exists only by its entry in the Vereinsregister (R3 does
	// not list it, so the entry is asked for, not required) …
	if b.Rechtsform == "ev" && b.Register == nil {
		c.warn("/betrieb/register", CodeRegisterMissing,
			"Ein eingetragener Verein (e. V.) ist im Vereinsregister eingetragen. Bitte geben Sie Registerart (VR), Registernummer und Registergericht an.")
	}
	// … and the register a legal form is entered in (a GmbH in the Vereinsregister is a
	// typing error the office would otherwise find by hand).
	if r := b.Register; r != nil {
		if want, ok := registerOf[b.Rechtsform]; ok && slices.Contains(registerArten, r.Art) && r.Art != want {
			c.warn("/betrieb/register/art", CodeRegisterArtMismatch, fmt.Sprintf(
				"Eine %s wird im Register %s eingetragen, angegeben ist %s. Bitte prüfen Sie die Registerart.", rechtsformName(b.Rechtsform), want, r.Art))
		}
	}
}

// registerOf is the register each legal form with one is entered in.
var registerOf = map[string]string{
	"gmbh": "HRB", "ug": "HRB", "ag": "HRB", "kgaa": "HRB", "se": "HRB",
	"ohg": "HRA", "kg": "HRA", "ek": "HRA", "eg": "GnR", "ev": "VR",
}

// R4: a Handwerk without Handwerkskarte gets a warning (the entry may still be pending).
func (c *checker) r4Handwerkskarte(a *Anzeige) {
	if slices.Contains(a.Betrieb.Betriebsart, "handwerk") && a.Handwerkskarte == nil {
		c.warn("/handwerkskarte", CodeHandwerkskarteMissing,
			"Für einen Handwerksbetrieb ist keine Handwerkskarte angegeben. Ist die Eintragung in die Handwerksrolle beantragt, reichen Sie die Handwerkskarte bitte nach.")
	}
}

// R5: the site lies in a municipality the platform serves, the one the notice is filed with; a
// postal code not known for it gets a warning.
func (c *checker) r5Betriebsstaette(s *Anschrift) {
	if !reAGS.MatchString(s.AGS) {
		return // reported as required or pattern
	}
	g := c.env.Gemeinden
	switch {
	case g != nil && !g.Served(s.AGS):
		c.fail("/betrieb/betriebsstaette/ags", CodeAGSNotServed,
			"Die Gemeinde der Betriebsstätte nimmt Gewerbeanzeigen über diese Plattform nicht entgegen. Bitte wenden Sie sich an die Gemeinde der Betriebsstätte.")
	case c.env.FiledWith != "" && s.AGS != c.env.FiledWith:
		c.fail("/betrieb/betriebsstaette/ags", CodeAGSMismatch,
			"Die Betriebsstätte liegt nicht in der Gemeinde, bei der die Anzeige erstattet wird. Zuständig ist die Gemeinde der Betriebsstätte.")
	case g != nil && s.PLZ != "":
		if known := g.PLZOf(s.AGS); len(known) > 0 && !slices.Contains(known, s.PLZ) {
			c.warn("/betrieb/betriebsstaette/plz", CodePLZNotInMunicipality, fmt.Sprintf(
				"Die Postleitzahl %s ist für die Gemeinde der Betriebsstätte nicht bekannt. Bitte prüfen Sie die Angabe.", clip(s.PLZ)))
		}
	}
}

// rolesFor lists the functions of which at least one person must hold one (R6).
func rolesFor(rechtsform string) []string {
	switch rechtsform {
	case "einzelunternehmen":
		return []string{"inhaber"}
	case "gbr", "ohg", "kg":
		return []string{"gesellschafter"}
	case "gmbh", "ug", "ag", "kgaa", "se", "eg", "ev", "ltd":
		return []string{"gesetzlicher_vertreter"}
	}
	// R6 names no role for an e. K. or another legal form: the schema accepts any there.
	return nil
}

var funktionNames = map[string]string{
	"inhaber":                "Inhaber/in",
	"gesellschafter":         "Gesellschafter/in",
	"gesetzlicher_vertreter": "gesetzliche/r Vertreter/in",
}

// R6: the persons include the owner, a partner or a legal representative as the form needs.
func (c *checker) r6Funktion(a *Anzeige) {
	roles := rolesFor(a.Betrieb.Rechtsform)
	if roles == nil || len(a.Personen) == 0 {
		return
	}
	for _, p := range a.Personen {
		// A missing or unknown funktion is reported on its own; it might be the one R6 needs.
		if slices.Contains(roles, p.Funktion) || !slices.Contains(funktionen, p.Funktion) {
			return
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = "„" + funktionNames[r] + "“"
	}
	c.fail("/personen", CodePersonRoleMissing, fmt.Sprintf(
		"Bei der Rechtsform %s muss mindestens eine Person mit der Funktion %s angegeben sein.",
		rechtsformName(a.Betrieb.Rechtsform), strings.Join(names, " oder ")))
}

// R7: a person with no EU/EEA/CH nationality needs a residence title.
func (c *checker) r7Aufenthaltstitel(a *Anzeige) {
	for i, p := range a.Personen {
		if len(p.Staatsangehoerigkeiten) == 0 || p.Aufenthaltstitel != nil {
			continue
		}
		free := false
		for _, s := range p.Staatsangehoerigkeiten {
			if !reStaat.MatchString(s) {
				free = true // undecidable; the code itself is reported as pattern
				break
			}
			free = free || euEEACH[s]
		}
		if !free {
			c.fail("/personen/"+strconv.Itoa(i)+"/aufenthaltstitel", CodeAufenthaltstitelRequired,
				"Personen ohne Staatsangehörigkeit eines Staates der EU, des EWR oder der Schweiz müssen ihren Aufenthaltstitel angeben.")
		}
	}
}

// R8: a WZ code is a class or subclass of WZ 2008.
func (c *checker) r8WZ(code string) {
	if c.env.WZ == nil || !reWZ.MatchString(code) {
		return
	}
	if !c.env.WZ.IsClassOrSubclass(code) {
		c.fail("/taetigkeit/wz2008", CodeWZUnknown, fmt.Sprintf(
			"Den Schlüssel %s gibt es in der Klassifikation der Wirtschaftszweige (WZ 2008) nicht als Klasse oder Unterklasse.", code))
	}
}

// R9: an Ummeldung cannot move the business into another municipality.
func (c *checker) r9Ummeldung(a *Anzeige) {
	if a.Art != ArtUmmeldung || a.Ummeldung == nil || a.Ummeldung.FruehereBetriebsstaette == nil {
		return
	}
	now := a.Betrieb.Betriebsstaette.AGS
	if !reAGS.MatchString(now) || !c.otherMunicipality(a.Ummeldung.FruehereBetriebsstaette, now) {
		return
	}
	c.fail("/ummeldung/fruehereBetriebsstaette", CodeUmmeldungOtherMunicipality,
		"Die frühere Betriebsstätte liegt in einer anderen Gemeinde. Eine Verlegung in eine andere Gemeinde ist keine Ummeldung: "+
			"Bitte erstatten Sie eine Anmeldung bei der Gemeinde der neuen Betriebsstätte mit dem Grund „Verlegung aus anderem Meldebezirk“. "+
			"Die Abmeldung bei der bisherigen Gemeinde folgt daraus, eine eigene Abmeldung ist nicht nötig.")
}

// otherMunicipality reports whether the address lies, as far as can be told, in a municipality
// other than ags: by its own AGS, else by a foreign state, else by the municipalities its
// postal code (narrowed by the place name where an OrtResolver is at hand) resolves to. An
// address that resolves to nothing, or to candidates including ags, counts as the same place.
func (c *checker) otherMunicipality(old *Anschrift, ags string) bool {
	if old.AGS != "" {
		return reAGS.MatchString(old.AGS) && old.AGS != ags
	}
	if old.Staat != "" && old.Staat != "DE" {
		return reStaat.MatchString(old.Staat)
	}
	g := c.env.Gemeinden
	if g == nil {
		return false
	}
	cands := g.AGSForPLZ(old.PLZ)
	if r, ok := g.(OrtResolver); ok && len(cands) != 1 && old.Ort != "" {
		byOrt := r.AGSForOrt(old.Ort)
		if len(cands) == 0 {
			cands = byOrt
		} else if both := intersect(cands, byOrt); len(both) > 0 {
			cands = both
		}
	}
	if len(cands) == 0 && rePLZ5.MatchString(old.PLZ) {
		if r, ok := g.(RegionLookup); ok && !r.KnowsPLZRegion(old.PLZ) {
			return true
		}
		// A German postal code the platform does not know, with a place that is none of
		// its municipalities (07545 Gera for a Dresden business): another municipality.
		if r, ok := g.(OrtResolver); ok && old.Ort != "" && len(r.AGSForOrt(old.Ort)) == 0 {
			return true
		}
	}
	return len(cands) > 0 && !slices.Contains(cands, ags)
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
