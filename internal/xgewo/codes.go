package xgewo

import "github.com/rathaus-egov/rathaus/internal/routing"

// meta is the root element prefix and nachrichtentyp per recipient kind. Verified from the
// KoSIT examples (egov-facts §1.3): sta 0100, ea 0220, abh 0500; the root elements of two
// other messages of KoSIT's test suite (itplr-kosit/validator-configuration-xgewerbeanzeige,
// beispiele/xgwa2.0-invalid-xsd.xml and xgwa2.1-invalid-xsd.xml, invalid for other reasons)
// give dgu 0230 (DGUV) and alg 0300 (Bundesagentur für Arbeit). The others are our choice,
// grouped by recipient family and clear of those codes, until the XGewO 1.6 code list of
// message types is at hand.
var meta = map[routing.Kind]struct{ prefix, typ string }{
	routing.KindStatistik:                {"sta", "0100"}, // verified
	routing.KindIHK:                      {"ihk", "0200"},
	routing.KindHWK:                      {"hwk", "0210"},
	routing.KindEichbehoerde:             {"ea", "0220"}, // verified
	routing.KindArbeitsschutz:            {"arb", "0235"},
	routing.KindImmissionsschutz:         {"imm", "0240"},
	routing.KindLebensmittelueberwachung: {"lmue", "0250"},
	routing.KindErlaubnisbehoerde:        {"erl", "0260"},
	routing.KindArbeitsagentur:           {"alg", "0300"}, // KoSIT test suite
	routing.KindDGUV:                     {"dgu", "0230"}, // KoSIT test suite
	routing.KindFinanzamt:                {"fa", "0400"},
	routing.KindDRVKBS:                   {"drv", "0410"},
	routing.KindAuslaenderbehoerde:       {"abh", "0500"}, // verified
	routing.KindZoll:                     {"zoll", "0600"},
	routing.KindRegistergericht:          {"rg", "0700"},
}

const (
	listAGS             = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags"
	listDatenempfaenger = "urn:xoev-de:xgewerbeanzeige:codeliste:datenempfaenger"
	listABHKennung      = "urn:de:xauslaender:codelist:abhkennung"

	listBeteiligungOeffentlicheHand = "urn:xoev-de:xgewerbeanzeige:codeliste:beteiligungoeffentlichehand"

	// Versions of the code lists that are versioned in the instance, as in the KoSIT
	// examples (xgwa2.2-valid.xml, xgwa2.0-valid-eichbehoerde.xml).
	versionPraefix         = "7"
	versionAGS             = "2018-01-31" // behoerdenkennung of the Gewerbeamt (MELDID)
	versionGemeinde        = "2019-05-31" // gemeindeSchluessel
	versionDatenempfaenger = "1"
	versionABHKennung      = "14"
	localList              = "urn:rathaus:xgewo:codeliste:"
)

// local is a value of one of our own code lists: the payload token itself, marked by listURI,
// for lists whose official values (rechtsformen, funktioneinerperson, geschlecht,
// grundfuerabmeldung, …) were not at hand.
func local(list, token string) *xCode {
	if token == "" {
		return nil
	}
	return &xCode{ListURI: localList + list, Code: token}
}

// janein is the verified yes/no list: 1 yes, 0 no.
func janein(b bool) xCode {
	if b {
		return xCode{Code: "1"}
	}
	return xCode{Code: "0"}
}

func janeinPtr(b *bool) *xCode {
	if b == nil {
		return nil
	}
	c := janein(*b)
	return &c
}

// nation maps an ISO 3166-1 alpha-2 state to the nationSchluessel: Germany (and an address
// without a state, which the payload contract treats as domestic) is 276 as in the examples;
// other states keep their ISO code in our list.
func nation(iso string) *xCode {
	if iso == "" || iso == "DE" {
		return &xCode{ListVersionID: "2", Code: "276"}
	}
	return local("staat", iso)
}

// Erreichbarkeit channels (verified).
const (
	kanalEmail   = "01"
	kanalTelefon = "02"
)
