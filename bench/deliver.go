package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// receiver is the local HTTP recipient every recipient of the directory pushes to during the
// benchmark: it answers 204 at once and notes when each message arrived.
type receiver struct {
	url  string
	stop func()

	mu   sync.Mutex
	msgs []arrival
}

type arrival struct {
	recipient, messageID string
	at                   time.Time
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /r/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a := arrival{recipient: r.PathValue("id"), messageID: r.Header.Get("X-Rathaus-Message-Id"), at: time.Now()}
		rc.mu.Lock()
		rc.msgs = append(rc.msgs, a)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	rc.stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-done
	}
	return rc, nil
}

// take returns the arrivals so far and forgets them.
func (rc *receiver) take() []arrival {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.msgs
	rc.msgs = nil
	return out
}

// pushToReceiver points every recipient of the directory at the receiver (HTTP push with an
// HMAC secret) and returns how many there are; 0 means there is no integration hub.
func pushToReceiver(ctx context.Context, db *sqlstore.DB, rc *receiver, now time.Time) (int, error) {
	rs, err := db.ListRecipients(ctx)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		for i := range rs {
			r := &rs[i]
			r.Connector, r.Endpoint, r.Secret = recipient.ConnectorHTTP, rc.url+"/r/"+r.ID, "bench-hmac-secret"
			if err := sqlstore.SaveRecipient(ctx, tx, r, now); err != nil {
				return err
			}
		}
		return nil
	})
	return len(rs), err
}

// deliver measures end-to-end delivery at a fixed offered load (open loop): submissions are
// filed at a steady rate chosen so that their messages add up to o.DeliverMsgs per second
// (the fan-out, messages per submission, is measured first with a few probe submissions),
// whether or not earlier ones have been answered, for the phase's duration; then the phase
// waits (bounded by o.Drain) until every message of them has arrived. Throughput is the
// messages of this phase's submissions received per second, from the first submission to
// the last message; the delay is from the 201 of a submission to the arrival of each of its
// messages. A pipeline that cannot keep up shows as a growing delay and as messages still
// queued at the end (errors), not as a lower offered rate. Earlier backlog is drained first.
func deliver(ctx context.Context, o Options, a *app, tr *http.Transport, pool []request) (Phase, error) {
	if a.recv == nil {
		return Phase{}, errNoHub
	}
	backlog := a.drain(ctx, o.Drain)
	a.recv.take()

	// Fan-out: probe submissions, one at a time, and the deliveries they created.
	before, err := totalDeliveries(ctx, a)
	if err != nil {
		return Phase{}, err
	}
	const probes = 24
	pc := &client{id: 1000, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	filedProbes := 0
	for range probes {
		if ok, _, _ := submitID(ctx, pc, a, pool); ok {
			filedProbes++
		}
		pc.n++
	}
	after, err := totalDeliveries(ctx, a)
	if err != nil {
		return Phase{}, err
	}
	if filedProbes == 0 || after == before {
		return Phase{}, fmt.Errorf("probe submissions created no deliveries (%d filed)", filedProbes)
	}
	fanout := float64(after-before) / float64(filedProbes)
	a.drain(ctx, o.Drain)
	a.recv.take()

	rate := o.DeliverMsgs / fanout // submissions per second
	interval := time.Duration(float64(time.Second) / rate)
	var mu sync.Mutex
	filed := map[string]time.Time{}
	var lat []time.Duration
	errs := map[string]int{}
	sem := make(chan struct{}, 512) // in flight at most; beyond that the generator waits (counted)
	late := 0
	var wg sync.WaitGroup
	resetPeakRSS()
	start := time.Now()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(start.Add(o.Duration)) || ctx.Err() != nil {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		default:
			late++
			sem <- struct{}{}
		}
		wg.Add(1)
		go func(c *client) {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			ok, kind, id := submitID(ctx, c, a, pool)
			done := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if ok {
				filed[id] = done
				lat = append(lat, done.Sub(t0))
			} else {
				errs[kind]++
			}
		}(&client{id: i, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}})
	}
	wg.Wait()
	offeredFor := time.Since(start)
	// Wait until every delivery of these submissions has left the queue (or time is up).
	deadline := time.Now().Add(o.Drain)
	pending := 0
	for {
		counts, err := a.db.CountDeliveries(ctx)
		if err != nil {
			return Phase{}, err
		}
		pending = counts[delivery.StatusQueued] + counts[delivery.StatusRetrying]
		if pending == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	peak := peakRSSMB()
	arrivals := a.recv.take()

	// Map message ids back to submissions: ids are derived from submission and recipient.
	recipients := map[string]bool{}
	for _, m := range arrivals {
		recipients[m.recipient] = true
	}
	subOf := map[string]string{}
	for id := range filed {
		for r := range recipients {
			subOf[delivery.MessageUUID(id, r)] = id
		}
	}
	var delays []time.Duration
	var first, last time.Time
	for _, m := range arrivals {
		if id, ok := subOf[m.messageID]; ok {
			delays = append(delays, m.at.Sub(filed[id]))
			if first.IsZero() || m.at.Before(first) {
				first = m.at
			}
			if m.at.After(last) {
				last = m.at
			}
		}
	}
	// Throughput is counted from the first message to the last: a pipeline that keeps up
	// receives at the offered rate; one that falls behind stretches the span.
	p := summarize("deliver", 0, last.Sub(first), delays, nil)
	if s := last.Sub(first).Seconds(); s > 0 {
		p.RPS = round(float64(len(delays))/s, 1)
	}
	p.Messages, p.DelayP50ms, p.DelayP99ms = len(delays), p.P50ms, p.P99ms
	p.OfferedMsgs, p.Fanout = round(o.DeliverMsgs, 0), round(fanout, 2)
	sp50, _, sp99, _ := percentiles(lat)
	p.SubmitRPS, p.SubmitP50ms, p.SubmitP99ms = round(float64(len(filed))/offeredFor.Seconds(), 1), sp50, sp99
	p.Errors = pending
	for _, v := range errs {
		p.Errors += v
	}
	p.ErrorKinds = errs
	if pending > 0 {
		p.ErrorKinds[fmt.Sprintf("deliveries still queued %.0f s after the last submission", o.Drain.Seconds())] = pending
	}
	if len(p.ErrorKinds) == 0 {
		p.ErrorKinds = nil
	}
	p.PeakRSSMB = peak
	p.Note = fmt.Sprintf("open loop: %.0f submissions/s offered for %.1f s (fan-out %.2f messages each, measured = %.0f messages/s offered), %d filed (answers p50 %.1f ms, p99 %.1f ms)",
		rate, o.Duration.Seconds(), fanout, o.DeliverMsgs, len(filed), sp50, sp99)
	if late > 0 {
		p.Note += fmt.Sprintf("; %d submissions started late (512 in flight)", late)
	}
	if backlog > 0 {
		p.Note += fmt.Sprintf("; %d jobs of earlier phases were still queued at the start", backlog)
	}
	p.Note += "; per s = messages of these submissions received per second from the first to the last, latency = submit-to-delivered"
	return p, nil
}

