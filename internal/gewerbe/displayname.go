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

// Addressee is whom a Bescheid about the notice is addressed to: the registered name of a
// business that has one (a company, an e. K.), else its owners by name — the sole trader, or
// the partners of a GbR — with the trade name as a second line; a Geschäftsbezeichnung is not
// a legal name and cannot be addressed alone. Falls back to DisplayName.
func (a *Anzeige) Addressee() string {
	if n := strings.TrimSpace(a.Betrieb.Name); n != "" {
		return n
	}
	var owners []string
	for _, f := range []string{"inhaber", "gesellschafter"} {
		for _, p := range a.Personen {
			if p.Funktion == f {
				if n := personName(p); n != "" {
					owners = append(owners, n)
				}
			}
		}
		if len(owners) > 0 {
			break
		}
	}
	if len(owners) == 0 {
		return a.DisplayName()
	}
	out := strings.Join(owners, ", ")
	if t := strings.TrimSpace(a.Betrieb.Geschaeftsbezeichnung); t != "" {
		out += "\n" + t
	}
	return out
}
