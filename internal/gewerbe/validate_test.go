package gewerbe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/rathaus-egov/rathaus/internal/apperr"
	"strings"
	"testing"
	"time"
)

// TestCheckManyInvalidItems: a body of tens of thousands of invalid items or unknown fields
// gets a bounded answer — the array's excess reported once, at most MaxErrors errors, the last
// saying there were more — and the time it takes grows with its size, not its square
// (BenchmarkCheckManyInvalidItems prints it).
func TestCheckManyInvalidItems(t *testing.T) {
	env := Env{Today: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	a, errs, _ := Check(manyItems(20000), env)
	if len(errs) > MaxErrors || !hasError(errs, "/personen", CodeTooManyItems) || a == nil || len(a.Personen) > maxPersonen {
		t.Fatalf("%d errors: %+v", len(errs), errs[:min(len(errs), 5)])
	}
	var b strings.Builder
	b.WriteString(`{"art":"anmeldung"`)
	for i := range 5000 {
		fmt.Fprintf(&b, `,"x%d":1`, i)
	}
	b.WriteString("}")
	_, errs, _ = Check([]byte(b.String()), env)
	if len(errs) != MaxErrors || errs[len(errs)-1].Code != CodeTooManyErrors || !strings.Contains(errs[len(errs)-1].Message, "mindestens") {
		t.Fatalf("%d errors, last %+v", len(errs), errs[len(errs)-1])
	}
}

func hasError(errs []apperr.FieldError, ptr, code string) bool {
	for _, e := range errs {
		if e.Pointer == ptr && e.Code == code {
			return true
		}
	}
	return false
}

func manyItems(n int) []byte {
	return []byte(`{"art":"anmeldung","personen":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `]}`)
}

func BenchmarkCheckManyInvalidItems(b *testing.B) {
	for _, n := range []int{10000, 40000} {
		body := manyItems(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				Check(body, Env{Today: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)})
			}
		})
	}
}

// TestImplausibleDates: a birth date or a Stichtag before 1900 is valid by the schema but
// gets a warning, and 0001-01-01 (Go's zero time) does not switch R1 and R2 off.
func TestImplausibleDates(t *testing.T) {
	env := Env{Today: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	var a Anzeige
	if err := json.Unmarshal(Sample("anmeldung-einzelunternehmen", env.Today), &a); err != nil {
		t.Fatal(err)
	}
	a.Anmeldung.Beginn = "0001-01-01"
	errs, warns := Validate(&a, env)
	if !hasError(warns, "/anmeldung/beginn", CodeDateImplausible) || !hasError(warns, "/anmeldung/beginn", CodeLateNotice) || !hasError(errs, "/personen/0/geburtsdatum", CodeBirthAfterStart) {
		t.Fatalf("Beginn 0001-01-01: %+v %+v", errs, warns)
	}
	a.Anmeldung.Beginn = env.Today.Format(time.DateOnly)
	a.Personen[0].Geburtsdatum = "1850-01-01"
	errs, warns = Validate(&a, env)
	if !hasError(warns, "/personen/0/geburtsdatum", CodeDateImplausible) || len(errs) != 0 {
		t.Fatalf("born 1850: %+v %+v", errs, warns)
	}
}

// TestControlCharacters: the characters XML cannot carry to the recipients (control
// characters but tab and line breaks, U+FFFE, U+FFFF) are refused with the field named;
// everything else the schema allows passes.
func TestControlCharacters(t *testing.T) {
	env := Env{Today: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	if err := json.Compact(&buf, Sample("anmeldung-einzelunternehmen", env.Today)); err != nil {
		t.Fatal(err)
	}
	sample := buf.String()
	var a Anzeige
	if err := json.Unmarshal([]byte(sample), &a); err != nil {
		t.Fatal(err)
	}
	name := a.Personen[0].Familienname
	for _, bad := range []string{`\u0000`, `\u001b`, `\u000b`, `\ufffe`, `\uffff`} {
		raw := strings.Replace(sample, `"familienname":"`+name+`"`, `"familienname":"`+name+bad+`"`, 1)
		if raw == sample {
			t.Fatal("sample has no familienname to change")
		}
		_, errs, _ := Check([]byte(raw), env)
		if !hasError(errs, "/personen/0/familienname", CodeInvalidCharacter) {
			t.Errorf("%s accepted: %+v", bad, errs)
		}
	}
	for _, good := range []string{`\u007f`, `\u0085`, `\u202e`, `\u2066`, `\u200f`, `\ufffd`} {
		raw := strings.Replace(sample, `"familienname":"`+name+`"`, `"familienname":"`+name+good+`"`, 1)
		if _, errs, _ := Check([]byte(raw), env); len(errs) != 0 {
			t.Errorf("%s refused: %+v", good, errs)
		}
	}
	raw := strings.Replace(sample, `"beschreibung":"`, `"beschreibung":"Zeile eins\nZeile\tzwei `, 1)
	if _, errs, _ := Check([]byte(raw), env); len(errs) != 0 {
		t.Errorf("line break and tab refused: %+v", errs)
	}
}

// TestIssuedInTheFuture: a permit, craft card or residence title dated after today is valid
// by the schema but warned about.
func TestIssuedInTheFuture(t *testing.T) {
	env := Env{Today: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	var a Anzeige
	if err := json.Unmarshal(Sample("anmeldung-einzelunternehmen", env.Today), &a); err != nil {
		t.Fatal(err)
	}
	a.Erlaubnis = &Erlaubnis{Art: "Erlaubnis nach § 34c GewO", Datum: "2999-01-01"}
	errs, warns := Validate(&a, env)
	if len(errs) != 0 || !hasError(warns, "/erlaubnis/datum", CodeIssuedInFuture) {
		t.Fatalf("%+v %+v", errs, warns)
	}
}
