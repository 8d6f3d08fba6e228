package document

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

// Receipt is what an Empfangsbescheinigung (§ 15 Abs. 1 GewO) states.
type Receipt struct {
	Reference string      // the submission's reference number
	FiledAt   time.Time   // when the notice was received
	Art       gewerbe.Art // kind of notice
	Behoerde  Office      // the receiving office
	Betrieb   string      // business or owner name as filed
	Leistung  string      // the administrative service, e.g. "Gewerbe anmelden"
	Digest    string      // hex SHA-256 of the submitted data in canonical JSON form (computed by the caller)
	Documents []string    // names of the documents filed with the notice
}

var artNamen = map[gewerbe.Art]string{
	gewerbe.ArtAnmeldung: "Gewerbe-Anmeldung (GewA 1)",
	gewerbe.ArtUmmeldung: "Gewerbe-Ummeldung (GewA 2)",
	gewerbe.ArtAbmeldung: "Gewerbe-Abmeldung (GewA 3)",
}

// RenderEmpfangsbescheinigung renders the receipt for a filed Gewerbeanzeige and returns the
// PDF. It states what was received, when (Berlin time) and by whom, and the SHA-256 digest of
// the submitted data with a note on how to check it. The output is deterministic. It returns
// an error for an unknown kind of notice, an empty reference, a zero FiledAt or a digest that
// is not 64 hexadecimal digits.
func RenderEmpfangsbescheinigung(r Receipt) ([]byte, error) {
	art, ok := artNamen[r.Art]
	if !ok {
		return nil, fmt.Errorf("document: unknown kind of Gewerbeanzeige %q", r.Art)
	}
	if err := checkMeta(r.Reference, r.FiledAt, ""); err != nil {
		return nil, err
	}
	digest, err := checkDigest(r.Digest)
	if err != nil {
		return nil, err
	}
	ref := clean(r.Reference, false)
	title := "Empfangsbescheinigung nach § 15 Abs. 1 GewO"
	fm := &form{
		title:    title,
		subtitle: "Bestätigung des Eingangs Ihrer Gewerbeanzeige",
		header: []field{
			fld("Referenz", ref),
			fld("Eingegangen am", zeitpunkt(r.FiledAt)),
		},
		sections: []formSection{
			{
				title: "Eingegangene Anzeige",
				fields: []field{
					fld("Art der Anzeige", art),
					fld("Betrieb bzw. Gewerbetreibende/r", text(clean(r.Betrieb, false))),
					fld("Verwaltungsleistung", text(clean(r.Leistung, false))),
					fld("Empfangende Stelle", behoerde(r.Behoerde)),
					fld("Kontakt der Stelle", kontakt(r.Behoerde)),
					fld("Eingereichte Unterlagen", unterlagen(r.Documents)),
				},
			},
			{
				title: "Prüfsumme der eingereichten Daten",
				fields: []field{
					{label: "SHA-256 (hexadezimal)", value: digest, wide: true},
				},
			},
		},
		notes: []string{
			digestNote,
			"Diese Empfangsbescheinigung bestätigt nur den Eingang der Anzeige. Sie ist keine Erlaubnis oder Genehmigung: " +
				"Ob für die Tätigkeit eine Erlaubnis, eine Eintragung in die Handwerksrolle oder eine andere Zulassung nötig ist, " +
				"bleibt davon unberührt.",
			"Diese Bescheinigung wurde maschinell erstellt und trägt daher keine Unterschrift.",
		},
	}
	info := docInfo{
		Title:      title,
		Subject:    art + ", Referenz " + ref,
		Author:     clean(r.Behoerde.Name, false),
		Created:    r.FiledAt,
		HeaderText: "Empfangsbescheinigung · Referenz " + ref,
		FooterText: "Empfangsbescheinigung · Referenz " + ref,
	}
	return fm.render(info, r.Behoerde)
}

// digestNote explains the digest on a receipt and how to check it.
const digestNote = "Die Prüfsumme ist der SHA-256-Hashwert über die eingereichten Daten in kanonischer JSON-Form. " +
	"So können Sie prüfen, dass die Behörde genau Ihre Angaben erhalten hat: Berechnen Sie den SHA-256-Wert " +
	"der Daten in derselben kanonischen JSON-Form, zum Beispiel mit „sha256sum datei.json“ (Linux, macOS) " +
	"oder „certutil -hashfile datei.json SHA256“ (Windows), und vergleichen Sie ihn mit dem Wert oben. " +
	"Stimmen beide überein, sind die Daten unverändert eingegangen; jede Änderung, auch eines einzelnen Zeichens, " +
	"ergibt einen völlig anderen Wert."

