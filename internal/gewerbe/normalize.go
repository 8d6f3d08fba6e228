package gewerbe

import "strings"

// Normalize tidies what people type without changing its meaning: it trims spaces around every
// string, lower-cases the schema's lower-case code values (art, rechtsform, funktion …),
// writes register art in the schema's spelling ("hrb" → "HRB"), upper-cases country codes,
// postal codes and register number suffixes. It does not repair anything else: a WZ code
// written "4791" stays as it is and fails validation.
func (a *Anzeige) Normalize() {
	a.Art = Art(lowerTrim(string(a.Art)))
	b := &a.Betrieb
	b.Rechtsform = lowerTrim(b.Rechtsform)
	b.Niederlassungsart = lowerTrim(b.Niederlassungsart)
	trim(&b.Name, &b.Geschaeftsbezeichnung, &b.GewerbebetriebID)
	if r := b.Register; r != nil {
		trim(&r.Art, &r.Gericht)
		r.Nummer = strings.ToUpper(strings.TrimSpace(r.Nummer))
		for _, v := range registerArten {
			if strings.EqualFold(r.Art, v) {
				r.Art = v
			}
		}
	}
	b.Betriebsstaette.normalize()
	b.Hauptniederlassung.normalize()
	if k := b.Kontakt; k != nil {
		trim(&k.Telefon, &k.Email, &k.Web)
	}
	for i := range b.Betriebsart {
		b.Betriebsart[i] = lowerTrim(b.Betriebsart[i])
	}
	for i := range a.Personen {
		p := &a.Personen[i]
		p.Funktion = lowerTrim(p.Funktion)
		p.Geschlecht = lowerTrim(p.Geschlecht)
		p.Geburtsland = upperTrim(p.Geburtsland)
		trim(&p.Familienname, &p.Vornamen, &p.Geburtsname, &p.Doktorgrad, &p.Geburtsdatum, &p.Geburtsort)
		for j := range p.Staatsangehoerigkeiten {
			p.Staatsangehoerigkeiten[j] = upperTrim(p.Staatsangehoerigkeiten[j])
		}
		p.Anschrift.normalize()
		if t := p.Aufenthaltstitel; t != nil {
			trim(&t.Art, &t.AusgestelltAm, &t.Behoerde, &t.Auflagen)
		}
	}
	t := &a.Taetigkeit
	trim(&t.Beschreibung, &t.WZ2008)
	for i := range t.Weitere {
		t.Weitere[i] = strings.TrimSpace(t.Weitere[i])
	}
	if m := a.Anmeldung; m != nil {
		trim(&m.Beginn, &m.FruehererInhaber)
		m.Grund = lowerTrim(m.Grund)
		m.FruehereBetriebsstaette.normalize()
	}
	if m := a.Ummeldung; m != nil {
		trim(&m.Datum, &m.FruehereTaetigkeit)
		m.Grund = lowerTrim(m.Grund)
		m.FruehereBetriebsstaette.normalize()
	}
	if m := a.Abmeldung; m != nil {
		trim(&m.Datum)
		m.Grund = lowerTrim(m.Grund)
		m.Ursache = lowerTrim(m.Ursache)
		m.KuenftigeAnschrift.normalize()
	}
	if e := a.Erlaubnis; e != nil {
		trim(&e.Art, &e.Datum, &e.Behoerde)
	}
	if h := a.Handwerkskarte; h != nil {
		trim(&h.Datum, &h.Kammer)
	}
}

func (s *Anschrift) normalize() {
	if s == nil {
		return
	}
	trim(&s.Strasse, &s.Hausnummer, &s.Ort, &s.AGS)
	s.PLZ = upperTrim(s.PLZ)
	s.Staat = upperTrim(s.Staat)
}

func trim(fields ...*string) {
	for _, f := range fields {
		*f = strings.TrimSpace(*f)
	}
}

func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
func upperTrim(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// DisplayName names the notice's business for lists and subjects: the registered name, else the
// trade name (Geschäftsbezeichnung), else the name of the owner, first partner or first legal
// representative, else of the first person. It is "" only when none of these is given.
func (a *Anzeige) DisplayName() string {
	if n := strings.TrimSpace(a.Betrieb.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(a.Betrieb.Geschaeftsbezeichnung); n != "" {
		return n
	}
	for _, f := range []string{"inhaber", "gesellschafter", "gesetzlicher_vertreter", ""} {
		for _, p := range a.Personen {
			if f != "" && p.Funktion != f {
				continue
			}
			if n := personName(p); n != "" {
				return n
			}
		}
	}
	return ""
}

func personName(p Person) string {
	return strings.Join(strings.Fields(p.Doktorgrad+" "+p.Vornamen+" "+p.Familienname), " ")
}
