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

// deliver measures end-to-end delivery: submissions are filed at full concurrency for the
// phase's duration, then the phase waits (bounded) until no delivery is queued or retrying.
// Throughput is messages received by the local recipient per second from the first submission
// to the last message; the delay is from the 201 of a submission to the arrival of each of
// its messages. Submissions of earlier phases are drained first, and their late messages are
// not counted.
func deliver(ctx context.Context, o Options, a *app, tr *http.Transport, pool []request) (Phase, error) {
	if a.recv == nil {
		return Phase{}, errNoHub
	}
	waitFor := o.Drain
	backlog := a.drain(ctx, waitFor)
	a.recv.take()

	var mu sync.Mutex
	filed := map[string]time.Time{}
	op := func(ctx context.Context, c *client) (bool, string) {
		ok, kind, id := submitID(ctx, c, a, pool)
		if ok {
			mu.Lock()
			filed[id] = time.Now()
			mu.Unlock()
		}
		return ok, kind
	}
	start := time.Now()
	sp := load(ctx, "deliver", o.Concurrency, 0, o.Duration, tr, op)
	// Wait until every delivery of these submissions has left the queue (or time is up).
	deadline := time.Now().Add(waitFor)
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
		time.Sleep(50 * time.Millisecond)
	}
	peak := max(sp.PeakRSSMB, peakRSSMB())
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
	last := start
	for _, m := range arrivals {
		if m.at.After(last) {
			last = m.at
		}
		if id, ok := subOf[m.messageID]; ok {
			delays = append(delays, m.at.Sub(filed[id]))
		}
	}
	// Throughput counts every message the recipient received while the phase ran (the
	// delivery pipeline's rate under submit load, whichever submission a message belongs
	// to); the delay percentiles cover the messages of this phase's submissions.
	p := summarize("deliver", o.Concurrency, last.Sub(start), delays, nil)
	if s := last.Sub(start).Seconds(); s > 0 {
		p.RPS = round(float64(len(arrivals))/s, 1)
	}
	p.Messages, p.DelayP50ms, p.DelayP99ms = len(arrivals), p.P50ms, p.P99ms
	p.Errors = pending + sp.Errors
	p.ErrorKinds = sp.ErrorKinds
	if pending > 0 {
		if p.ErrorKinds == nil {
			p.ErrorKinds = map[string]int{}
		}
		p.ErrorKinds[fmt.Sprintf("deliveries still queued %.0f s after the last submission", waitFor.Seconds())] = pending
	}
	p.PeakRSSMB = peak
	p.Note = noteDeliver(len(filed), backlog) + fmt.Sprintf("; the recipient received %d messages, %d of them for this phase's submissions (ok column; the delay columns cover these)", len(arrivals), len(delays))
	return p, nil
}

func noteDeliver(subs, backlog int) string {
	s := fmt.Sprintf("per s = messages received per second; latency = submit-to-delivered; %d submissions filed", subs)
	if backlog > 0 {
		s += fmt.Sprintf("; %d jobs of earlier phases were still queued at the start", backlog)
	}
	return s
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
