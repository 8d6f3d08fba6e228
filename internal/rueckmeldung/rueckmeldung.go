// Package rueckmeldung implements the Rückmeldeverfahren (XGewerbeordnung 1.5, § 14 GewO as
// amended by BEG IV): a business that moves its site from municipality A to B files only an
// Anmeldung at B with the reason "Verlegung aus anderem Meldebezirk"; B reports back to A,
// and A builds the Abmeldung from its own register record, with the new address and a
// Betriebsaufgabe one day before the start at B, and forwards it as usual.
//
// This package holds the pure parts: whether a notice triggers a Rückmeldung and to which
// municipality, the keys a register record is matched by, and the Abmeldung built from A's
// record. The job that runs it lives in the integration hub.
package rueckmeldung

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

// GrundVerlegung is the Anmeldung's reason that triggers a Rückmeldung.
const GrundVerlegung = "verlegung_aus_anderem_meldebezirk"

// GrundAbmeldung is the reason of the Abmeldung A builds.
const GrundAbmeldung = "verlegung_in_anderen_meldebezirk"

// Needed reports whether the notice is an Anmeldung after a move from another Meldebezirk and
// returns the previous site.
func Needed(a *gewerbe.Anzeige) (*gewerbe.Anschrift, bool) {
	if a == nil || a.Art != gewerbe.ArtAnmeldung || a.Anmeldung == nil || a.Anmeldung.Grund != GrundVerlegung || a.Anmeldung.FruehereBetriebsstaette == nil {
		return nil, false
	}
	return a.Anmeldung.FruehereBetriebsstaette, true
}

// Keys are what a register record is matched by when the new notice does not carry the
// business's gewerbebetriebID: the site (postal code, street, house number), the first
// person (family name and date of birth) and the business name.
type Keys struct {
	Site   string
	Person string
	Name   string
}

// KeysOf returns the keys of a notice's own site.
func KeysOf(a *gewerbe.Anzeige) Keys {
	return Keys{Site: SiteKey(&a.Betrieb.Betriebsstaette), Person: personKey(a), Name: nameKey(a)}
}

// SiteKey normalises an address for matching: "01127|grossenhainer str|101".
func SiteKey(s *gewerbe.Anschrift) string {
	if s == nil || s.PLZ == "" {
		return ""
	}
	street := fold(s.Strasse)
	for _, suf := range []string{"strasse", "str."} {
		if strings.HasSuffix(street, suf) {
			street = strings.TrimSuffix(street, suf) + "str"
		}
	}
	street = strings.ReplaceAll(street, " ", "")
	return strings.TrimSpace(s.PLZ) + "|" + street + "|" + fold(strings.ReplaceAll(s.Hausnummer, " ", ""))
}

func personKey(a *gewerbe.Anzeige) string {
	if len(a.Personen) == 0 {
		return ""
	}
	p := a.Personen[0]
	return fold(p.Familienname) + "|" + p.Geburtsdatum
}

func nameKey(a *gewerbe.Anzeige) string {
	n := a.Betrieb.Name
	if n == "" {
		n = a.Betrieb.Geschaeftsbezeichnung
	}
	return fold(n)
}

// umlauts transcribes the German umlauts and ß (built once: a Replacer is costly to make).
var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")

// fold lower-cases, transcribes umlauts and drops accents and punctuation except dots.
func fold(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = umlauts.Replace(s)
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '.':
			b.WriteRune(r)
		case r == '-':
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Matches reports whether a register record with keys rec belongs to the business the new
// notice (keys neu, previous site prev) describes, strongly enough for A to file the
// Abmeldung without a person looking at it: the record's site is the previous site and its
// first person (family name and birth date) is the new notice's. The business name and the
// address are public; a name match alone would let anyone who knows a shop's name and address
// deregister it, so it leaves the decision to A's Gewerbeamt (a task).
func Matches(rec Keys, prev *gewerbe.Anschrift, neu Keys) bool {
	if rec.Site == "" || rec.Site != SiteKey(prev) {
		return false
	}
	return rec.Person != "" && rec.Person == neu.Person
}

// Abmeldung builds A's Abmeldung from A's register record (the stored data of its latest
// notice about the business) and B's Anmeldung: the record's business, persons and activity,
// the Betriebsaufgabe one day before the start at B, reason "Verlegung in anderen
// Meldebezirk", and the new site as the future address. The record is not modified.
func Abmeldung(record *gewerbe.Anzeige, neu *gewerbe.Anzeige) (*gewerbe.Anzeige, error) {
	if neu == nil || neu.Anmeldung == nil {
		return nil, fmt.Errorf("rueckmeldung: the new notice is no Anmeldung")
	}
	start, err := time.Parse(time.DateOnly, neu.Anmeldung.Beginn)
	if err != nil {
		return nil, fmt.Errorf("rueckmeldung: start date %q: %w", neu.Anmeldung.Beginn, err)
	}
	// Deep copy through JSON: the record stays untouched.
	b, err := json.Marshal(record)
	if err != nil {
		return nil, err
	}
	var ab gewerbe.Anzeige
	if err := json.Unmarshal(b, &ab); err != nil {
		return nil, err
	}
	site := neu.Betrieb.Betriebsstaette
	ab.Art = gewerbe.ArtAbmeldung
	ab.Anmeldung, ab.Ummeldung = nil, nil
	ab.Abmeldung = &gewerbe.Abmeldung{
		Datum:              start.AddDate(0, 0, -1).Format(time.DateOnly),
		Grund:              GrundAbmeldung,
		KuenftigeAnschrift: &site,
	}
	return &ab, nil
}
