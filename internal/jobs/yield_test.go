package jobs

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queueStore hands out its jobs once and records completions.
type queueStore struct {
	mu   sync.Mutex
	jobs []Job
	done chan string
}

func (s *queueStore) ClaimJobs(_ context.Context, _ string, _ []string, _, _ time.Time, limit int) ([]Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(limit, len(s.jobs))
	out := s.jobs[:n:n]
	s.jobs = s.jobs[n:]
	return out, nil
}

func (s *queueStore) CompleteJob(_ context.Context, id string, _ time.Time) error {
	s.done <- id
	return nil
}

func (s *queueStore) RetryJob(context.Context, string, time.Time, time.Time, string, bool) error {
	return nil
}

// mostAtOnce runs n jobs of kind "k" through r (Store, Worker, Now and Log are filled in),
// each handler calling work, and returns how many handlers ran at the same time at most.
func mostAtOnce(r *Runner, n int, work func()) int64 {
	st := &queueStore{done: make(chan string, n)}
	for i := range n {
		st.jobs = append(st.jobs, Job{ID: strconv.Itoa(i), Kind: "k", MaxAttempts: 1})
	}
	r.Store, r.Worker, r.Now, r.Log = st, "w", time.Now, slog.New(slog.DiscardHandler)
	var running, most atomic.Int64
	r.Register("k", func(context.Context, Job) error {
		c := running.Add(1)
		for m := most.Load(); c > m && !most.CompareAndSwap(m, c); m = most.Load() {
		}
		work()
		running.Add(-1)
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() { r.Run(ctx); close(finished) }()
	for range n {
		<-st.done
	}
	cancel()
	<-finished
	return most.Load()
}

// While Yield reports true, handlers take turns: never two at once.
func TestRunnerYieldRunsOneHandlerAtATime(t *testing.T) {
	r := &Runner{Workers: 8, Yield: func() bool { return true }, YieldWait: time.Hour}
	m := mostAtOnce(r, 40, func() {
		for range 100 {
			runtime.Gosched() // give the other workers every chance to overlap
		}
	})
	if m != 1 {
		t.Fatalf("at most %d handlers ran at once while yielding, want 1", m)
	}
}

// While Throttle reports true, at most ThrottledWorkers handlers run at once; without it all
// workers do.
func TestRunnerThrottle(t *testing.T) {
	for _, throttle := range []bool{true, false} {
		r := &Runner{Workers: 8, Throttle: func() bool { return throttle }, ThrottledWorkers: 2}
		// Long enough for the other workers to overlap.
		m := mostAtOnce(r, 60, func() { time.Sleep(3 * time.Millisecond) })
		if throttle && m != 2 {
			t.Fatalf("throttled: at most %d handlers ran at once, want 2", m)
		}
		if !throttle && m <= 2 {
			t.Fatalf("not throttled: at most %d handlers ran at once, want more than 2", m)
		}
	}
}
