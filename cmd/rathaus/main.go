// Command rathaus runs the Rathaus e-government platform and its administration tasks.
//
// Usage: rathaus <command> [flags]; `rathaus help` lists the commands and
// `rathaus <command> --help` explains one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // dates are German dates, whatever the host's zone database
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the platform (web, API, background jobs)", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"tenant", "list or import municipalities (tenant list | tenant import FILE)", runTenant},
		{"user", "create accounts (user create)", runUser},
		{"token", "create, list or revoke API tokens (token create | list | revoke ID)", runToken},
		{"audit", "verify the audit hash chain (audit verify)", runAudit},
		{"backup", "write a consistent snapshot of the embedded database and blobs", runBackup},
		{"restore", "restore a snapshot written by backup", runRestore},
		{"recipient", "list or change the recipient directory (recipient list | set | token)", runRecipient},
		{"delivery", "see deliveries and their attempts, replay or redirect one (delivery list | show | replay | redirect)", runDelivery},
		{"bench", "measure throughput and latency against a bare baseline (bench --quick)", runBench},
		{"version", "print the version", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Rathaus – e-government platform for all municipalities of a state.")
	fmt.Fprintln(w, "\nUsage: rathaus <command> [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'rathaus <command> --help' for the flags of a command.")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(stderr, "rathaus %s: %v\n", c.name, err)
				var ue usageError
				if errors.As(err, &ue) {
					return 2
				}
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "rathaus: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "Print the version of this binary.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rathaus %s\n", version)
	return nil
}

// newFlagSet returns a flag set whose --help prints a description and the flags.
func newFlagSet(name, desc string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("rathaus "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: rathaus %s [flags]\n\n%s\n\nFlags:\n", name, desc)
		fs.PrintDefaults()
	}
	return fs
}

// envOr returns the environment variable or def.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// dbFlags are shared by every command that opens the database.
type dbFlags struct {
	data string
	db   string
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", envOr("RATHAUS_DATA", "rathaus-data"), "folder of the embedded default: SQLite file and blobs (env RATHAUS_DATA)")
	fs.StringVar(&f.db, "db", envOr("RATHAUS_DB", ""), "database: postgres://… for PostgreSQL, a SQLite file path, or empty for DATA/rathaus.db (env RATHAUS_DB)")
}

func (f *dbFlags) dsn() string {
	if f.db != "" {
		return f.db
	}
	return strings.TrimRight(f.data, "/") + "/rathaus.db"
}

func (f *dbFlags) blobDir() string { return strings.TrimRight(f.data, "/") + "/blobs" }
