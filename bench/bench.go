// Package bench measures Rathaus against a bare baseline in one run on one machine: the real
// application (platform.New behind an http.Server on a loopback port) on a fresh temporary
// database, a load generator in the same process, and a bare net/http handler that commits
// one single-row insert with the same durability settings as the floor of "accept and
// persist". `rathaus bench` runs it; the results go to a table, a JSON file and one summary
// line.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// EnvPostgresURL names the environment variable with a PostgreSQL server URL; when set, the
// benchmark also runs on a fresh database created there (and dropped afterwards).
const EnvPostgresURL = "RATHAUS_BENCH_POSTGRES_URL"

// Options configure a run.
type Options struct {
	Quick         bool          // short phases: the whole run finishes in under 60 s
	Duration      time.Duration // measured time per phase (ignored with Quick)
	Warmup        time.Duration // unmeasured time before each phase; 0: a default
	Drain         time.Duration // longest wait for background jobs between phases and for deliveries; 0: a default
	WarmData      time.Duration // submissions filed (and delivered) before the first phase; 0: a default
	Concurrency   int           // clients of the submit and baseline phases
	BrowseClients int           // clients of the browse phase (default 50)
	Out           string        // folder for the JSON results; empty: none written
	PostgresURL   string        // server for the PostgreSQL run; empty: SQLite only
	TempDir       string        // where the SQLite files and blobs go; empty: os.TempDir
	Version       string
	Workers       int       // background job workers of the application (default 16, as `rathaus serve`)
	DeliverMsgs   float64   // deliver phase: offered messages per second (open loop); 0: 110 % of the target
	CPUProfile    string    // when set, CPU profiles of the submit phase (there) and the deliver, browse and drain phases (….deliver.prof, ….browse.prof, ….drain.prof); PostgreSQL's as ….postgres.prof, ….postgres.deliver.prof …
	Log           io.Writer // progress lines; nil: none
}

// Targets are the goals of issue 6, reported next to the figures.
type Targets struct {
	SubmitRPS       float64 `json:"submit_rps_min"`
	SubmitP99ms     float64 `json:"submit_p99_ms_max"`
	Ratio           float64 `json:"ratio_min"`
	DeliverRPS      float64 `json:"deliver_rps_min"`
	DeliverDelayP99 float64 `json:"deliver_delay_p99_ms_max"`
	BrowseP99ms     float64 `json:"browse_p99_ms_max"`
	LoadRSSMB       float64 `json:"load_rss_mb_max"`
	IdleRSSMB       float64 `json:"idle_rss_mb_max"`
}

// DefaultTargets are the targets of issue 6 (2 cores, 32 clients, 50 browse clients).
var DefaultTargets = Targets{SubmitRPS: 1000, SubmitP99ms: 100, Ratio: 0.25, DeliverRPS: 3000, DeliverDelayP99: 2000, BrowseP99ms: 20, LoadRSSMB: 200, IdleRSSMB: 60}

// Report is the whole result, as written to JSON.
type Report struct {
	Version     string     `json:"version"`
	Started     time.Time  `json:"started"`
	Quick       bool       `json:"quick"`
	PhaseSecs   float64    `json:"phase_seconds"`
	Concurrency int        `json:"concurrency"`
	Browse      int        `json:"browse_clients"`
	Machine     Machine    `json:"machine"`
	Targets     Targets    `json:"targets"`
	Databases   []DBResult `json:"databases"`
	Summary     Summary    `json:"summary"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs         int    `json:"cpus"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	Go           string `json:"go"`
	OS           string `json:"os"`
	LoadAvgStart string `json:"loadavg_start"`
	LoadAvgEnd   string `json:"loadavg_end"`
}

// DBResult holds the phases run on one database.
type DBResult struct {
	Database  string   `json:"database"`
	IdleRSSMB float64  `json:"idle_rss_mb"`
	PeakRSSMB float64  `json:"peak_rss_mb"` // of the platform's phases (not the baseline's)
	Warmup    Phase    `json:"warmup"`      // the submissions filed (and delivered) before the phases
	Baseline  Phase    `json:"baseline"`
	Submit    Phase    `json:"submit"`
	Ratio     float64  `json:"ratio"` // submit rps / baseline rps
	Browse    Phase    `json:"browse"`
	Deliver   Phase    `json:"deliver"`
	Drain     Phase    `json:"drain"` // the hub working off the submit phase's backlog alone
	Notes     []string `json:"notes,omitempty"`
}

// Summary is the final line: the embedded default's figures.
type Summary struct {
	SubmitRPS   float64  `json:"submit_rps"`
	SubmitP99ms float64  `json:"submit_p99_ms"`
	Ratio       float64  `json:"ratio"`
	DeliverRPS  *float64 `json:"deliver_rps"` // nil: not measured (no integration hub)
	BrowseP99ms float64  `json:"browse_p99_ms"`
	RSSMB       float64  `json:"rss_mb"`
}

