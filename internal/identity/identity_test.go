package identity

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPassword(t *testing.T) {
	h := HashPassword("richtig-langes-Passwort")
	if !CheckPassword(h, "richtig-langes-Passwort") {
		t.Fatal("right password refused")
	}
	if CheckPassword(h, "falsch") || CheckPassword("garbage", "x") || CheckPasswordOrDummy("", "x") {
		t.Fatal("wrong password accepted")
	}
}

func TestRegistrationValidate(t *testing.T) {
	ok := Registration{Name: "Erika Mustermann", Email: " Erika@Example.org ", Password: "sehr-geheim-1", PasswordConfirm: "sehr-geheim-1", Privacy: true}
	if errs := ok.Validate(); len(errs) != 0 || ok.Email != "erika@example.org" {
		t.Fatalf("valid registration refused: %v", errs)
	}
	cases := map[string]Registration{
		"name":             {Email: "a@b.de", Password: "0123456789", PasswordConfirm: "0123456789", Privacy: true},
		"email":            {Name: "A", Email: "kein-at", Password: "0123456789", PasswordConfirm: "0123456789", Privacy: true},
		"password":         {Name: "A", Email: "a@b.de", Password: "kurz", PasswordConfirm: "kurz", Privacy: true},
		"password_confirm": {Name: "A", Email: "a@b.de", Password: "0123456789", PasswordConfirm: "0123456788", Privacy: true},
		"privacy":          {Name: "A", Email: "a@b.de", Password: "0123456789", PasswordConfirm: "0123456789"},
	}
	for field, r := range cases {
		errs := r.Validate()
		if len(errs) != 1 || errs[0].Pointer != field {
			t.Errorf("%s: got %v", field, errs)
		}
	}
}

func TestScopes(t *testing.T) {
	s, err := ParseScopes("submit, read,submit")
	if err != nil || len(s) != 2 {
		t.Fatalf("%v %v", s, err)
	}
	if _, err := ParseScopes("submit,root"); err == nil {
		t.Fatal("unknown scope accepted")
	}
	if _, err := ParseScopes(""); err == nil {
		t.Fatal("empty scopes accepted")
	}
}

func TestNewSortableID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		id := NewSortableID()
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("id %q is not 32 hex digits", id)
		}
		// Strictly increasing, also within one millisecond.
		if id <= prev {
			t.Fatalf("id %s after %s", id, prev)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id], prev = true, id
	}
	// A random part about to run over carries into the millisecond.
	sortable.mu.Lock()
	sortable.ms = uint64(time.Now().Add(time.Hour).UnixMilli())
	for i := range sortable.rnd {
		sortable.rnd[i] = 0xff
	}
	last := sortable.ms
	sortable.mu.Unlock()
	id := NewSortableID()
	if want := fmt.Sprintf("%012x", last+1); id[:12] != want || id <= prev {
		t.Fatalf("after a full random part: %s, want the millisecond %s", id, want)
	}
}
