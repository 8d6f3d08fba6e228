package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Phase is the result of one measured scenario.
type Phase struct {
	Name        string         `json:"name"`
	Concurrency int            `json:"concurrency"`
	Seconds     float64        `json:"seconds"`
	OK          int            `json:"ok"`
	Errors      int            `json:"errors"`
	ErrorKinds  map[string]int `json:"error_kinds,omitempty"`
	RPS         float64        `json:"rps"`
	P50ms       float64        `json:"p50_ms"`
	P95ms       float64        `json:"p95_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	PeakRSSMB   float64        `json:"peak_rss_mb"`
	Messages    int            `json:"messages,omitempty"`               // deliver: messages delivered
	DelayP50ms  float64        `json:"delay_p50_ms,omitempty"`           // deliver: submit-to-delivered
	DelayP99ms  float64        `json:"delay_p99_ms,omitempty"`           // deliver: submit-to-delivered
	OfferedMsgs float64        `json:"offered_messages_per_s,omitempty"` // deliver: the open-loop load
	Fanout      float64        `json:"fanout,omitempty"`                 // deliver: messages per submission
	SubmitRPS   float64        `json:"submit_rps,omitempty"`             // deliver: submissions answered per second
	SubmitP50ms float64        `json:"submit_p50_ms,omitempty"`          // deliver: answer time of the submissions
	SubmitP99ms float64        `json:"submit_p99_ms,omitempty"`
	Note        string         `json:"note,omitempty"`
	NA          bool           `json:"not_available,omitempty"` // the phase could not run (deliver without the hub)
}

// client is one simulated client: it owns a slot in the load generator and the state it needs
// between requests (a session cookie, a form step URL …).
type client struct {
	id   int
	http *http.Client
	n    int // requests sent by this client
}

// op sends one request and reports whether it counts as a success; a non-empty kind names
// the failure (an HTTP status or a transport error).
type op func(ctx context.Context, c *client) (ok bool, kind string)

// newTransport returns a keep-alive transport sized for conc connections to one host.
func newTransport(conc int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// load runs conc clients, each sending requests one after another, for warmup (not counted)
// and then dur (counted). Latency is recorded for successful requests only.
func load(ctx context.Context, name string, conc int, warmup, dur time.Duration, tr *http.Transport, do op) Phase {
	var mu sync.Mutex
	var lat []time.Duration
	errs := map[string]int{}
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(dur)
	resetPeakRSS()
	var wg sync.WaitGroup
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{id: i, http: &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: noRedirect}}
			var mine []time.Duration
			myErrs := map[string]int{}
			for ctx.Err() == nil {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				ok, kind := do(ctx, c)
				c.n++
				if t0.Before(measureFrom) {
					continue
				}
				if ok {
					mine = append(mine, time.Since(t0))
				} else {
					myErrs[kind]++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range myErrs {
				errs[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	p := summarize(name, conc, time.Since(measureFrom), lat, errs)
	p.PeakRSSMB = peakRSSMB()
	return p
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func summarize(name string, conc int, elapsed time.Duration, lat []time.Duration, errs map[string]int) Phase {
	p := Phase{Name: name, Concurrency: conc, Seconds: round(elapsed.Seconds(), 2), OK: len(lat)}
	for _, v := range errs {
		p.Errors += v
	}
	if len(errs) > 0 {
		p.ErrorKinds = errs
	}
	if elapsed > 0 {
		p.RPS = round(float64(len(lat))/elapsed.Seconds(), 1)
	}
	p.P50ms, p.P95ms, p.P99ms, p.MaxMs = percentiles(lat)
	return p
}

// percentiles returns p50, p95, p99 and the maximum in milliseconds (nearest rank).
func percentiles(d []time.Duration) (p50, p95, p99, mx float64) {
	if len(d) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(d)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(d)))) - 1
		return ms(d[min(max(i, 0), len(d)-1)])
	}
	return at(0.50), at(0.95), at(0.99), ms(d[len(d)-1])
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 2) }

func round(x float64, digits int) float64 {
	f := math.Pow(10, float64(digits))
	return math.Round(x*f) / f
}

// send performs req and drains the body so the connection is reused; it returns the status.
func send(c *client, req *http.Request) (int, string) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "transport: " + shortErr(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, ""
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func statusKind(code int) string { return "http " + strconv.Itoa(code) }

// Memory. VmHWM is the process's peak resident set; writing 5 to clear_refs resets it (Linux
// ≥ 4.0), so each phase reports its own peak. The load generator runs in the same process, so
// the figures are an upper bound for the server alone.

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSSMB() float64 { return procStatusMB("VmHWM:") }

func rssMB() float64 { return procStatusMB("VmRSS:") }

func procStatusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return round(kb/1024, 1)
			}
		}
	}
	return 0
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
