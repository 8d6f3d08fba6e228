package gewerbe

import "strings"

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