// totalDeliveries counts deliveries in every state.
func totalDeliveries(ctx context.Context, a *app) (int, error) {
	counts, err := a.db.CountDeliveries(ctx)
	n := 0
	for _, v := range counts {
		n += v
	}
	return n, err
}

// capacity measures how fast the hub works off a backlog with nothing else running: the
// messages the recipient receives per second while the queue left by the submit phase drains,
// for at most window. It reports the rate, not a latency.
func capacity(ctx context.Context, a *app, window time.Duration) Phase {
	a.recv.take()
	start := time.Now()
	left := a.drain(ctx, window)
	elapsed := time.Since(start)
	n := len(a.recv.take())
	p := Phase{Name: "drain", Seconds: round(elapsed.Seconds(), 2), OK: n, Messages: n, PeakRSSMB: peakRSSMB()}
	if elapsed > 0 {
		p.RPS = round(float64(n)/elapsed.Seconds(), 1)
	}
	p.Note = fmt.Sprintf("the submit phase's backlog worked off with no other load: %d messages in %.1f s; %d jobs left", n, elapsed.Seconds(), left)
	return p
}

// submitID files one submission and returns the id from the 201 answer.
func submitID(ctx context.Context, c *client, a *app, pool []request) (bool, string, string) {
	r := pool[(c.id*37+c.n)%len(pool)]
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/api/v1/submissions", bytes.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return false, "transport: " + shortErr(err), ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		_, _ = io.Copy(io.Discard, resp.Body)
		return false, statusKind(resp.StatusCode), ""
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ID == "" {
		return false, "bad 201 body", ""
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return true, "", out.ID
}