// checkDigest returns the digest in lower case, or an error unless it is 64 hex digits.
func checkDigest(d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	if len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" {
		return "", errors.New("document: digest is not a hex SHA-256")
	}
	return d, nil
}

// GenericReceipt is what an Eingangsbestätigung for an application outside the Gewerbe
// procedures states (for a Gewerbeanzeige use Receipt and RenderEmpfangsbescheinigung).
type GenericReceipt struct {
	Reference     string    // the submission's reference number
	FiledAt       time.Time // when the application was received
	Title         string    // the application, e.g. "Anmeldung eines Hundes zur Hundesteuer"
	Leistung      string    // the 14-digit Leistungsschlüssel (LeiKa), or empty
	Behoerde      Office    // the receiving office
	Antragsteller string    // the applicant's name as filed
	Digest        string    // hex SHA-256 of the submitted data in canonical JSON form (computed by the caller)
	Documents     []string  // names of the documents filed with the application
}

// RenderEingangsbestaetigung renders the confirmation that an application was received and
// returns the PDF. Like the Empfangsbescheinigung it states what was received, when (Berlin
// time) and by whom, and the SHA-256 digest of the submitted data with a note on how to check
// it; it cites no statute, since procedures differ in whether one requires a receipt. The
// output is deterministic. It returns an error for an empty title or reference, a zero
// FiledAt, a Leistungsschlüssel that is not 14 digits starting with 99, or a digest that is
// not 64 hexadecimal digits.
func RenderEingangsbestaetigung(r GenericReceipt) ([]byte, error) {
	if err := checkMeta(r.Reference, r.FiledAt, ""); err != nil {
		return nil, err
	}
	antrag := clean(r.Title, false)
	if antrag == "" {
		return nil, errors.New("document: receipt without a title")
	}
	leistung := strings.TrimSpace(r.Leistung)
	if err := checkLeistung(leistung); err != nil {
		return nil, err
	}
	digest, err := checkDigest(r.Digest)
	if err != nil {
		return nil, err
	}
	ref := clean(r.Reference, false)
	title := "Eingangsbestätigung"
	fm := &form{
		title:    title,
		subtitle: "Bestätigung des Eingangs Ihres Antrags",
		header: []field{
			fld("Referenz", ref),
			fld("Eingegangen am", zeitpunkt(r.FiledAt)),
		},
		sections: []formSection{
			{
				title: "Eingegangener Antrag",
				fields: []field{
					fld("Antrag", antrag),
					fld("Leistungsschlüssel", text(leistung)),
					fld("Antragsteller/in", text(clean(r.Antragsteller, false))),
					fld("Empfangende Stelle", behoerde(r.Behoerde)),
					fld("Kontakt der Stelle", kontakt(r.Behoerde)),
					fld("Eingereichte Unterlagen", unterlagen(r.Documents)),
				},
			},
			{
				title: "Prüfsumme der eingereichten Daten",
				fields: []field{
					{label: "SHA-256 (hexadezimal)", value: digest, wide: true},
				},
			},
		},
		notes: []string{
			digestNote,
			"Diese Eingangsbestätigung bestätigt nur den Eingang des Antrags. Sie ist weder eine Genehmigung noch ein " +
				"Bescheid: Über den Antrag wird gesondert entschieden.",
			"Diese Bestätigung wurde maschinell erstellt und trägt daher keine Unterschrift.",
		},
	}
	info := docInfo{
		Title:      title + ": " + antrag,
		Subject:    antrag + ", Referenz " + ref,
		Author:     clean(r.Behoerde.Name, false),
		Created:    r.FiledAt,
		HeaderText: title + " · Referenz " + ref,
		FooterText: title + " · Referenz " + ref,
	}
	return fm.render(info, r.Behoerde)
}

func kontakt(o Office) string {
	var parts []string
	if t := clean(o.Telefon, false); t != "" {
		parts = append(parts, "Telefon "+t)
	}
	if e := clean(o.Email, false); e != "" {
		parts = append(parts, "E-Mail "+e)
	}
	return text(strings.Join(parts, "\n"))
}

func unterlagen(docs []string) string {
	var lines []string
	for _, d := range docs {
		if d = clean(d, false); d != "" {
			lines = append(lines, strconv.Itoa(len(lines)+1)+". "+d)
		}
	}
	if len(lines) == 0 {
		return "keine"
	}
	return strings.Join(lines, "\n")
}
