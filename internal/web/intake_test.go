package web

import (
	"testing"
	"time"
)

// TestIntakeGauge: a peak begins when IntakeBusyAt submissions are in flight and lasts
// IntakeBusyHold after the last moment they were, however the number swings in between.
func TestIntakeGauge(t *testing.T) {
	var g intakeGauge
	const start = int64(1)
	at := func(d time.Duration) int64 { return start + int64(d) }
	if g.busy(start) {
		t.Fatal("busy before anything was accepted")
	}
	for range IntakeBusyAt - 1 {
		g.enter(start)
	}
	if g.busy(start) {
		t.Fatalf("busy at %d in flight", IntakeBusyAt-1)
	}
	g.enter(at(10 * time.Millisecond))
	if !g.busy(at(10 * time.Millisecond)) {
		t.Fatalf("not busy at %d in flight", IntakeBusyAt)
	}
	for range 8 {
		g.leave()
	}
	if !g.busy(at(10*time.Millisecond + IntakeBusyHold - 1)) {
		t.Error("the peak ended before its hold")
	}
	if g.busy(at(10*time.Millisecond + IntakeBusyHold)) {
		t.Error("the peak outlasted its hold")
	}
	for range 8 {
		g.enter(at(2 * time.Second)) // back at the threshold: the hold starts again
	}
	if !g.busy(at(2*time.Second + IntakeBusyHold/2)) {
		t.Error("a new peak was not seen")
	}
}
