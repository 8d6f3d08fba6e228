package routing

import (
	"testing"
)

// FuzzLoadFrom: rule versions are data an administrator may upload; a broken one must be
// refused with an error, never crash the loader or the expression compiler.
func FuzzLoadFrom(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":"x","rules":[{"id":"a","kind":"ihk","arten":["anmeldung"],"when":"true"}]}`))
	f.Add([]byte(`{"version":"x","rules":[{"id":"a","kind":"ihk","arten":["anmeldung"],"when":"1 +"}]}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := LoadFrom(b)
		if err == nil && r == nil {
			t.Fatal("nil repository without error")
		}
	})
}
