// Package submission turns what a citizen or an online service files into a validated,
// canonical submission ready to be stored in one transaction: the procedure's validator
// decides (the Gewerbe rules or the form engine), the data is stored in canonical JSON with
// its SHA-256 digest, and every field error carries a JSON pointer into the request.
package submission

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/clock"
	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

// Status of a submission as the citizen sees it before case work starts.
const StatusEingegangen = "eingegangen"

// Document names.
const (
	DocForm    = "antrag.pdf"                // the filled official form (GewA 1/2/3) or the application
	DocReceipt = "empfangsbescheinigung.pdf" // § 15 GewO receipt / Eingangsbestätigung
)

// Submission is a stored submission.
type Submission struct {
	ID               string              `json:"id"`
	TenantAGS        string              `json:"ags"`
	OfficeAGS        string              `json:"-"`
	OfficeID         string              `json:"-"`
	Leistung         string              `json:"leistung"`
	FormID           string              `json:"form"`
	FormVersion      int                 `json:"formVersion"`
	Art              string              `json:"art,omitempty"`
	Reference        string              `json:"reference"`
	Status           string              `json:"status"`
	Data             json.RawMessage     `json:"data"`
	Digest           string              `json:"digest"`
	Warnings         []apperr.FieldError `json:"warnings"`
	DisplayName      string              `json:"-"`
	UserID           string              `json:"-"`
	TokenID          string              `json:"-"`
	OrganisationID   string              `json:"-"`
	GewerbebetriebID string              `json:"gewerbebetriebID,omitempty"`
	Office           OfficeSnapshot      `json:"-"`
	CreatedAt        time.Time           `json:"createdAt"`
	// SearchText is what staff may search the case by, folded (SearchFold): the display
	// name, the business's names and every person's name. Set by Prepare; not stored.
	SearchText string `json:"-"`
	// anzeige is the Gewerbeanzeige Prepare decoded and checked, which Data encodes; the
	// submit hooks read it through Anzeige without decoding Data again.
	anzeige *gewerbe.Anzeige
}

// SearchFold folds text for the case search: lower case, umlauts written out, ß as ss,
// accents removed, punctuation a space — "Süße Ähre" and "suesse aehre" meet.
func SearchFold(s string) string { return catalog.Normalize(s) }

// OfficeSnapshot is the responsible office as it was when the submission arrived; documents
// are rendered from it, so a later change of the office's address never changes a document.
type OfficeSnapshot struct {
	Name    string `json:"name"`
	Strasse string `json:"strasse"`
	PLZ     string `json:"plz"`
	Ort     string `json:"ort"`
	Email   string `json:"email"`
	Telefon string `json:"telefon"`
}

