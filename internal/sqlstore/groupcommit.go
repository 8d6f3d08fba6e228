package sqlstore

import (
	"context"
	"fmt"
	"sync"
)

// maxGroup bounds how many writes share one transaction.
const maxGroup = 128

// txGroup commits concurrent writes together: submissions (Submit), delivery attempts
// (RecordAttempt) and the job runner's claims, completions and retries share one queue, one
// transaction and one durable commit. Every submission
// locks the same rows until commit — its tenant's reference counter and the audit head — and
// on SQLite every commit is an fsync of the single writer that writes each page the
// transaction touched, whether one row changed in it or fifty; one transaction per write
// capped intake and delivery at one lock hold or one fsync per write, and separate groups per
// kind still paid one commit per kind.
//
// The first caller becomes the leader: it takes every write waiting at that moment (itself
// first, at most maxGroup), runs them in one transaction, commits once, and hands each caller
// its result; then it passes the lead to the next waiting caller, if any. No goroutine is
// started; callers do the work. If the group's transaction fails for any reason (an
// idempotency race, a hook's error, a serialization failure), nothing of it was committed
// and each member runs again alone (its alone function, by default fn in a transaction of
// its own), so one bad write never fails another. A caller returns only after the commit
// that holds its writes, so an acknowledgement still means durable. The functions must only
// write through tx (a rolled-back group leaves nothing behind) and must not depend on
// running alone.
type txGroup struct {
	mu    sync.Mutex
	queue []*pendingTx
	busy  bool // a leader is working; it hands over or clears busy when done
}

type pendingTx struct {
	ctx context.Context
	// fn writes the member's part inside the group's transaction; ctx is the group's.
	fn func(ctx context.Context, tx *Tx) error
	// alone runs the member by itself after its group failed; nil: fn in a transaction.
	alone func(ctx context.Context) error
	// hints name what fn will read first (merged for the group, see txHints); nil: nothing.
	hints *txHints
	err   error
	// done receives true when err is set, false when this caller becomes the leader.
	done chan bool
}

func (g *txGroup) run(ctx context.Context, db *DB, fn func(ctx context.Context, tx *Tx) error, alone func(ctx context.Context) error) error {
	return g.runHinted(ctx, db, nil, fn, alone)
}

// runHinted is run for a member that names what it will read first (see txHints).
func (g *txGroup) runHinted(ctx context.Context, db *DB, hints *txHints, fn func(ctx context.Context, tx *Tx) error, alone func(ctx context.Context) error) error {
	me := &pendingTx{ctx: ctx, fn: fn, alone: alone, hints: hints, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, me)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		// Wait without watching ctx: once queued, the write may be committed by the leader
		// at any moment, and the caller must learn whether it was.
		if finished := <-me.done; finished {
			return me.err
		}
	}
	// Leader: me is at the head of the queue.
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := make([]*pendingTx, n)
	copy(group, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	func() {
		// A panic (in a hook, say) must not leave the others waiting forever: it becomes
		// everyone's error, and the lead is handed on as usual.
		defer func() {
			if r := recover(); r != nil {
				for _, x := range group {
					x.err = fmt.Errorf("transaction group: panic: %v", r)
				}
			}
		}()
		db.runGroup(group)
	}()
	for _, x := range group[1:] {
		x.done <- true
	}
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.busy = false
		g.mu.Unlock()
	} else {
		next := g.queue[0]
		g.mu.Unlock()
		next.done <- false
	}
	return me.err
}

// runAlone runs one member in a transaction of its own.
func (db *DB) runAlone(ctx context.Context, x *pendingTx) error {
	if x.alone != nil {
		return x.alone(ctx)
	}
	return db.InTx(ctx, func(tx *Tx) error { return x.fn(ctx, tx) })
}

// runGroup writes the group in one transaction, or each member alone when that fails.
func (db *DB) runGroup(group []*pendingTx) {
	live := group[:0:0]
	for _, x := range group {
		if err := x.ctx.Err(); err != nil {
			x.err = err // the caller gave up before anything was written
			continue
		}
		live = append(live, x)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].err = db.runAlone(live[0].ctx, live[0])
		return
	}
	// The group's transaction must not fail because one caller went away.
	ctx := context.WithoutCancel(live[0].ctx)
	hints := groupHints(live)
	err := db.inTxRetried(ctx, hints, func(tx *Tx) error {
		for _, x := range live {
			if err := x.fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	for _, x := range live {
		x.err = db.runAlone(context.WithoutCancel(x.ctx), x)
	}
}

// groupHints merges the members' hints (each counter once); nil when none has any.
func groupHints(group []*pendingTx) *txHints {
	var h *txHints
	seen := map[counterKey]bool{}
	for _, x := range group {
		if x.hints == nil {
			continue
		}
		if h == nil {
			h = &txHints{}
		}
		h.directory = h.directory || x.hints.directory
		h.idem = append(h.idem, x.hints.idem...)
		for _, k := range x.hints.counters {
			if !seen[k] {
				seen[k] = true
				h.counters = append(h.counters, k)
			}
		}
	}
	return h
}
