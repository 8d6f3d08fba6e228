package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
)

// Service keys of the three Gewerbeanzeigen.
var leistungOf = map[string]string{
	"anmeldung": "99050012104000",
	"ummeldung": "99050012105000",
	"abmeldung": "99050012106000",
}

var (
	familiennamen = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Krüger", "Nguyen", "Yılmaz", "Kowalski", "Novák", "Lehmann", "Köhler", "Wolf", "Schäfer", "Zimmermann", "Richter", "Klein"}
	vornamen = []string{"Anna", "Lukas", "Sophie", "Jonas", "Marie", "Paul", "Thi Lan", "Mehmet", "Katrin", "Piotr", "Jana", "Felix",
		"Ute", "Erik", "Lea", "Hans-Jürgen", "Zofia", "Ole", "Emilia", "Tomáš"}
	geburtsorte = []string{"Dresden", "Leipzig", "Chemnitz", "Pirna", "Görlitz", "Zwickau", "Bautzen", "Meißen", "Freiberg", "Plauen"}
	// WZ 2008 subclasses an Anmeldung may name; variants whose code the shipped list does not
	// know are dropped by the pre-check, so the list may be generous.
	wzCodes = []string{"62.02.0", "96.02.2", "43.21.0", "56.10.1", "47.11.0", "45.20.0", "74.10.0", "62.01.0", "69.20.1", "47.71.0",
		"56.30.0", "43.22.0", "73.11.0", "85.59.2", "96.02.1", "47.59.9"}
	strassen = []string{"Prager Straße", "Hauptstraße", "Königsbrücker Straße", "Bautzner Straße", "Leipziger Straße", "Wiener Straße",
		"Grunaer Straße", "Borsbergstraße", "Schandauer Straße", "Kesselsdorfer Straße"}
)

// variants returns up to n varied Gewerbeanzeigen derived from the shipped samples: 1–3
// persons, different names, birth data, addresses, WZ codes, legal forms, all three kinds.
// Only variants that check clean with check are returned, so every request of the benchmark
// is a valid notice; an error says so when too few survive (a broken generator must not
// turn the benchmark into a measurement of 422s).
func variants(n int, today time.Time, seed uint64, check func(raw []byte) error) ([]request, error) {
	r := rand.New(rand.NewPCG(seed, 42))
	names := gewerbe.SampleNames()
	var out []request
	var firstErr error
	rejected := 0
	for i := 0; len(out) < n && i < 4*n; i++ {
		name := names[i%len(names)]
		var m map[string]any
		if err := json.Unmarshal(gewerbe.Sample(name, today), &m); err != nil {
			return nil, err
		}
		vary(m, r)
		data, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if err := check(data); err != nil {
			rejected++
			if firstErr == nil {
				firstErr = fmt.Errorf("variant of %s: %w", name, err)
			}
			continue
		}
		art, _ := m["art"].(string)
		body, _ := json.Marshal(map[string]any{"leistung": leistungOf[art], "ags": gewerbe.SampleFiledWith, "data": json.RawMessage(data)})
		out = append(out, request{kind: art, body: body})
	}
	if len(out) < n/2 {
		return nil, fmt.Errorf("only %d of %d generated notices are valid; first problem: %v", len(out), len(out)+rejected, firstErr)
	}
	return out, nil
}

// request is one prepared submission body.
type request struct {
	kind string // anmeldung, ummeldung, abmeldung
	body []byte
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func vary(m map[string]any, r *rand.Rand) {
	betrieb, _ := m["betrieb"].(map[string]any)
	if betrieb != nil {
		if _, ok := betrieb["gewerbebetriebID"]; ok {
			betrieb["gewerbebetriebID"] = uuid.NewString()
		}
		if st, ok := betrieb["betriebsstaette"].(map[string]any); ok {
			st["strasse"] = pick(r, strassen)
			st["hausnummer"] = fmt.Sprint(1 + r.IntN(120))
		}
		// Legal forms: a GmbH becomes a UG or an AG now and then, with the matching name.
		if rf, _ := betrieb["rechtsform"].(string); rf == "gmbh" {
			base := strings.TrimSuffix(fmt.Sprint(betrieb["name"]), " GmbH")
			switch r.IntN(3) {
			case 1:
				betrieb["rechtsform"], betrieb["name"] = "ug", base+" UG (haftungsbeschränkt)"
			case 2:
				betrieb["rechtsform"], betrieb["name"] = "ag", base+" AG"
			}
		}
		if g, ok := betrieb["geschaeftsbezeichnung"].(string); ok {
			betrieb["geschaeftsbezeichnung"] = g + " " + pick(r, familiennamen)
		}
	}
	if t, ok := m["taetigkeit"].(map[string]any); ok && m["art"] == "anmeldung" {
		t["wz2008"] = pick(r, wzCodes)
	}
	ps, _ := m["personen"].([]any)
	if len(ps) == 0 {
		return
	}
	// Legal persons and partnerships take 1–3 persons; a sole trader has one.
	rf, _ := betrieb["rechtsform"].(string)
	if rf != "einzelunternehmen" && rf != "ek" {
		want := 1 + r.IntN(3)
		if rf == "gbr" || rf == "ohg" || rf == "kg" {
			want = max(want, 2) // a partnership has at least two partners
		}
		for len(ps) < want {
			ps = append(ps, clone(ps[len(ps)-1]))
		}
		ps = ps[:want]
		m["personen"] = ps
	}
	for _, p := range ps {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		pm["familienname"] = pick(r, familiennamen)
		pm["vornamen"] = pick(r, vornamen)
		if _, ok := pm["geburtsort"]; ok {
			pm["geburtsort"] = pick(r, geburtsorte)
		}
		if _, ok := pm["geburtsdatum"]; ok {
			pm["geburtsdatum"] = fmt.Sprintf("%d-%02d-%02d", 1950+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28))
		}
	}
}

func clone(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
