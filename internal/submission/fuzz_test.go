package submission_test

import (
	"context"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// FuzzPrepare feeds arbitrary data to both kinds of procedure (Gewerbe rules and a form-only
// procedure): every input is either accepted with a digest or refused with field errors.
func FuzzPrepare(f *testing.F) {
	s := service(f)
	f.Add("99050012104000", string(gewerbe.Sample("anmeldung-gmbh", now)))
	f.Add("99024005000000", hundPayload())
	f.Add("99024005000000", `{"hund":{"geburtsjahr":"x"},"anschrift":[1]}`)
	f.Add("99050012106000", `{"art":"abmeldung","personen":[{}]}`)
	f.Fuzz(func(t *testing.T, leistung, data string) {
		p, err := s.Prepare(context.Background(), submission.Input{Leistung: leistung, AGS: gewerbe.SampleFiledWith, Data: []byte(data), DataPointer: "/data"}, office)
		if err == nil && (p.Submission.Digest == "" || len(p.Submission.Data) == 0) {
			t.Fatal("accepted without data or digest")
		}
	})
}
