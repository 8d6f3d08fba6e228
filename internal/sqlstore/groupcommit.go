package sqlstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// maxGroup bounds how many submissions share one transaction.
const maxGroup = 64

// groupCommit commits concurrent submissions together. Every submission locks the same rows
// until commit — its tenant's reference counter and the audit head — and on SQLite every
// commit is an fsync of the single writer, so one transaction per submission caps intake at
// one lock hold or one fsync per submission. Here the first caller becomes the leader: it
// takes every submission waiting at that moment (itself first), writes them in one
// transaction, commits once, and hands each caller its result; then it passes the lead to the
// next waiting caller, if any. No goroutine is started; callers do the work.
//
// If the group's transaction fails for any reason (an idempotency race, a hook's error, a
// serialization failure), nothing of it was committed and each member is written again in a
// transaction of its own, so one bad submission never fails another. A caller gets its
// answer only after the commit that holds its submission has returned.
type groupCommit struct {
	mu    sync.Mutex
	queue []*pendingSubmit
	busy  bool // a leader is working; it hands over or clears busy when done
}

type pendingSubmit struct {
	ctx   context.Context
	p     *submission.Prepared
	js    []jobs.Job
	hooks []SubmitHook

	sub      *submission.Submission
	existing bool
	err      error
	// done receives true when the result is set, false when this caller becomes the leader.
	done chan bool
}

func (g *groupCommit) submit(ctx context.Context, db *DB, p *submission.Prepared, js []jobs.Job, hooks []SubmitHook) (*submission.Submission, bool, error) {
	me := &pendingSubmit{ctx: ctx, p: p, js: js, hooks: hooks, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, me)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		// Wait without watching ctx: once queued, the submission may be committed by the
		// leader at any moment, and the caller must learn whether it was.
		if finished := <-me.done; finished {
			return me.sub, me.existing, me.err
		}
	}
	// Leader: me is at the head of the queue.
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := make([]*pendingSubmit, n)
	copy(group, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	func() {
		// A panic (in a hook, say) must not leave the others waiting forever: it becomes
		// everyone's error, and the lead is handed on as usual.
		defer func() {
			if r := recover(); r != nil {
				for _, x := range group {
					x.sub, x.existing, x.err = nil, false, fmt.Errorf("submit: panic: %v", r)
				}
			}
		}()
		db.commitGroup(group)
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
	return me.sub, me.existing, me.err
}

// commitGroup writes the group in one transaction, or each member alone when that fails.
func (db *DB) commitGroup(group []*pendingSubmit) {
	live := group[:0:0]
	for _, x := range group {
		if err := x.ctx.Err(); err != nil {
			x.err = err // the caller gave up before anything was written
			continue
		}
		live = append(live, x)
	}
	if len(live) == 1 {
		x := live[0]
		x.sub, x.existing, x.err = db.submitAlone(x.ctx, x.p, x.js, x.hooks)
		return
	}
	if len(live) == 0 {
		return
	}
	// The group's transaction must not fail because one caller went away.
	ctx := context.WithoutCancel(live[0].ctx)
	type result struct {
		sub      *submission.Submission
		existing bool
	}
	results := make([]result, len(live))
	err := db.InTx(ctx, func(tx *Tx) error {
		for i, x := range live {
			sub, existing, err := submitTx(ctx, tx, x.p, x.js, x.hooks)
			if err != nil {
				return err
			}
			results[i] = result{sub, existing}
		}
		return nil
	})
	if err == nil {
		for i, x := range live {
			x.sub, x.existing = results[i].sub, results[i].existing
		}
		return
	}
	for _, x := range live {
		x.sub, x.existing, x.err = db.submitAlone(context.WithoutCancel(x.ctx), x.p, x.js, x.hooks)
	}
}

// txGroup runs concurrent small write transactions of one kind together: like groupCommit,
// the first caller leads, runs every function waiting at that moment in one transaction and
// commits once; if that transaction fails, each function runs again in a transaction of its
// own, so one failing caller never fails another. Each caller returns only after the commit
// that holds its writes. The functions must only write through tx (a rolled-back group leaves
// nothing behind) and must not depend on running alone.
type txGroup struct {
	mu    sync.Mutex
	queue []*pendingTx
	busy  bool
}

type pendingTx struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	err  error
	done chan bool // true: err is set; false: this caller leads
}

func (g *txGroup) run(ctx context.Context, db *DB, fn func(tx *Tx) error) error {
	me := &pendingTx{ctx: ctx, fn: fn, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, me)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		if finished := <-me.done; finished {
			return me.err
		}
	}
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := make([]*pendingTx, n)
	copy(group, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	func() {
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

func (db *DB) runGroup(group []*pendingTx) {
	if len(group) == 1 {
		group[0].err = db.InTx(group[0].ctx, group[0].fn)
		return
	}
	ctx := context.WithoutCancel(group[0].ctx)
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, x := range group {
			if err := x.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	for _, x := range group {
		x.err = db.InTx(context.WithoutCancel(x.ctx), x.fn)
	}
}
