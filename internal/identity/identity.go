// Package identity holds accounts (citizens, business members, staff, platform admins),
// sessions, API tokens, argon2id password hashing and the login rate limit policy.
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// Kind is the kind of account.
type Kind string

// Account kinds.
const (
	KindCitizen Kind = "citizen" // a citizen or a member of a business account
	KindStaff   Kind = "staff"   // municipal staff, roles per tenant and office
	KindAdmin   Kind = "admin"   // platform admin of the operator
)

// TrustLevel is the assurance level of the identity (eIDAS / TR-03107 levels).
type TrustLevel string

// Trust levels; a self-registered account with a verified e-mail is basis.
const (
	TrustBasis        TrustLevel = "basis"
	TrustSubstanziell TrustLevel = "substanziell"
	TrustHoch         TrustLevel = "hoch"
)

// User is an account.
type User struct {
	ID              string
	Email           string
	Name            string
	PasswordHash    string
	Kind            Kind
	TrustLevel      TrustLevel
	EmailVerifiedAt time.Time
	Disabled        bool
	Lang            string
	CreatedAt       time.Time
	Roles           []StaffRole    // staff only
	Organisations   []Organisation // business accounts the user belongs to
}

// StaffRole grants a staff member a role in one tenant, optionally limited to one office.
type StaffRole struct {
	TenantAGS string
	OfficeID  string // empty: every office of the tenant
	Role      string // "sachbearbeitung", "leitung", "tenant_admin"
}

// Organisation is a business account with several members.
type Organisation struct {
	ID   string
	Name string
	Role string // the user's role in it: "owner" or "member"
}

// IsStaffOf reports whether u has any role in the tenant.
func (u *User) IsStaffOf(ags string) bool {
	if u == nil || u.Kind != KindStaff {
		return false
	}
	for _, r := range u.Roles {
		if r.TenantAGS == ags {
			return true
		}
	}
	return false
}

// TenantAdminOf reports whether u may change the tenant's settings.
func (u *User) TenantAdminOf(ags string) bool {
	if u == nil {
		return false
	}
	if u.Kind == KindAdmin {
		return true
	}
	for _, r := range u.Roles {
		if r.TenantAGS == ags && r.Role == "tenant_admin" {
			return true
		}
	}
	return false
}

// Tenants lists the AGS of every tenant u has a staff role in.
func (u *User) Tenants() []string {
	var out []string
	for _, r := range u.Roles {
		if !slices.Contains(out, r.TenantAGS) {
			out = append(out, r.TenantAGS)
		}
	}
	return out
}

// Scope is a permission of an API token.
type Scope string

// Token scopes.
const (
	ScopeSubmit Scope = "submit" // file submissions
	ScopeRead   Scope = "read"   // read what the token filed
	ScopeCases  Scope = "cases"  // the tenant's staff API: cases, messages, delivery details
	ScopeInbox  Scope = "inbox"  // a recipient's pull inbox
	ScopeAdmin  Scope = "admin"  // platform or tenant administration
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeSubmit, ScopeRead, ScopeCases, ScopeInbox, ScopeAdmin}

// ParseScopes parses a comma-separated scope list.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(AllScopes, Scope(p)) {
			return nil, fmt.Errorf("unknown scope %q (known: submit, read, cases, inbox, admin)", p)
		}
		if !slices.Contains(out, Scope(p)) {
			out = append(out, Scope(p))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("at least one scope is needed")
	}
	return out, nil
}

// Token is an API token. Only its hash is stored.
type Token struct {
	ID        string
	Name      string
	TenantAGS string // empty: platform-wide
	Scopes    []Scope
	CreatedAt time.Time
	RevokedAt time.Time
}

// Has reports whether the token carries the scope.
func (t *Token) Has(s Scope) bool { return t != nil && slices.Contains(t.Scopes, s) }

// TokenPrefix marks Rathaus API tokens so secret scanners can find leaked ones.
const TokenPrefix = "rth_"

