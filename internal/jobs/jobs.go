// Package jobs runs durable background work. Jobs are rows in the database, inserted in the
// same transaction as the data they belong to (so a rollback removes them), claimed with a
// lease by any node, retried with exponential back-off and jitter, and moved to a dead state
// after their last attempt. A crashed worker's lease runs out and the job is claimed again, so
// every handler must be idempotent.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Job is one unit of background work.
type Job struct {
	ID          string
	Kind        string
	TenantAGS   string
	Payload     json.RawMessage
	Attempts    int // attempts made before this one
	MaxAttempts int
	RunAt       time.Time
	UniqueKey   string // optional: at most one job with this key ever exists
	LastError   string
	State       string
	CreatedAt   time.Time
}

// Job states.
const (
	StateQueued  = "queued"
	StateRunning = "running"
	StateDone    = "done"
	StateDead    = "dead"
)

// Store is what the runner needs from the database.
type Store interface {
	// ClaimJobs leases up to limit due jobs of the given kinds to worker until leaseUntil and
	// returns them; a running job whose lease ran out counts as due.
	ClaimJobs(ctx context.Context, worker string, kinds []string, now, leaseUntil time.Time, limit int) ([]Job, error)
	// CompleteJob marks a job done.
	CompleteJob(ctx context.Context, id string, now time.Time) error
	// RetryJob records a failed attempt; dead marks it as finally failed.
	RetryJob(ctx context.Context, id string, now, next time.Time, errText string, dead bool) error
}

// Handler does the work of one job. Returning an error retries it; wrap the error with
// Permanent to move it to the dead state at once.
type Handler func(ctx context.Context, j Job) error

type completionKey struct{}

// MarkCompleted tells the runner that the handler running under ctx has already marked its
// job done in the transaction that committed the job's effect (sqlstore.CompleteJobTx), so
// the runner's own completion, a transaction of its own, is skipped. Call it only after that
// commit, and then return nil. Outside a runner it does nothing.
func MarkCompleted(ctx context.Context) {
	if c, ok := ctx.Value(completionKey{}).(*atomic.Bool); ok {
		c.Store(true)
	}
}

type permanent struct{ error }

// Permanent marks an error as not worth retrying.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err, or an error it wraps, was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Backoff returns the delay before attempt n+1 (n ≥ 1): exponential from 10 s, capped at
// 6 h, with ±20 % jitter. With the default 25 attempts a job is retried for more than 72 h.
func Backoff(n int, r *rand.Rand) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 6*time.Hour)
	jitter := 0.8 + 0.4*r.Float64()
	return time.Duration(float64(d) * jitter)
}

// Runner claims and runs jobs.
type Runner struct {
	Store   Store
	Worker  string
	Now     func() time.Time
	Log     *slog.Logger
	Workers int           // concurrent handlers (default 4)
	Poll    time.Duration // idle poll interval (default 500 ms)
	Lease   time.Duration // lease per claim (default 2 min)
	// Yield, when set, reports whether people are waiting for pages. While it does, handlers
	// take turns: one runs at a time (handlers already running finish), so a backlog of
	// background work does not take the cores from page requests. A handler waits at most
	// YieldWait (default 100 ms) for its turn, so one slow handler (a recipient timing out)
	// holds up the others by no more than that.
	Yield     func() bool
	YieldWait time.Duration
	// Throttle, when set, reports whether intake is at its peak (web.Server.IntakeBusy);
	// while it does, at most ThrottledWorkers handlers start (default half of Workers);
	// handlers already running finish. Background work steps back so accepting comes first.
	Throttle         func() bool
	ThrottledWorkers int
	handlers         map[string]Handler
	wake             chan struct{}
	freed            chan struct{} // a handler finished: a worker slot is free
	rnd              *rand.Rand
	mu               sync.Mutex
}

// Register adds the handler for a job kind.
func (r *Runner) Register(kind string, h Handler) {
	if r.handlers == nil {
		r.handlers = map[string]Handler{}
	}
	r.handlers[kind] = h
}

