// Package tenant holds the municipalities (tenants), their offices and delegations
// (a municipality having a service performed by another, e.g. in a Verwaltungsgemeinschaft).
package tenant

import (
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// Tenant is a municipality, keyed by its AGS.
type Tenant struct {
	AGS       string   `json:"ags"`
	Name      string   `json:"name"`
	Kreis     string   `json:"kreis"`
	PLZ       []string `json:"plz"`
	Einwohner int      `json:"einwohner"`
	Settings  Settings `json:"-"`
}

// Settings are the per-municipality settings an admin may change.
type Settings struct {
	Email            string `json:"email,omitempty"`
	Website          string `json:"website,omitempty"`
	GebuehrAnmeldung int    `json:"gebuehrAnmeldung,omitempty"` // cents
	GebuehrUmmeldung int    `json:"gebuehrUmmeldung,omitempty"`
	GebuehrAbmeldung int    `json:"gebuehrAbmeldung,omitempty"`
}

// OfficeKind is the kind of an office; each tenant has at most one office per kind.
type OfficeKind string

// Office kinds seeded for every tenant or known to the platform.
const (
	OfficeGewerbeamt   OfficeKind = "gewerbeamt"
	OfficeOrdnungsamt  OfficeKind = "ordnungsamt"
	OfficeKasse        OfficeKind = "kasse"
	OfficeBauamt       OfficeKind = "bauamt"
	OfficeSteueramt    OfficeKind = "steueramt"
	OfficeLebensmittel OfficeKind = "lebensmittelueberwachung"
)

// OfficeKinds lists the known office kinds with their German names.
var OfficeKinds = []struct {
	Kind OfficeKind
	Name string
}{
	{OfficeGewerbeamt, "Gewerbeamt"},
	{OfficeOrdnungsamt, "Ordnungsamt"},
	{OfficeKasse, "Stadtkasse / Gemeindekasse"},
	{OfficeBauamt, "Bauamt"},
	{OfficeSteueramt, "Steueramt"},
	{OfficeLebensmittel, "Lebensmittelüberwachung"},
}

// KnownOfficeKind reports whether k is a known office kind.
func KnownOfficeKind(k string) bool {
	for _, o := range OfficeKinds {
		if string(o.Kind) == k {
			return true
		}
	}
	return false
}

// Office is an office of a tenant with its contact data.
type Office struct {
	ID              string     `json:"id"`
	TenantAGS       string     `json:"ags"`
	Kind            OfficeKind `json:"kind"`
	Name            string     `json:"name"`
	Strasse         string     `json:"strasse"`
	PLZ             string     `json:"plz"`
	Ort             string     `json:"ort"`
	Email           string     `json:"email"`
	Telefon         string     `json:"telefon"`
	Oeffnungszeiten string     `json:"oeffnungszeiten"`
	UpdatedAt       time.Time  `json:"-"`
}

// Validate checks an office edited by an admin; field errors are keyed by form field name.
func (o *Office) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(f, code, msg string) {
		errs = append(errs, apperr.FieldError{Pointer: f, Code: code, Message: msg})
	}
	o.Name = strings.TrimSpace(o.Name)
	o.Strasse = strings.TrimSpace(o.Strasse)
	o.PLZ = strings.TrimSpace(o.PLZ)
	o.Ort = strings.TrimSpace(o.Ort)
	o.Email = strings.TrimSpace(o.Email)
	o.Telefon = strings.TrimSpace(o.Telefon)
	o.Oeffnungszeiten = strings.TrimSpace(o.Oeffnungszeiten)
	if o.Name == "" {
		add("name", "required", "Bezeichnung: Bitte angeben.")
	} else if len(o.Name) > 200 {
		add("name", "too_long", "Bezeichnung: Höchstens 200 Zeichen.")
	}
	if o.PLZ != "" && (len(o.PLZ) != 5 || strings.Trim(o.PLZ, "0123456789") != "") {
		add("plz", "pattern", "Postleitzahl: Fünf Ziffern, z. B. 04109.")
	}
	if o.Email != "" && (!strings.Contains(o.Email, "@") || len(o.Email) > 254 || strings.ContainsAny(o.Email, " <>")) {
		add("email", "email", "E-Mail-Adresse: Bitte eine gültige Adresse angeben.")
	}
	if len(o.Strasse) > 200 || len(o.Ort) > 100 || len(o.Telefon) > 50 || len(o.Oeffnungszeiten) > 2000 {
		add("oeffnungszeiten", "too_long", "Eine Angabe ist zu lang.")
	}
	return errs
}

// ValidAGS reports whether s is an 8-digit AGS.
func ValidAGS(s string) bool { return len(s) == 8 && strings.Trim(s, "0123456789") == "" }

// ShortName drops the ", Stadt" suffix the official list carries ("Leipzig, Stadt" → "Leipzig").
func ShortName(name string) string {
	if i := strings.Index(name, ","); i > 0 {
		return name[:i]
	}
	return name
}
