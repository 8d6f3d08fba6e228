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

// While Yield reports true, handlers take turns: never two at once.
func TestRunnerYieldRunsOneHandlerAtATime(t *testing.T) {
	const n = 40
	st := &queueStore{done: make(chan string, n)}
	for i := range n {
		st.jobs = append(st.jobs, Job{ID: strconv.Itoa(i), Kind: "k", MaxAttempts: 1})
	}
	r := &Runner{Store: st, Worker: "w", Now: time.Now, Log: slog.New(slog.DiscardHandler), Workers: 8,
		Yield: func() bool { return true }, YieldWait: time.Hour}
	var running, most atomic.Int64
	r.Register("k", func(context.Context, Job) error {
		c := running.Add(1)
		for m := most.Load(); c > m && !most.CompareAndSwap(m, c); m = most.Load() {
		}
		for range 100 {
			runtime.Gosched() // give the other workers every chance to overlap
		}
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
	if m := most.Load(); m != 1 {
		t.Fatalf("at most %d handlers ran at once while yielding, want 1", m)
	}
}

// While Throttle reports true, at most ThrottledWorkers handlers run at once; without it all
// workers do.
func TestRunnerThrottle(t *testing.T) {
	for _, throttle := range []bool{true, false} {
		const n = 60
		st := &queueStore{done: make(chan string, n)}
		for i := range n {
			st.jobs = append(st.jobs, Job{ID: strconv.Itoa(i), Kind: "k", MaxAttempts: 1})
		}
		r := &Runner{Store: st, Worker: "w", Now: time.Now, Log: slog.New(slog.DiscardHandler), Workers: 8,
			Throttle: func() bool { return throttle }, ThrottledWorkers: 2}
		var running, most atomic.Int64
		r.Register("k", func(context.Context, Job) error {
			c := running.Add(1)
			for m := most.Load(); c > m && !most.CompareAndSwap(m, c); m = most.Load() {
			}
			time.Sleep(3 * time.Millisecond) // long enough for the other workers to overlap
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
		m := most.Load()
		if throttle && m != 2 {
			t.Fatalf("throttled: at most %d handlers ran at once, want 2", m)
		}
		if !throttle && m <= 2 {
			t.Fatalf("not throttled: at most %d handlers ran at once, want more than 2", m)
		}
	}
}
