package web

import (
	"sync/atomic"
	"time"
)

// IntakeBusyAt is the number of submissions being accepted at once from which IntakeBusy
// reports true. A few at a time is normal traffic; this many means a peak (a deadline day, a
// bulk client), in which accepting comes before delivering.
const IntakeBusyAt = 16

// IntakeBusyHold is how long a peak lasts after the number of submissions in flight last
// reached IntakeBusyAt. Under a steady peak that number swings around the threshold from
// one moment to the next (each answer lowers it until the client's next request); without
// the hold the job runner took up all its workers in every dip and throttled again a moment
// later, and the deliveries it started slowed intake down (alternating runs of the benchmark's
// submit phase on PostgreSQL: 1,370–1,539 submissions/s without, 1,653–1,668/s with the hold,
// p99 36–42 ms → 28–34 ms).
const IntakeBusyHold = time.Second

// intakeGauge counts the submissions being accepted and remembers when it last saw a peak.
// Times are monotonic nanoseconds (monoNow).
type intakeGauge struct {
	inFlight atomic.Int64
	lastPeak atomic.Int64 // when inFlight last reached IntakeBusyAt; 0: never
}

// enter counts a submission in.
func (g *intakeGauge) enter(now int64) {
	if g.inFlight.Add(1) >= IntakeBusyAt {
		g.lastPeak.Store(now)
	}
}

// leave counts a submission out.
func (g *intakeGauge) leave() { g.inFlight.Add(-1) }

// busy reports a peak: IntakeBusyAt or more in flight now, or less than IntakeBusyHold ago.
func (g *intakeGauge) busy(now int64) bool {
	if g.inFlight.Load() >= IntakeBusyAt {
		return true
	}
	last := g.lastPeak.Load()
	return last != 0 && now-last < int64(IntakeBusyHold)
}

var monoEpoch = time.Now()

// monoNow is the monotonic time in nanoseconds since the process started (never 0).
func monoNow() int64 { return int64(time.Since(monoEpoch)) + 1 }
