package web

import (
	"testing"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// FuzzDecodeStrict: the envelope decoder of POST /api/v1/submissions sees any bytes a client
// sends; it answers with a 400 or a field error, never a panic or silent acceptance of junk.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"leistung":"99050012104000","ags":"14713000","data":{}}`, `{"x":1}`, `{"leistung":1}`, `{`, `[]`, `{} {}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var req submitRequest
		err := decodeStrict(b, &req)
		if err == nil {
			return
		}
		if _, ok := err.(*httpError); !ok && apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