// Wake tells an idle runner that new jobs may be due (called after a commit that enqueued).
func (r *Runner) Wake() {
	if r.wake == nil {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Init prepares the runner; Run calls it, but callers that want Wake to work before Run
// starts may call it first.
func (r *Runner) Init() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	if r.freed == nil {
		r.freed = make(chan struct{}, 1)
	}
	if r.rnd == nil {
		r.rnd = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	}
}

// Run works until ctx is cancelled, then waits for running handlers to finish.
//
// Jobs are claimed in batches: up to twice Workers jobs are leased at a time (running plus
// waiting for a worker), and a new claim is made when no more than Workers are left, so under
// load one claim transaction serves about Workers jobs instead of one. At shutdown the jobs
// already claimed are still run (at most Workers per worker); a crash leaves them leased
// until the lease runs out, like a running job.
func (r *Runner) Run(ctx context.Context) {
	r.Init()
	workers := r.Workers
	if workers <= 0 {
		workers = 4
	}
	poll := r.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	lease := r.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	yieldWait := r.YieldWait
	if yieldWait <= 0 {
		yieldWait = 100 * time.Millisecond
	}
	maxHeld := 2 * workers
	queue := make(chan Job, maxHeld) // claimed, waiting for a worker; never full (held ≤ maxHeld)
	var held atomic.Int64            // claimed and not finished
	var wg sync.WaitGroup
	yielding := make(chan struct{}, 1) // the one slot for handlers started while Yield reports true
	throttled := r.ThrottledWorkers
	if throttled <= 0 {
		throttled = max(1, workers/2)
	}
	throttleSlots := make(chan struct{}, throttled) // slots for handlers started while Throttle reports true
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				turn := false
				if r.Yield != nil && r.Yield() {
					t := time.NewTimer(yieldWait)
					select {
					case yielding <- struct{}{}:
						turn = true
					case <-t.C:
					}
					t.Stop()
				}
				slot := false
				if !turn && r.Throttle != nil && r.Throttle() {
					slot = r.throttleSlot(throttleSlots)
				}
				r.runOne(context.WithoutCancel(ctx), j)
				if turn {
					<-yielding
				}
				if slot {
					<-throttleSlots
				}
				held.Add(-1)
				select {
				case r.freed <- struct{}{}:
				default:
				}
			}
		}()
	}
	defer func() {
		close(queue)
		wg.Wait()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-r.wake:
		case <-r.freed:
		}
		n := int(held.Load())
		if n > workers {
			// Every worker has work and more is waiting; the next one to finish signals
			// freed. The timer is a safety net only.
			timer.Reset(poll)
			continue
		}
		want := maxHeld - n
		now := r.Now()
		batch, err := r.Store.ClaimJobs(ctx, r.Worker, kinds, now, now.Add(lease), want)
		if err != nil {
			if ctx.Err() == nil {
				r.Log.Error("claim jobs", "err", err)
			}
			timer.Reset(poll)
			continue
		}
		held.Add(int64(len(batch)))
		for _, j := range batch {
			queue <- j
		}
		// When the batch was full, more may be waiting: the next claim follows when workers
		// free up (freed); otherwise new jobs arrive by Wake or the poll.
		timer.Reset(poll)
	}
}

// throttleSlot waits for one of the slots handlers take while Throttle reports true and
// reports whether it took one; it stops waiting, without a slot, as soon as Throttle reports
// false.
func (r *Runner) throttleSlot(slots chan struct{}) bool {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case slots <- struct{}{}:
			return true
		case <-t.C:
			if !r.Throttle() {
				return false
			}
		}
	}
}

// RunDue claims and runs every job that is due now, one after another, until none is left,
// and returns how many attempts ran. Tests use it instead of Run to avoid waiting.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	r.Init()
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	n := 0
	for {
		now := r.Now()
		batch, err := r.Store.ClaimJobs(ctx, r.Worker, kinds, now, now.Add(time.Minute), 100)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, j := range batch {
			r.runOne(ctx, j)
			n++
		}
	}
}

func (r *Runner) runOne(ctx context.Context, j Job) {
	h := r.handlers[j.Kind]
	var err error
	completed := new(atomic.Bool)
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		err = h(context.WithValue(ctx, completionKey{}, completed), j)
	}()
	now := r.Now()
	if err == nil {
		if completed.Load() {
			return // the handler completed the job in its own commit
		}
		if cerr := r.Store.CompleteJob(ctx, j.ID, now); cerr != nil {
			r.Log.Error("complete job", "job", j.ID, "err", cerr)
		}
		return
	}
	attempt := j.Attempts + 1
	var p permanent
	dead := errors.As(err, &p) || attempt >= j.MaxAttempts
	r.mu.Lock()
	next := now.Add(Backoff(attempt, r.rnd))
	r.mu.Unlock()
	r.Log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", attempt, "dead", dead, "err", err)
	if rerr := r.Store.RetryJob(ctx, j.ID, now, next, err.Error(), dead); rerr != nil {
		r.Log.Error("retry job", "job", j.ID, "err", rerr)
	}
}
