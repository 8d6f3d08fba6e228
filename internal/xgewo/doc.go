// Package xgewo builds the outbound messages of a Gewerbeanzeige for one recipient: the
// per-recipient data minimisation (Minimise, the single enforcement point of § 3 GewAnzV) and
// the XML and JSON renderings (Build).
//
// The target standard is XGewerbeordnung 1.6 (mandatory from 1.5.2026). Its schema was not at
// hand when this package was written, so the XML follows the structure of XGewerbeanzeige 2.2
// as seen in KoSIT's published example messages (namespace
// http://www.xgewerbeanzeige.de/spezifikation/2.2): root <prefix>.gewerbemeldung.<nnnn>,
// nachrichtenkopf, optional berichtszeitraum, one satz with anmeldung|ummeldung|abmeldung.
// The whole mapping lives in this package behind Version, so that the schema can be swapped
// without touching callers; stored messages record the Version they were built with.
//
// Where the examples do not show an element or a code list value, the choice is ours and is
// marked: elements not seen in the examples are listed in extensionElements, and code values
// that are not verified carry a listURI under urn:rathaus:xgewo:codeliste: holding our own
// token (e.g. "gmbh") instead of an official code. Verified values: nachrichtentyp 0100 (sta),
// 0220 (ea), 0500 (abh), and from KoSIT's test suite 0230 (dgu) and 0300 (alg); janein 0/1;
// Erreichbarkeit kanal 01 E-Mail, 02 Telefon; nation 276 for Germany; the instance versions
// of the praefix, AGS, Gemeinde, datenempfaenger and abhkennung lists.
package xgewo

// Version identifies the message mapping. It changes whenever the output of Build changes for
// the same input.
const Version = "xgewerbeanzeige-2.2-rathaus-5"

// Produkthersteller is the root's produkthersteller attribute (the examples: "KoSIT").
const Produkthersteller = "Rathaus-Projekt"

// Namespace is the XML namespace of the messages (XGewerbeanzeige 2.2).
const Namespace = "http://www.xgewerbeanzeige.de/spezifikation/2.2"
