package recipient

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

//go:embed defaults.json
var defaultsJSON []byte

type defaultsFile struct {
	State []struct {
		ID     string       `json:"id"`
		Kind   routing.Kind `json:"kind"`
		Name   string       `json:"name"`
		Note   string       `json:"note"`
		Verify bool         `json:"verify"`
	} `json:"state"`
	PerKreis []struct {
		Kind   routing.Kind `json:"kind"`
		Prefix string       `json:"prefix"`
		Name   string       `json:"name"`
		Verify bool         `json:"verify"`
	} `json:"perKreis"`
	Finanzaemter struct {
		Verify  bool              `json:"verify"`
		Note    string            `json:"note"`
		ByKreis map[string]string `json:"byKreis"`
	} `json:"finanzaemter"`
}

// VerifyNote marks a default the operator must check.
const VerifyNote = "Standardwert – vor dem Produktivbetrieb prüfen. "

// Defaults returns the Saxon default directory: the three IHKs and three Handwerkskammern and
// the register courts by district (refdata), the state-wide authorities, one Finanzamt per
// district (a default to verify), and per district the food control, foreigners and permit
// authorities. Every recipient uses the pull inbox, the embedded demo's default connector,
// until an operator sets another one. The result is deterministic and sorted by id.
func Defaults() ([]Recipient, error) {
	var f defaultsFile
	if err := json.Unmarshal(defaultsJSON, &f); err != nil {
		return nil, fmt.Errorf("recipient defaults: %w", err)
	}
	kammern, err := refdata.KammernByKreis()
	if err != nil {
		return nil, fmt.Errorf("recipient defaults: %w", err)
	}
	kreise := make([]string, 0, len(kammern))
	for k := range kammern {
		kreise = append(kreise, k)
	}
	sort.Strings(kreise)

	byID := map[string]*Recipient{}
	add := func(id string, kind routing.Kind, name, note, area string) {
		if r := byID[id]; r != nil {
			r.Areas = append(r.Areas, area)
			return
		}
		byID[id] = &Recipient{ID: id, Kind: kind, Name: name, Kennung: id, Connector: ConnectorInbox, Format: FormatXML,
			Active: true, Note: note, Areas: []string{area}}
	}
	for _, s := range f.State {
		note := s.Note
		if s.Verify {
			note = VerifyNote + note
		}
		add(s.ID, s.Kind, s.Name, note, AreaAll)
	}
	for _, k := range kreise {
		km := kammern[k]
		add("ihk-"+chamberSlug(km.IHK, "IHK "), routing.KindIHK, km.IHK, "", AreaKreis(k))
		add("hwk-"+chamberSlug(km.HWK, "Handwerkskammer "), routing.KindHWK, km.HWK, "", AreaKreis(k))
		add("rg-"+Slug(km.Registergericht), routing.KindRegistergericht, km.Registergericht+" – Registergericht", VerifyNote+"Registergericht nach Landgerichtsbezirk", AreaKreis(k))
		for _, p := range f.PerKreis {
			note := ""
			if p.Verify {
				note = VerifyNote
			}
			add(p.Prefix+"-"+Slug(k), p.Kind, p.Name+" "+kreisLabel(k), note, AreaKreis(k))
		}
		fa, ok := f.Finanzaemter.ByKreis[k]
		if !ok {
			return nil, fmt.Errorf("recipient defaults: no Finanzamt for district %q", k)
		}
		note := f.Finanzaemter.Note
		if f.Finanzaemter.Verify {
			note = VerifyNote + note
		}
		add(Slug(fa), routing.KindFinanzamt, fa, note, AreaKreis(k))
	}
	out := make([]Recipient, 0, len(byID))
	for _, r := range byID {
		sort.Strings(r.Areas)
		if errs := r.Validate(); len(errs) > 0 {
			return nil, fmt.Errorf("recipient defaults: %s: %s", r.ID, errs[0].Message)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// chamberSlug is the city of a chamber: "IHK zu Leipzig" → "leipzig".
func chamberSlug(name, prefix string) string {
	return Slug(strings.TrimPrefix(strings.TrimPrefix(name, prefix), "zu "))
}

// kreisLabel turns "Dresden, Stadt" into "Stadt Dresden" and keeps "Landkreis Bautzen".
func kreisLabel(k string) string {
	if name, ok := strings.CutSuffix(k, ", Stadt"); ok {
		return "Stadt " + name
	}
	return k
}

// Slug turns a German name into a stable id: lower case, umlauts transcribed, words joined
// by hyphens ("Handwerkskammer zu Leipzig" → "handwerkskammer-zu-leipzig").
func Slug(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "ae", "Ö", "oe", "Ü", "ue")
	s = strings.ToLower(r.Replace(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