// Anzeige decodes the stored data of a Gewerbe submission; for a submission Prepare made, it
// returns the Anzeige decoded there. The result may be shared: callers must not modify it.
func (s *Submission) Anzeige() (*gewerbe.Anzeige, error) {
	if s.anzeige != nil {
		return s.anzeige, nil
	}
	var a gewerbe.Anzeige
	if err := json.Unmarshal(s.Data, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Input is what a caller files.
type Input struct {
	Leistung       string
	AGS            string
	Data           json.RawMessage
	UserID         string // the account filing, or
	TokenID        string // the API token filing
	OrganisationID string // a business account the user files for
	IdempotencyKey string
	// FormVersion pins the version of the form the data was filled with (portal drafts); 0
	// means the newest version.
	FormVersion int
	// DataPointer is the JSON pointer prefix of Data in the request ("/data" for the API, ""
	// for the portal), so field errors point into what the caller sent.
	DataPointer string
}

// Principal returns who files: "token:<id>" or "user:<id>".
func (in *Input) Principal() string {
	if in.TokenID != "" {
		return "token:" + in.TokenID
	}
	return "user:" + in.UserID
}

// Office is the office that will handle the submission (after delegation).
type Office struct {
	ID        string
	TenantAGS string
	Snapshot  OfficeSnapshot
}

// Prepared is a validated submission waiting for its reference number and commit.
type Prepared struct {
	Submission  Submission
	Principal   string
	IdemKey     string
	RequestHash string
	RefPrefix   string
	Year        int
	Leistung    *catalog.Leistung
	Anzeige     *gewerbe.Anzeige // Gewerbe procedures only
}

// Service validates and prepares submissions.
type Service struct {
	Catalog   *catalog.Catalog
	Forms     *form.Registry
	Gemeinden gewerbe.GemeindeLookup
	WZ        gewerbe.WZLookup
	Now       func() time.Time
	NewID     func() string
	// KnownBusiness finds the gewerbebetriebID of the business an Ummeldung or Abmeldung
	// without one is about, in the register of the municipality ags ("" when there is no
	// unambiguous match). nil: a notice without an id always gets a new one.
	KnownBusiness func(ctx context.Context, ags string, a *gewerbe.Anzeige) string
}

// Resolve checks the service key and the municipality and returns the catalog entry. Errors
// carry pointers /leistung and /ags.
func (s *Service) Resolve(leistung, ags string) (*catalog.Leistung, error) {
	l, ok := s.Catalog.Get(leistung)
	if !ok {
		return nil, apperr.Invalid(apperr.FieldError{Pointer: "/leistung", Code: "leistung_unknown", Message: "Leistung: Unbekannter Leistungsschlüssel. Die Schlüssel nennt GET /api/v1/services."})
	}
	if l.Kind != catalog.KindOnline {
		return nil, apperr.Invalid(apperr.FieldError{Pointer: "/leistung", Code: "leistung_not_online", Message: "Leistung: Diese Leistung kann nicht online über diese Plattform beantragt werden."})
	}
	if s.Gemeinden != nil && !s.Gemeinden.Served(ags) {
		return nil, apperr.Invalid(apperr.FieldError{Pointer: "/ags", Code: "ags_not_served", Message: "Gemeinde (AGS): Diese Gemeinde wird von der Plattform nicht betreut; der Gemeindeschlüssel hat 8 Ziffern, z. B. 14713000."})
	}
	return l, nil
}

// Prepare validates the input for the office and returns the prepared submission, or an
// apperr.KindInvalid error with every field error. Warnings are kept with the submission.
func (s *Service) Prepare(ctx context.Context, in Input, off Office) (*Prepared, error) {
	l, err := s.Resolve(in.Leistung, in.AGS)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	p := &Prepared{Principal: in.Principal(), IdemKey: in.IdempotencyKey, RefPrefix: l.ReferencePrefix, Year: now.In(clock.Berlin).Year(), Leistung: l}
	if in.IdempotencyKey != "" {
		// Only a request with a key is compared with an earlier one (canonicalising the data
		// costs a decode and an encode of it).
		p.RequestHash = RequestHash(in)
	}
	sub := &p.Submission
	sub.ID = s.NewID()
	sub.TenantAGS, sub.OfficeAGS, sub.OfficeID, sub.Office = in.AGS, off.TenantAGS, off.ID, off.Snapshot
	sub.Leistung, sub.FormID, sub.Status = l.Key, l.Form, StatusEingegangen
	sub.UserID, sub.TokenID, sub.OrganisationID = in.UserID, in.TokenID, in.OrganisationID
	sub.CreatedAt = now
	def, ok := s.Forms.Get(l.Form)
	if in.FormVersion > 0 {
		def, ok = s.Forms.GetVersion(l.Form, in.FormVersion)
	}
	if ok {
		sub.FormVersion = def.Version
	}
	if len(bytes.TrimSpace(in.Data)) == 0 {
		return nil, apperr.Invalid(apperr.FieldError{Pointer: in.DataPointer, Code: "required", Message: "Daten: Die Angaben fehlen."})
	}
	switch l.Procedure {
	case "gewerbe":
		a, errs, warns := gewerbe.Check(in.Data, gewerbe.Env{Today: now, FiledWith: in.AGS, Gemeinden: s.Gemeinden, WZ: s.WZ})
		if len(errs) == 0 && a != nil && string(a.Art) != l.Art {
			errs = append(errs, apperr.FieldError{Pointer: "/art", Code: "art_mismatch",
				Message: fmt.Sprintf("Art der Anzeige: Die Leistung %s erwartet eine %s, die Daten sind eine %s.", l.Name.De, artName(l.Art), artName(string(a.Art)))})
		}
		if len(errs) > 0 {
			return nil, apperr.Invalid(prefix(errs, in.DataPointer)...)
		}
		if a.Betrieb.GewerbebetriebID == "" && a.Art != gewerbe.ArtAnmeldung && s.KnownBusiness != nil {
			// An Ummeldung or Abmeldung is about a business the register may know: it keeps
			// its id (recipients match the notices of one business by it).
			a.Betrieb.GewerbebetriebID = s.KnownBusiness(ctx, in.AGS, a)
		}
		if a.Betrieb.GewerbebetriebID == "" {
			// A new business gets its stable id here; notices about a known business carry it.
			// A time-ordered UUID (version 7): the register and the submissions index on it
			// grow at their end instead of at a random page per notice.
			a.Betrieb.GewerbebetriebID = uuid.Must(uuid.NewV7()).String()
		}
		canon, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		sub.Art, sub.Data, sub.Warnings = string(a.Art), canon, prefix(warns, in.DataPointer)
		sub.DisplayName, sub.GewerbebetriebID = a.DisplayName(), a.Betrieb.GewerbebetriebID
		names := []string{sub.DisplayName, a.Betrieb.Name, a.Betrieb.Geschaeftsbezeichnung}
		for _, p := range a.Personen {
			names = append(names, p.Vornamen+" "+p.Familienname, p.Geburtsname)
		}
		sub.SearchText = SearchFold(strings.Join(names, " "))
		p.Anzeige, sub.anzeige = a, a
	default:
		if !ok {
			return nil, fmt.Errorf("catalog names form %q version %d, which is not loaded", l.Form, in.FormVersion)
		}
		canon, errs, err := ValidateFormPayload(def, in.Data, now)
		if err != nil {
			return nil, err
		}
		if len(errs) > 0 {
			return nil, apperr.Invalid(prefix(errs, in.DataPointer)...)
		}
		sub.Data = canon
		sub.DisplayName = l.Name.De
	}
	if sub.Warnings == nil {
		sub.Warnings = []apperr.FieldError{}
	}
	sub.Digest = Digest(sub.Data)
	return p, nil
}

func artName(a string) string {
	switch a {
	case "anmeldung":
		return "Anmeldung"
	case "ummeldung":
		return "Ummeldung"
	case "abmeldung":
		return "Abmeldung"
	}
	return a
}

func prefix(errs []apperr.FieldError, p string) []apperr.FieldError {
	out := make([]apperr.FieldError, len(errs))
	for i, e := range errs {
		e.Pointer = p + e.Pointer
		out[i] = e
	}
	return out
}

// Digest returns the hex SHA-256 of the canonical data: what the Empfangsbescheinigung prints
// so the holder can later prove what was filed.
func Digest(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// RequestHash identifies the content of a request for idempotency checks. The data count in
// a canonical form — members sorted, whitespace and string escapes normalised, numbers as
// written — so that a retry of the same content is recognised even when its client
// serialises it differently ("ö" or "\u00f6", another member order).
func RequestHash(in Input) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%s", in.Leistung, in.AGS, in.OrganisationID, canonicalJSON(in.Data))
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes JSON with sorted members and normalised escapes; input that is not
// JSON is returned compacted if possible, else as it is.
func canonicalJSON(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if b, err := json.Marshal(v); err == nil {
			return b
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return raw
	}
	return compact.Bytes()
}

// FormatReference renders a reference number: PREFIX-AGS-YEAR-NNNNNN.
func FormatReference(prefix, ags string, year int, n int64) string {
	return fmt.Sprintf("%s-%s-%d-%06d", prefix, ags, year, n)
}

// ValidIdempotencyKey reports whether k is acceptable: 1–200 printable ASCII characters.
func ValidIdempotencyKey(k string) bool {
	if k == "" || len(k) > 200 {
		return false
	}
	return strings.IndexFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) < 0
}

// ValidateFormPayload checks a payload of a form-engine procedure (no procedure-specific Go
// code): the payload is shaped like a draft, so it is taken as one and validated with the
// definition's own rules; anything the definition does not know is an unknown field.
func ValidateFormPayload(def *form.Definition, payload []byte, now time.Time) ([]byte, []apperr.FieldError, error) {
	draft, err := form.DecodeDraft(payload)
	if err != nil {
		return nil, []apperr.FieldError{{Pointer: "", Code: "malformed", Message: "Daten: Die Angaben sind kein JSON-Objekt."}}, nil
	}
	var out []apperr.FieldError
	errs := def.Validate(draft, form.Env{Today: now})
	for _, e := range errs {
		if !e.Warning {
			out = append(out, apperr.FieldError{Pointer: PathToPointer(e.Path), Code: e.Code, Message: e.Message.In("de")})
		}
	}
	var in map[string]any
	_ = json.Unmarshal(payload, &in)
	known := def.Data(draft)
	out = append(out, unknownFields(in, known, "")...)
	if len(out) > 0 {
		return nil, out, nil
	}
	canon, err := def.Payload(draft)
	return canon, nil, err
}

// unknownFields reports every key of in that the definition did not carry into known.
func unknownFields(in, known any, ptr string) []apperr.FieldError {
	var out []apperr.FieldError
	switch x := in.(type) {
	case map[string]any:
		k, _ := known.(map[string]any)
		for key, v := range x {
			p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
			kv, ok := k[key]
			if !ok {
				if isEmpty(v) {
					continue
				}
				out = append(out, apperr.FieldError{Pointer: p, Code: "unknown_field", Message: fmt.Sprintf("Unbekanntes Feld „%s“.", key)})
				continue
			}
			out = append(out, unknownFields(v, kv, p)...)
		}
	case []any:
		k, _ := known.([]any)
		for i, v := range x {
			if i < len(k) {
				out = append(out, unknownFields(v, k[i], fmt.Sprintf("%s/%d", ptr, i))...)
			}
		}
	}
	return out
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// PathToPointer turns a form path ("personen[0].geburtsdatum") into a JSON pointer
// ("/personen/0/geburtsdatum").
func PathToPointer(path string) string {
	if path == "" {
		return ""
	}
	r := strings.NewReplacer("[", "/", "]", "", ".", "/")
	return "/" + r.Replace(path)
}
