// Package recipient is the recipient directory of the integration hub: the concrete
// authorities (Empfänger) that receive forwarded Gewerbeanzeigen, each with a recipient kind
// of the rule repository, the area it is responsible for, and the connector and endpoint its
// messages travel over. Saxon defaults ship as data (defaults.json plus the chamber table of
// internal/refdata); operators maintain them through the admin UI and `rathaus recipient`.
//
// The package is pure: no I/O besides the embedded data.
package recipient

import (
	"net/mail"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// Connector names how messages reach a recipient. The codes are stored.
type Connector string

// The connectors of the integration hub.
const (
	ConnectorHTTP   Connector = "http"   // HTTPS (or HTTP) POST with an HMAC signature
	ConnectorInbox  Connector = "inbox"  // pull inbox: the recipient fetches and acknowledges
	ConnectorSMTP   Connector = "smtp"   // e-mail with the filled official form attached
	ConnectorFolder Connector = "folder" // file drop for a file-transfer gateway
)

// Connectors lists every connector.
var Connectors = []Connector{ConnectorInbox, ConnectorHTTP, ConnectorSMTP, ConnectorFolder}

// Valid reports whether c is a known connector.
func (c Connector) Valid() bool {
	for _, x := range Connectors {
		if c == x {
			return true
		}
	}
	return false
}

// Format is the rendering a recipient receives: XGewerbeanzeige XML or its JSON form.
type Format string

// The two renderings.
const (
	FormatXML  Format = "xml"
	FormatJSON Format = "json"
)

// AreaAll is the area of a recipient responsible for the whole state. Other areas are
// "kreis:<district name as in the municipality list>" and "ags:<AGS>".
const AreaAll = "*"

// AreaKreis and AreaAGS build the two specific area forms.
func AreaKreis(kreis string) string { return "kreis:" + kreis }

// AreaAGS is the area of a single municipality.
func AreaAGS(ags string) string { return "ags:" + ags }

// Recipient is one concrete authority.
type Recipient struct {
	ID        string       `json:"id"`
	Kind      routing.Kind `json:"kind"`
	Name      string       `json:"name"`
	TenantAGS string       `json:"tenantAGS,omitempty"` // owning municipality; empty: shared by the platform
	Kennung   string       `json:"kennung,omitempty"`   // identifier in the DVDV prefix list (leser)
	Email     string       `json:"email,omitempty"`     // contact address written into the message
	Connector Connector    `json:"connector"`
	Endpoint  string       `json:"endpoint,omitempty"` // URL, mail address or folder
	Secret    string       `json:"-"`                  // HMAC key of the HTTP connector
	Format    Format       `json:"format"`
	Waived    bool         `json:"waived"`    // waived regular transmission (§ 3 Abs. 1 GewAnzV)
	Requested bool         `json:"requested"` // asked for transmission where the law makes it optional
	Active    bool         `json:"active"`
	Note      string       `json:"note,omitempty"`
	Areas     []string     `json:"areas"`
	UpdatedAt time.Time    `json:"-"`
}

// Validate checks a recipient before it is stored; field errors are keyed by form field name.
func (r *Recipient) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(f, code, msg string) {
		errs = append(errs, apperr.FieldError{Pointer: f, Code: code, Message: msg})
	}
	r.Name = strings.TrimSpace(r.Name)
	r.Endpoint = strings.TrimSpace(r.Endpoint)
	if r.ID == "" || len(r.ID) > 80 || strings.Trim(r.ID, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		add("id", "pattern", "Kennzeichen: Kleinbuchstaben, Ziffern und Bindestriche, höchstens 80 Zeichen.")
	}
	if !r.Kind.Valid() {
		add("kind", "enum", "Empfängerart: Unbekannte Art.")
	}
	if r.Name == "" || len(r.Name) > 200 {
		add("name", "required", "Bezeichnung: Bitte angeben (höchstens 200 Zeichen).")
	}
	if r.TenantAGS != "" && !tenant.ValidAGS(r.TenantAGS) {
		add("tenant_ags", "pattern", "Gemeinde (AGS): 8 Ziffern.")
	}
	if r.Format != FormatXML && r.Format != FormatJSON {
		add("format", "enum", "Format: xml oder json.")
	}
	switch r.Connector {
	case ConnectorInbox:
	case ConnectorHTTP:
		u, err := url.Parse(r.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("endpoint", "url", "Endpunkt: Eine Adresse, die mit https:// (oder http:// im internen Netz) beginnt.")
		}
		if len(r.Secret) < 16 {
			add("secret", "too_short", "Schlüssel: Der HMAC-Schlüssel für die Signatur muss mindestens 16 Zeichen haben.")
		}
	case ConnectorSMTP:
		if a, err := mail.ParseAddress(r.Endpoint); err != nil || a.Address != r.Endpoint {
			add("endpoint", "email", "Endpunkt: Eine gültige E-Mail-Adresse angeben.")
		}
	case ConnectorFolder:
		if !filepath.IsAbs(r.Endpoint) {
			add("endpoint", "path", "Endpunkt: Den absoluten Pfad des Übergabeordners angeben.")
		}
	default:
		add("connector", "enum", "Verbindung: inbox, http, smtp oder folder.")
	}
	if len(r.Areas) == 0 {
		add("areas", "required", "Zuständigkeit: Mindestens ein Gebiet angeben (*, kreis:NAME oder ags:AGS).")
	}
	for _, a := range r.Areas {
		if a != AreaAll && !strings.HasPrefix(a, "kreis:") && !(strings.HasPrefix(a, "ags:") && tenant.ValidAGS(strings.TrimPrefix(a, "ags:"))) {
			add("areas", "pattern", "Zuständigkeit: „"+a+"“ ist kein Gebiet (*, kreis:NAME oder ags:AGS).")
		}
	}
	if len(r.Note) > 2000 || len(r.Kennung) > 100 || len(r.Email) > 254 || len(r.Endpoint) > 1000 {
		add("note", "too_long", "Eine Angabe ist zu lang.")
	}
	return errs
}

