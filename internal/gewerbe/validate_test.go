package gewerbe

import (
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
