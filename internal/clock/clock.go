// Package clock provides the injectable time source used across Rathaus.
package clock

import (
	"sync"
	"time"
)

// Clock returns the current time.
type Clock func() time.Time

// Real is the wall clock.
func Real() time.Time { return time.Now() }

// Berlin is the time zone of German administrative dates.
var Berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// tzdata is embedded by cmd/rathaus (time/tzdata); this only fails without it.
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// Fake is a settable clock for tests.
type Fake struct {
	mu sync.Mutex
	t  time.Time
}

// NewFake returns a fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{t: t} }

// Now returns the fake time.
func (f *Fake) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

// Advance moves the fake time forward.
func (f *Fake) Advance(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }
