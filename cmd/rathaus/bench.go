package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/rathaus-egov/rathaus/bench"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", `Measure the platform against a bare baseline on this machine, in one process: the real
application on a fresh temporary SQLite database (and on PostgreSQL when
`+bench.EnvPostgresURL+` names a server; a fresh database is created there and dropped)
after a warm-up (submissions for 2 s, 0.5 s with --quick, and their deliveries; then
ANALYZE on PostgreSQL, as autovacuum would do within a minute), a bare handler committing
one single-row insert with the same durability settings, the submission API at fixed
concurrency, portal pages with 50 clients, delivery to a local HTTP recipient at a fixed
offered load (submissions filed at a steady rate whose messages add up to --deliver-rate
per second; delay from submit to delivered), and how fast the backlog the submit phase
leaves is worked off with nothing else running (drain). Prints a table and, as the last
line, the embedded default's summary; writes the same as JSON to OUT (a timestamped file
and latest.json).`, stderr)
	quick := fs.Bool("quick", false, "short phases: the whole run takes under 60 s")
	dur := fs.Duration("duration", 10*time.Second, "measured time per phase (ignored with --quick)")
	conc := fs.Int("concurrency", 32, "clients of the submit and baseline phases")
	workers := fs.Int("workers", 16, "background job workers of the application under test (as serve --workers)")
	rate := fs.Float64("deliver-rate", math.Round(1.1*bench.DefaultTargets.DeliverRPS), "messages per second offered in the deliver phase (open loop)")
	out := fs.String("out", "bench/results", "folder for the JSON results; empty: none")
	cpuprofile := fs.String("cpuprofile", "", "write CPU profiles of the submit phase (FILE) and of the deliver, browse and drain phases (FILE without .prof + .deliver.prof, .browse.prof, .drain.prof); on PostgreSQL FILE without .prof + .postgres.prof, .postgres.deliver.prof …")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments: " + fmt.Sprint(fs.Args())}
	}
	if *conc <= 0 || *dur <= 0 || *rate <= 0 {
		return usageError{"--concurrency, --duration and --deliver-rate must be positive"}
	}
	rep, err := bench.Run(ctx, bench.Options{Quick: *quick, Duration: *dur, Concurrency: *conc, Out: *out,
		PostgresURL: os.Getenv(bench.EnvPostgresURL), Version: version, CPUProfile: *cpuprofile, DeliverMsgs: *rate, Workers: *workers, Log: stderr})
	if err != nil {
		return err
	}
	bench.Print(stdout, rep)
	return nil
}
