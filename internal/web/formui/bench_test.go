package formui

import (
	"testing"

	"github.com/rathaus-egov/rathaus/internal/form"
)

// BenchmarkStep renders each step of a new Gewerbeanmeldung (the first is what /antrag/neu
// shows).
func BenchmarkStep(b *testing.B) {
	r, err := New()
	if err != nil {
		b.Fatal(err)
	}
	reg, _ := form.Default()
	d, _ := reg.Get("gewerbe-anmeldung")
	draft := d.NewDraft(env())
	var views []form.StepView
	for _, st := range d.Steps {
		if v, ok := d.View(st.ID, draft, nil, "de"); ok {
			views = append(views, v)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r.StepHTML(views[i%len(views)], csrf, "de") == "" {
			b.Fatal("empty step")
		}
	}
}