// NewSecret returns a random secret with the given prefix and its storage hash.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the storage hash of a high-entropy secret (token, session id). SHA-256
// suffices: the secrets are 256-bit random, so no slow hash is needed.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewID returns a random identifier (128 bits, hex).
func NewID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// NewSortableID returns an identifier in the form of NewID (32 hex digits) whose first 48
// bits are the Unix time in milliseconds and whose other 80 bits are random, like a UUIDv7.
// Rows inserted in quick succession get neighbouring keys, so their index entries land on
// the same few B-tree pages instead of one random page each: fewer pages written per
// commit. Use it for record ids, not for secrets (sessions, tokens, one-time links): it
// reveals when it was made, and guessing one still means guessing 80 random bits.
//
// Within a process the ids increase strictly, also within one millisecond (RFC 9562,
// 6.2, method 2: the random part of the previous id plus a random step), so rows created one
// after another sort in that order where their times are equal.
func NewSortableID() string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err)
	}
	ms := uint64(time.Now().UnixMilli())
	sortable.mu.Lock()
	if ms <= sortable.ms {
		// The same millisecond (or the clock went back): count on from the last id by a
		// random step of up to 2^32, carried through the 80 bits.
		ms = sortable.ms
		step := uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15]) + 1
		copy(b[6:], sortable.rnd[:])
		for i := 15; i >= 6 && step > 0; i-- {
			v := uint64(b[i]) + step&0xff
			b[i] = byte(v)
			step = step>>8 + v>>8
		}
		if step > 0 { // the random part ran over: take the next millisecond
			ms++
		}
	}
	sortable.ms = ms
	copy(sortable.rnd[:], b[6:])
	sortable.mu.Unlock()
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	return hex.EncodeToString(b[:])
}

// sortable is the last id NewSortableID returned: its millisecond and random part.
var sortable struct {
	mu  sync.Mutex
	ms  uint64
	rnd [10]byte
}

// argon2id parameters (RFC 9106 second recommendation, memory reduced for small servers).
const (
	argonTime    = 2
	argonMemory  = 32 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of the password.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches the encoded hash. It takes the same time for a
// wrong password as for a right one.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when no account exists, so that a login attempt for an
// unknown address takes as long as one for a known address: CheckPassword runs argon2id with
// the parameters of the encoded hash, the same as HashPassword's. The key itself never
// matters (nothing is compared in that case), so it is not computed: computing it at start-up
// cost 90 ms and a 32 MB allocation that stayed in the idle process's heap.
var dummyHash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
	base64.RawStdEncoding.EncodeToString([]byte("rathaus-dummy-salt")), base64.RawStdEncoding.EncodeToString(make([]byte, argonKeyLen)))

// CheckPasswordOrDummy checks pw against encoded, or against a dummy hash when encoded is
// empty, and returns false in that case.
func CheckPasswordOrDummy(encoded, pw string) bool {
	if encoded == "" {
		CheckPassword(dummyHash, pw)
		return false
	}
	return CheckPassword(encoded, pw)
}

// Registration is the input of a citizen registration.
type Registration struct {
	Name            string
	Email           string
	Password        string
	PasswordConfirm string
	Privacy         bool
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks a registration and returns field errors keyed by form field name, with
// German messages.
func (r *Registration) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(field, code, msg string) {
		errs = append(errs, apperr.FieldError{Pointer: field, Code: code, Message: msg})
	}
	r.Name = strings.TrimSpace(r.Name)
	r.Email = NormalizeEmail(r.Email)
	switch {
	case r.Name == "":
		add("name", "required", "Name: Bitte geben Sie Ihren Namen an.")
	case utf8.RuneCountInString(r.Name) > 120:
		add("name", "too_long", "Name: Höchstens 120 Zeichen.")
	}
	if err := ValidateEmail(r.Email); err != "" {
		add("email", "email", err)
	}
	if msg := ValidatePassword(r.Password); msg != "" {
		add("password", "password_weak", msg)
	} else if r.Password != r.PasswordConfirm {
		add("password_confirm", "password_mismatch", "Passwort wiederholen: Die beiden Passwörter stimmen nicht überein.")
	}
	if !r.Privacy {
		add("privacy", "required", "Datenschutzhinweise: Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben.")
	}
	return errs
}

// ValidateEmail returns a German error message, or "" when the address is usable.
func ValidateEmail(s string) string {
	if s == "" {
		return "E-Mail-Adresse: Bitte geben Sie Ihre E-Mail-Adresse an."
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "E-Mail-Adresse: Bitte geben Sie eine gültige Adresse an, z. B. name@beispiel.de."
	}
	return ""
}

// ValidatePassword returns a German error message, or "" when the password is acceptable:
// at least 10 characters (NIST SP 800-63B: length over composition rules), at most 200.
func ValidatePassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 10:
		return "Passwort: Mindestens 10 Zeichen."
	case n > 200:
		return "Passwort: Höchstens 200 Zeichen."
	}
	return ""
}

// Login rate limit: at most MaxLoginFailures failed attempts per account and per client
// address within LoginWindow.
const (
	MaxLoginFailures = 5
	LoginWindow      = 15 * time.Minute
)

// Session lifetimes.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
)
