package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rathaus-egov/rathaus/internal/blobstore"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/platform"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

type serveConfig struct {
	dbFlags
	listen      string
	baseURL     string
	demo        bool
	smtp        mail.SMTPConfig
	workers     int
	renderDelay time.Duration
	logLevel    string
	hub         serveHubConfig
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve", `Run the platform: portal, staff pages, API and background jobs in one process.
With no flags it uses the embedded default: ./rathaus-data/ (SQLite file + blob folder),
seeds the 418 Saxon municipalities and demo accounts on first start, and listens on
127.0.0.1:8080. Flags win over environment variables.`, stderr)
	c.dbFlags.register(fs)
	fs.StringVar(&c.listen, "listen", envOr("RATHAUS_LISTEN", "127.0.0.1:8080"), "address to listen on (env RATHAUS_LISTEN)")
	fs.StringVar(&c.baseURL, "base-url", envOr("RATHAUS_BASE_URL", ""), "public URL used in mails, e.g. https://rathaus.example (env RATHAUS_BASE_URL; default http://LISTEN)")
	demoDefault, _ := strconv.ParseBool(envOr("RATHAUS_DEMO", "true"))
	fs.BoolVar(&c.demo, "demo", demoDefault, "seed demo accounts on first start; --demo=false seeds only the municipalities (env RATHAUS_DEMO)")
	fs.StringVar(&c.smtp.Host, "smtp-host", envOr("RATHAUS_SMTP_HOST", ""), "SMTP server; empty writes mail as .eml files to DATA/mail (env RATHAUS_SMTP_HOST)")
	port, _ := strconv.Atoi(envOr("RATHAUS_SMTP_PORT", "25"))
	fs.IntVar(&c.smtp.Port, "smtp-port", port, "SMTP port (env RATHAUS_SMTP_PORT)")
	fs.StringVar(&c.smtp.User, "smtp-user", envOr("RATHAUS_SMTP_USER", ""), "SMTP user name (env RATHAUS_SMTP_USER)")
	fs.StringVar(&c.smtp.Password, "smtp-password", envOr("RATHAUS_SMTP_PASSWORD", ""), "SMTP password (env RATHAUS_SMTP_PASSWORD)")
	fs.StringVar(&c.smtp.From, "smtp-from", envOr("RATHAUS_SMTP_FROM", "rathaus@localhost"), "sender address of mails (env RATHAUS_SMTP_FROM)")
	fs.StringVar(&c.smtp.TLS, "smtp-tls", envOr("RATHAUS_SMTP_TLS", ""), "none, starttls or tls (env RATHAUS_SMTP_TLS; default starttls with a user, else none)")
	workers, _ := strconv.Atoi(envOr("RATHAUS_WORKERS", "16"))
	fs.IntVar(&c.workers, "workers", workers, "concurrent background jobs in this process; at an intake peak one at a time (env RATHAUS_WORKERS)")
	renderDelay, err := time.ParseDuration(envOr("RATHAUS_RENDER_DELAY", "1m"))
	if err != nil {
		return usageError{"RATHAUS_RENDER_DELAY: " + err.Error()}
	}
	fs.DurationVar(&c.renderDelay, "render-delay", renderDelay, "render and store a submission's PDFs this long after the commit, so bursts are accepted first; a download before renders on demand (env RATHAUS_RENDER_DELAY)")
	fs.StringVar(&c.logLevel, "log-level", envOr("RATHAUS_LOG_LEVEL", "info"), "debug, info, warn or error (env RATHAUS_LOG_LEVEL)")
	c.hub.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments: " + fmt.Sprint(fs.Args())}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usageError{"--log-level: " + err.Error()}
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	return serve(ctx, c, log, stdout)
}

func serve(ctx context.Context, c serveConfig, log *slog.Logger, stdout io.Writer) error {
	db, err := openAndMigrate(ctx, c.dbFlags, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := os.MkdirAll(c.blobDir(), 0o750); err != nil {
		return err
	}
	logins, err := seed(ctx, db, c.demo, time.Now())
	if err != nil {
		return err
	}

	var sender mail.Sender
	if c.smtp.Host != "" {
		sender = mail.NewSMTP(c.smtp)
	} else {
		sender = &mail.Folder{Dir: filepath.Join(c.data, "mail"), From: c.smtp.From}
	}
	log.Info("mail delivery", "to", sender.Describe())

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if c.baseURL == "" {
		c.baseURL = url
	}
	hostname, _ := os.Hostname()
	blobs := &blobstore.FS{Dir: c.blobDir()}
	platform.TuneGC()
	p, err := platform.New(ctx, platform.Config{DB: db, Blobs: blobs, Mail: sender, Log: log, Now: time.Now, BaseURL: c.baseURL,
		Worker: hostname + ":" + strconv.Itoa(os.Getpid()), Workers: c.workers, RenderDelay: c.renderDelay,
		Delivery: c.hub.policy, PushTimeout: c.hub.pushTimeout, JobLease: c.hub.jobLease})
	if err != nil {
		return err
	}
	runner, srv := p.Runner, p.Web
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}

	jobCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); runner.Run(jobCtx) }()
	wg.Add(1)
	go func() { defer wg.Done(); p.Maintain(jobCtx, time.Hour) }()

	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	if len(logins) > 0 {
		fmt.Fprintln(stdout, "Demo log-ins (shown once, on first start):")
		for _, l := range logins {
			fmt.Fprintf(stdout, "  %-28s %-32s %s\n", l.role, l.email, l.password)
		}
	}
	fmt.Fprintf(stdout, "Rathaus is running at %s (database: %s)\n", url, db.Dialect)
	log.Info("listening", "url", url, "base_url", c.baseURL, "dialect", db.Dialect)

	select {
	case err := <-serveErr:
		stopJobs()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing running requests and jobs")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	stopJobs()
	wg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func openAndMigrate(ctx context.Context, f dbFlags, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, f.dsn())
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 && log != nil {
		log.Info("migrated", "versions", applied)
	}
	if err := db.EnsureKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openExisting opens the database for an administration command.
func openExisting(ctx context.Context, f dbFlags) (*sqlstore.DB, error) {
	return openAndMigrate(ctx, f, nil)
}

var _ = flag.ErrHelp
