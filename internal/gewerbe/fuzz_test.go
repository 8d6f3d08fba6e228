package gewerbe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheck feeds arbitrary bytes to Check. It must never panic, must report malformed input
// as exactly one error without an Anzeige, must give every finding a pointer, code and German
// message, and an accepted notice must still be accepted after a JSON round trip.
func FuzzCheck(f *testing.F) {
	for _, raw := range Samples(today) {
		f.Add(raw)
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(expandDates(raw, berlinDate(today)))
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"art":1}`, `{"personen":[null,{},1]}`, `{"a":{"b":[[[[]]]]}}`,
		`{"betrieb":{"beschaeftigte":{"vollzeit":1e400}}}`, `{"art":"anmeldung","art":"ummeldung"}`,
		`{"taetigkeit":{"weitere":["", "ab", 3]}}`, "{\"x\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	e := env(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, errs, warns := Check(raw, e)
		if a == nil {
			if len(errs) != 1 || errs[0].Pointer != "" || (errs[0].Code != CodeMalformedJSON && errs[0].Code != CodeTooDeep) {
				t.Fatalf("nil Anzeige with errors %v", errs)
			}
			return
		}
		for _, fe := range append(errs, warns...) {
			if (fe.Pointer != "" && !strings.HasPrefix(fe.Pointer, "/")) || fe.Code == "" || !strings.Contains(fe.Message, ": ") {
				t.Fatalf("bad finding %+v", fe)
			}
		}
		if len(errs) > 0 {
			return
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs2, _ := Check(again, e); len(errs2) > 0 {
			t.Fatalf("accepted %s\nbut not its round trip %s:\n%v", raw, again, errs2)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	raw := Sample(sGmbH, today)
	e := env(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs, _ := Check(raw, e); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkUnmarshal is the baseline: plain encoding/json into the same type.
func BenchmarkUnmarshal(b *testing.B) {
	raw := Sample(sGmbH, today)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var a Anzeige
		if err := json.Unmarshal(raw, &a); err != nil {
			b.Fatal(err)
		}
	}
}
