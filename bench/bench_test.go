package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lastLine is the format of the summary line `rathaus bench` ends with.
var lastLine = regexp.MustCompile(`^submit_rps=[0-9]+ submit_p99_ms=[0-9]+(\.[0-9]+)? ratio=[0-9]+(\.[0-9]+)? deliver_rps=([0-9]+|n/a) browse_p99_ms=[0-9]+(\.[0-9]+)? rss_mb=[0-9]+$`)

// TestRunSQLite runs the harness for a short while on SQLite and checks what it writes: the
// JSON file and latest.json with every phase filled in, and the table ending with the
// summary line. It does not assert the targets; the benchmark reports them.
func TestRunSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the application under load for a few seconds")
	}
	out := t.TempDir()
	rep, err := Run(t.Context(), Options{Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond, WarmData: 300 * time.Millisecond, Drain: 500 * time.Millisecond, Concurrency: 4, BrowseClients: 4,
		Out: out, TempDir: t.TempDir(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Print(&buf, rep)
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !lastLine.MatchString(last) {
		t.Fatalf("last line %q does not have the summary format", last)
	}
	if !strings.Contains(buf.String(), "baseline") || !strings.Contains(buf.String(), "submit") {
		t.Fatalf("table lacks phases:\n%s", buf.String())
	}

	b, err := os.ReadFile(filepath.Join(out, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "bench-*.json"))
	if len(files) != 1 {
		t.Fatalf("timestamped result files: %v", files)
	}
	var got struct {
		Databases []struct {
			Database  string  `json:"database"`
			IdleRSSMB float64 `json:"idle_rss_mb"`
			PeakRSSMB float64 `json:"peak_rss_mb"`
			Ratio     float64 `json:"ratio"`
			Warmup    Phase   `json:"warmup"`
			Baseline  Phase   `json:"baseline"`
			Submit    Phase   `json:"submit"`
			Browse    Phase   `json:"browse"`
			Deliver   Phase   `json:"deliver"`
			Drain     Phase   `json:"drain"`
		} `json:"databases"`
		Summary map[string]any `json:"summary"`
		Targets map[string]any `json:"targets"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Databases) != 1 || got.Databases[0].Database != "sqlite" {
		t.Fatalf("databases: %+v", got.Databases)
	}
	d := got.Databases[0]
	for _, p := range []Phase{d.Baseline, d.Submit, d.Browse} {
		if p.OK == 0 || p.RPS <= 0 || p.P99ms <= 0 || p.P50ms > p.P99ms {
			t.Errorf("phase %s: %+v", p.Name, p)
		}
		if p.Errors != 0 {
			t.Errorf("phase %s had errors: %v", p.Name, p.ErrorKinds)
		}
	}
	// The phases run on a database that has seen traffic: the warm-up's submissions and
	// their deliveries.
	if d.Warmup.OK == 0 || (!d.Deliver.NA && d.Warmup.Messages == 0) || !strings.Contains(d.Warmup.Note, "before the phases") {
		t.Errorf("warm-up: %+v", d.Warmup)
	}
	if d.IdleRSSMB <= 0 || d.PeakRSSMB <= 0 || d.Ratio <= 0 {
		t.Errorf("rss or ratio missing: %+v", d)
	}
	if !d.Deliver.NA && d.Deliver.Messages == 0 {
		t.Errorf("deliver measured nothing: %+v", d.Deliver)
	}
	// The deliver phase is an open loop at the offered rate: it knows the fan-out it measured
	// and the answers of its submissions; the drain phase follows the submit phase.
	if !d.Deliver.NA && (d.Deliver.Fanout < 1 || d.Deliver.OfferedMsgs != 3300 || d.Deliver.SubmitRPS <= 0 || d.Deliver.DelayP99ms < d.Deliver.DelayP50ms) {
		t.Errorf("deliver phase lacks its open-loop figures: %+v", d.Deliver)
	}
	// (With four clients the runner may keep up during the submit phase: no backlog left.)
	if d.Drain.Name != "drain" || d.Drain.RPS < 0 {
		t.Errorf("drain phase: %+v", d.Drain)
	}
	if !strings.Contains(buf.String(), "drain") || !strings.Contains(buf.String(), "open loop") {
		t.Errorf("table lacks the drain phase or the open-loop note:\n%s", buf.String())
	}
	for _, k := range []string{"submit_rps", "submit_p99_ms", "ratio", "deliver_rps", "browse_p99_ms", "rss_mb"} {
		if _, ok := got.Summary[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	if len(got.Targets) == 0 {
		t.Error("targets missing")
	}
}

// TestVariants checks that the generated notices vary and cover all three kinds.
func TestVariants(t *testing.T) {
	vs, err := variants(60, time.Now(), 7, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	kinds, bodies := map[string]bool{}, map[string]bool{}
	for _, v := range vs {
		kinds[v.kind] = true
		bodies[string(v.body)] = true
	}
	if len(kinds) != 3 || len(bodies) < 55 {
		t.Fatalf("%d kinds, %d distinct bodies of %d", len(kinds), len(bodies), len(vs))
	}
}