// Line renders the summary as the last line `rathaus bench` prints.
func (s Summary) Line() string {
	d := "n/a"
	if s.DeliverRPS != nil {
		d = fmt.Sprintf("%.0f", *s.DeliverRPS)
	}
	return fmt.Sprintf("submit_rps=%.0f submit_p99_ms=%.1f ratio=%.2f deliver_rps=%s browse_p99_ms=%.1f rss_mb=%.0f",
		s.SubmitRPS, s.SubmitP99ms, s.Ratio, d, s.BrowseP99ms, s.RSSMB)
}

func (o *Options) defaults() {
	if o.Quick {
		o.Duration = 2500 * time.Millisecond
		if o.Warmup == 0 {
			o.Warmup = 400 * time.Millisecond
		}
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = min(2*time.Second, o.Duration/5)
	}
	if o.WarmData <= 0 {
		o.WarmData = 2 * time.Second
		if o.Quick {
			o.WarmData = 500 * time.Millisecond
		}
	}
	if o.Drain <= 0 {
		o.Drain = 60 * time.Second
		if o.Quick {
			o.Drain = 3 * time.Second
		}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.BrowseClients <= 0 {
		o.BrowseClients = 50
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.DeliverMsgs <= 0 {
		o.DeliverMsgs = math.Round(1.1 * DefaultTargets.DeliverRPS)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Run runs the benchmark on SQLite and, when o.PostgresURL is set, on PostgreSQL, and writes
// the JSON results to o.Out.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	rep := &Report{Version: o.Version, Started: time.Now().UTC().Truncate(time.Second), Quick: o.Quick, PhaseSecs: o.Duration.Seconds(),
		Concurrency: o.Concurrency, Browse: o.BrowseClients, Targets: DefaultTargets,
		Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadAvgStart: loadAvg()}}

	kinds := []sqlstore.Dialect{sqlstore.SQLite}
	if o.PostgresURL != "" {
		kinds = append(kinds, sqlstore.Postgres)
	}
	for _, k := range kinds {
		r, err := runOn(ctx, o, k)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", k, err)
		}
		rep.Databases = append(rep.Databases, *r)
	}
	rep.Machine.LoadAvgEnd = loadAvg()
	e := rep.Databases[0]
	rep.Summary = Summary{SubmitRPS: e.Submit.RPS, SubmitP99ms: e.Submit.P99ms, Ratio: e.Ratio, BrowseP99ms: e.Browse.P99ms, RSSMB: e.PeakRSSMB}
	if !e.Deliver.NA {
		v := e.Deliver.RPS
		rep.Summary.DeliverRPS = &v
	}
	if o.Out != "" {
		if err := writeJSON(o.Out, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func runOn(ctx context.Context, o Options, kind sqlstore.Dialect) (*DBResult, error) {
	logf := func(format string, args ...any) {
		fmt.Fprintf(o.Log, "[%s] "+format+"\n", append([]any{kind}, args...)...)
	}
	var d *database
	var err error
	if kind == sqlstore.Postgres {
		d, err = freshPostgres(ctx, o.PostgresURL)
	} else {
		d, err = freshSQLite(o.TempDir)
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := d.cleanup(); err != nil {
			logf("cleanup: %v", err)
		}
	}()
	res := &DBResult{Database: string(kind)}
	debug.FreeOSMemory() // start each database from what the previous one left returned

	logf("starting the application on a fresh database")
	blobDir, err := os.MkdirTemp(o.TempDir, "rathaus-bench-blobs-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(blobDir)
	a, err := startApp(ctx, d, blobDir, o.BrowseClients, o.Workers)
	if err != nil {
		return nil, err
	}
	defer a.stop()
	// Idle: after a collection that also returns freed memory to the system, as the
	// runtime's background scavenger does by itself within minutes in an idle server (the
	// set-up above hashed a password: argon2id takes 32 MB for a moment).
	debug.FreeOSMemory()
	res.IdleRSSMB = rssMB()

	pool, err := variants(240, time.Now(), 1, func(raw []byte) error {
		_, errs, _ := gewerbe.Check(raw, gewerbe.Env{Today: time.Now(), FiledWith: gewerbe.SampleFiledWith, Gemeinden: a.p.Directory, WZ: a.p.WZ})
		if len(errs) > 0 {
			return fmt.Errorf("%s %s", errs[0].Pointer, errs[0].Code)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	tr := newTransport(max(o.Concurrency, o.BrowseClients))
	defer tr.CloseIdleConnections()

	// Warm-up: the measured phases run on the database of an installation that has seen
	// traffic, not on empty tables (see warmUp).
	logf("warm-up: submissions for %v, their deliveries, statistics", o.WarmData)
	if res.Warmup, err = warmUp(ctx, o, a, d, tr, pool); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}

	// Baseline.
	logf("baseline: bare handler, one single-row insert per request, %d clients", o.Concurrency)
	b, err := startBaseline(ctx, d)
	if err != nil {
		return nil, err
	}
	res.Baseline = load(ctx, "baseline", o.Concurrency, o.Warmup, o.Duration, tr, postOp(b.url+"/", "", pool))
	b.stop()
	tr.CloseIdleConnections()

	// Phases that need a quiet system come first: the submit phase files submissions far
	// faster than they can be delivered and leaves a backlog of some ten thousand jobs.

	// Browse.
	logf("browse: portal pages, %d clients with sessions", o.BrowseClients)
	pages, note, err := browsePages(ctx, a, tr)
	if err != nil {
		return nil, err
	}
	stopBP := startProfile(profilePath(o.CPUProfile, kind, ".browse"), o.CPUProfile != "")
	res.Browse = load(ctx, "browse", o.BrowseClients, o.Warmup, o.Duration, tr, browseOp(a.url, a.sessions, pages))
	stopBP()
	res.Browse.Note = note
	tr.CloseIdleConnections()

	// Deliver.
	logf("deliver: submissions at a fixed rate (%.0f messages/s offered), messages to a local HTTP recipient", o.DeliverMsgs)
	stopProfile := startProfile(profilePath(o.CPUProfile, kind, ".deliver"), o.CPUProfile != "")
	res.Deliver, err = deliver(ctx, o, a, tr, pool)
	stopProfile()
	if errors.Is(err, errNoHub) {
		res.Deliver = Phase{Name: "deliver", NA: true, Note: "n/a (integration hub not available)"}
	} else if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	tr.CloseIdleConnections()

	// Submit: the full path, at full concurrency.
	logf("submit: POST /api/v1/submissions, %d clients", o.Concurrency)
	stopProfile = startProfile(profilePath(o.CPUProfile, kind, ""), o.CPUProfile != "")
	res.Submit = load(ctx, "submit", o.Concurrency, o.Warmup, o.Duration, tr, postOp(a.url+"/api/v1/submissions", a.token, pool))
	stopProfile()
	if res.Baseline.RPS > 0 {
		res.Ratio = round(res.Submit.RPS/res.Baseline.RPS, 3)
	}
	tr.CloseIdleConnections()

	// Drain: how fast the hub works off the submit phase's backlog alone (bounded).
	if a.recv != nil {
		logf("drain: the submit phase's backlog, nothing else running")
		stopDP := startProfile(profilePath(o.CPUProfile, kind, ".drain"), o.CPUProfile != "")
		res.Drain = capacity(ctx, a, o.Duration)
		stopDP()
	} else {
		res.Drain = Phase{Name: "drain", NA: true, Note: "n/a (integration hub not available)"}
	}

	// The platform's peak: the baseline phase's row shows its own, which adds a second
	// database (for SQLite a second 32 MB page cache) that is not part of the platform.
	for _, p := range []Phase{res.Submit, res.Browse, res.Deliver, res.Drain} {
		res.PeakRSSMB = max(res.PeakRSSMB, p.PeakRSSMB)
	}
	return res, nil
}

// postOp posts the pooled bodies round-robin; success is 201.
func postOp(url, token string, pool []request) op {
	return func(ctx context.Context, c *client) (bool, string) {
		r := pool[(c.id*37+c.n)%len(pool)]
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		code, kind := send(c, req)
		if code == http.StatusCreated {
			return true, ""
		}
		if kind == "" {
			kind = statusKind(code)
		}
		return false, kind
	}
}

// browsePages returns, per session, the pages a client cycles through: the start page, the
// catalog search and a form step of the Gewerbeanmeldung. The form step is the draft step
// /antrag/neu redirects to; where the form pages do not exist, the service page with a
// postcode (Zuständigkeitsfinder) and the account page stand in, and note says so.
func browsePages(ctx context.Context, a *app, tr *http.Transport) ([][]string, string, error) {
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: noRedirect}
	var out [][]string
	note := "pages: /, /leistungen?q=Gewerbe, a draft step of the Gewerbeanmeldung (/antrag/…)"
	for _, sid := range a.sessions {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/antrag/neu?leistung=99050012104000&ags=14612000", nil)
		req.AddCookie(&http.Cookie{Name: "rathaus_session", Value: sid})
		resp, err := hc.Do(req)
		if err != nil {
			return nil, "", err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 == 3 && strings.HasPrefix(loc, "/antrag/") {
			out = append(out, []string{"/", "/leistungen?q=Gewerbe", loc})
			continue
		}
		note = "pages: /, /leistungen?q=Gewerbe, /leistungen/99050012104000?ort=01067, /konto (the /antrag form pages were not available)"
		out = append(out, []string{"/", "/leistungen?q=Gewerbe", "/leistungen/99050012104000?ort=01067", "/konto"})
	}
	return out, note, nil
}

// browseOp gets the client's pages in turn with its session cookie; success is 200.
func browseOp(base string, sessions []string, pages [][]string) op {
	return func(ctx context.Context, c *client) (bool, string) {
		ps := pages[c.id%len(pages)]
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+ps[c.n%len(ps)], nil)
		req.AddCookie(&http.Cookie{Name: "rathaus_session", Value: sessions[c.id%len(sessions)]})
		code, kind := send(c, req)
		if code == http.StatusOK {
			return true, ""
		}
		if kind == "" {
			kind = statusKind(code)
		}
		return false, kind
	}
}

// profilePath names the profile of a phase ("" for submit, ".deliver", …) on a database:
// FILE, FILE-without-.prof.deliver.prof … on SQLite; ….postgres.prof, ….postgres.deliver.prof
// … on PostgreSQL.
func profilePath(file string, kind sqlstore.Dialect, phase string) string {
	base := strings.TrimSuffix(file, ".prof")
	if kind != sqlstore.SQLite {
		base += "." + string(kind)
	}
	return base + phase + ".prof"
}

// startProfile starts a CPU profile into path when path is set and on is true; the returned
// function stops it.
func startProfile(path string, on bool) func() {
	if path == "" || !on {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func writeJSON(dir string, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	name := "bench-" + rep.Started.Format("20060102T150405Z") + ".json"
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "latest.json"), b, 0o644)
}

// Print writes the table: one block per database, then the targets.
func Print(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "Rathaus bench %s — %d CPUs (GOMAXPROCS %d), %s, load average %s → %s; %.1f s per phase, %d clients (browse: %d)\n",
		rep.Version, rep.Machine.CPUs, rep.Machine.GOMAXPROCS, rep.Machine.Go, rep.Machine.LoadAvgStart, rep.Machine.LoadAvgEnd, rep.PhaseSecs, rep.Concurrency, rep.Browse)
	fmt.Fprintln(w, "Load generator and server share the process and the cores; RSS includes the load generator.")
	for _, d := range rep.Databases {
		fmt.Fprintf(w, "\n%s  (idle RSS %.0f MB, peak RSS %.0f MB, submit/baseline %.2f)\n", d.Database, d.IdleRSSMB, d.PeakRSSMB, d.Ratio)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "phase\tclients\tok\terrors\tper s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tpeak RSS MB\t")
		for _, p := range []Phase{d.Baseline, d.Submit, d.Browse, d.Deliver, d.Drain} {
			if p.NA {
				fmt.Fprintf(tw, "%s\t\t\t\t%s\t\t\t\t\t\t\n", p.Name, "n/a")
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t\n", p.Name, p.Concurrency, p.OK, p.Errors, p.RPS, p.P50ms, p.P95ms, p.P99ms, p.MaxMs, p.PeakRSSMB)
		}
		tw.Flush()
		for _, p := range []Phase{d.Warmup, d.Baseline, d.Submit, d.Browse, d.Deliver, d.Drain} {
			if p.Note != "" {
				fmt.Fprintf(w, "  %s: %s\n", p.Name, p.Note)
			}
			if p.DelayP99ms > 0 {
				fmt.Fprintf(w, "  %s: %d messages, submit-to-delivered p50 %.1f ms, p99 %.1f ms\n", p.Name, p.Messages, p.DelayP50ms, p.DelayP99ms)
			}
			if len(p.ErrorKinds) > 0 {
				fmt.Fprintf(w, "  %s errors: %v\n", p.Name, p.ErrorKinds)
			}
		}
		for _, n := range d.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	t := rep.Targets
	fmt.Fprintf(w, "\nTargets: submit ≥ %.0f/s with p99 < %.0f ms on each database; ≥ %.0f %% of baseline; delivery ≥ %.0f msg/s with p99 submit-to-delivered < %.0f s; portal p99 < %.0f ms; RSS < %.0f MB at load, < %.0f MB idle.\n",
		t.SubmitRPS, t.SubmitP99ms, t.Ratio*100, t.DeliverRPS, t.DeliverDelayP99/1000, t.BrowseP99ms, t.LoadRSSMB, t.IdleRSSMB)
	fmt.Fprintln(w, rep.Summary.Line())
}