// specificity ranks an area for a municipality: 3 = exactly this municipality, 2 = its
// district, 1 = the whole state, 0 = not responsible.
func specificity(area, ags, kreis string) int {
	switch {
	case area == AreaAGS(ags):
		return 3
	case kreis != "" && area == AreaKreis(kreis):
		return 2
	case area == AreaAll:
		return 1
	}
	return 0
}

// Pick returns, for one recipient kind, the active recipient responsible for the municipality:
// the one whose area is most specific (municipality before district before state); among
// equally specific ones the recipient owned by the municipality, then the smallest id, so the
// choice is deterministic.
func Pick(all []Recipient, kind routing.Kind, ags, kreis string) (Recipient, bool) {
	var best Recipient
	bestScore := 0
	for _, r := range all {
		if r.Kind != kind || !r.Active {
			continue
		}
		score := 0
		for _, a := range r.Areas {
			score = max(score, specificity(a, ags, kreis))
		}
		if score == 0 {
			continue
		}
		score *= 2
		if r.TenantAGS == ags {
			score++
		}
		if score > bestScore || (score == bestScore && r.ID < best.ID) {
			best, bestScore = r, score
		}
	}
	return best, bestScore > 0
}

// Resolve picks one recipient per kind for the municipality. Kinds without a responsible
// recipient are missing from the map.
func Resolve(all []Recipient, ags, kreis string) map[routing.Kind]Recipient {
	out := map[routing.Kind]Recipient{}
	for _, k := range routing.Kinds() {
		if r, ok := Pick(all, k, ags, kreis); ok {
			out[k] = r
		}
	}
	return out
}

// Sort orders recipients by kind (in the rule repository's order), then name.
func Sort(rs []Recipient) {
	pos := map[routing.Kind]int{}
	for i, k := range routing.Kinds() {
		pos[k] = i
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Kind != rs[j].Kind {
			return pos[rs[i].Kind] < pos[rs[j].Kind]
		}
		return rs[i].Name < rs[j].Name
	})
}
