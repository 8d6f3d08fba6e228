package web

import (
	"testing"
	"time"
)

// TestIntakeGauge: a peak is IntakeBusyAt submissions in flight at once, or a count that
// stays near it on average while submissions keep arriving; a single spike of moderate
// traffic is a peak only while it lasts, and a peak ends when arrivals stop.
func TestIntakeGauge(t *testing.T) {
	var g intakeGauge
	now := int64(1)
	tick := func() int64 { now += int64(time.Millisecond); return now }
	// arrive keeps n in flight: one arrives (n+1) and one is answered.
	arrive := func(n int) {
		for g.inFlight.Load() < int64(n) {
			g.enter(tick())
		}
		g.enter(tick())
		g.leave()
	}
	if g.busy(now) {
		t.Fatal("busy before anything was accepted")
	}
	// Moderate traffic, about 8 in flight, with one spike to 16.
	for range 50 {
		arrive(8)
	}
	if g.busy(now) {
		t.Fatal("busy at 8 in flight")
	}
	for g.inFlight.Load() < IntakeBusyAt {
		g.enter(tick())
	}
	if !g.busy(now) {
		t.Fatalf("not busy at %d in flight", IntakeBusyAt)
	}
	for g.inFlight.Load() > 8 {
		g.leave()
	}
	arrive(8)
	if g.busy(now) {
		t.Error("the spike of moderate traffic outlasted itself")
	}
	// A steady peak swinging around the threshold stays a peak in its dips.
	for i := range 60 {
		arrive(14 + i%8) // 14 … 21 in flight
	}
	for g.inFlight.Load() > 14 {
		g.leave()
	}
	if !g.busy(now) {
		t.Error("a dip of a steady peak ended it")
	}
	// Arrivals stop: the peak ends.
	if g.busy(now + int64(intakeQuiet)) {
		t.Error("the peak outlasted its arrivals")
	}
}
