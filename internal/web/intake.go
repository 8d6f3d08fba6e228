package web

import (
	"sync"
	"sync/atomic"
	"time"
)

// IntakeBusyAt is the number of submissions being accepted at once from which IntakeBusy
// reports true. A few at a time is normal traffic; this many means a peak (a deadline day, a
// bulk client), in which accepting comes before delivering.
const IntakeBusyAt = 16

// A peak is also seen while the number in flight, averaged over the last ten or so arrivals,
// is at least intakeBusyAvg and submissions keep arriving (one within intakeQuiet). In
// `rathaus bench` the average was 25–27 in the submit phase (32 clients) and 6–14 in the
// deliver phase (379 submissions/s offered). Under a steady peak the instantaneous number
// drops below IntakeBusyAt whenever a write group's answers go out together (some fifteen at
// once) until their clients' next requests arrive; on the instantaneous count alone the job
// runner took up all its workers in every such dip and throttled again a moment later, and
// the deliveries it started slowed intake down. Holding the peak for a second after the count was
// last reached instead made the single spikes of moderate traffic throttle deliveries for a
// second each, and the deliver phase fell behind. `rathaus bench --quick` on PostgreSQL, two
// runs each: instantaneous 1,422 and 1,380 submissions/s, delivery 3,027 and 2,936 msg/s;
// one-second hold 1,789 and 1,686/s, delivery 2,672 and 2,550 msg/s at p99 0.7–0.9 s;
// averaged (at least 14) 1,606 and 1,667/s, delivery 2,790 and 3,009 msg/s at p99 0.45 and
// 0.23 s; in full runs the deliver phase's latency grew (p50 0.5–0.7 s), because moderate
// traffic's average came close to 14 — hence IntakeBusyAt.
const (
	intakeBusyAvg = IntakeBusyAt
	intakeQuiet   = 200 * time.Millisecond
)

// intakeGauge counts the submissions being accepted and averages the count at arrivals.
// Times are monotonic nanoseconds (monoNow).
type intakeGauge struct {
	inFlight atomic.Int64
	mu       sync.Mutex
	avg      float64 // exponentially weighted: each arrival counts a tenth
	lastIn   int64   // time of the last arrival; 0: none yet
}

// enter counts a submission in.
func (g *intakeGauge) enter(now int64) {
	n := g.inFlight.Add(1)
	g.mu.Lock()
	g.avg += (float64(n) - g.avg) / 10
	g.lastIn = now
	g.mu.Unlock()
}

// leave counts a submission out.
func (g *intakeGauge) leave() { g.inFlight.Add(-1) }

// busy reports a peak: IntakeBusyAt or more in flight now, or at least intakeBusyAvg on
// average while submissions keep arriving.
func (g *intakeGauge) busy(now int64) bool {
	if g.inFlight.Load() >= IntakeBusyAt {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastIn != 0 && now-g.lastIn < int64(intakeQuiet) && g.avg >= intakeBusyAvg
}

var monoEpoch = time.Now()

// monoNow is the monotonic time in nanoseconds since the process started (never 0).
func monoNow() int64 { return int64(time.Since(monoEpoch)) + 1 }
