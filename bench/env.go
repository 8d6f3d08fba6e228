package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/blobstore"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/platform"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// database is one database the benchmark runs on: a fresh temporary SQLite file or a fresh
// PostgreSQL database, removed by cleanup.
type database struct {
	kind    sqlstore.Dialect
	dsn     string // for the app
	baseDSN string // for the baseline (a separate file on SQLite, the same database on PostgreSQL)
	cleanup func() error
}

func freshSQLite(dir string) (*database, error) {
	d, err := os.MkdirTemp(dir, "rathaus-bench-*")
	if err != nil {
		return nil, err
	}
	return &database{kind: sqlstore.SQLite, dsn: filepath.Join(d, "rathaus.db"), baseDSN: filepath.Join(d, "baseline.db"),
		cleanup: func() error { return os.RemoveAll(d) }}, nil
}

// freshPostgres creates a database named rathaus_bench_<random> on the server of base and
// returns it; cleanup drops it.
func freshPostgres(ctx context.Context, base string) (*database, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("RATHAUS_BENCH_POSTGRES_URL must be a postgres:// URL")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "rathaus_bench_" + hex.EncodeToString(b)
	if err := adminExec(ctx, base, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	fresh := *u
	fresh.Path, fresh.RawPath = "/"+name, ""
	return &database{kind: sqlstore.Postgres, dsn: fresh.String(), baseDSN: fresh.String(), cleanup: func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return adminExec(ctx, base, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}}, nil
}

func adminExec(ctx context.Context, connURL, stmt string) error {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// app is the real application running on a loopback port, as `rathaus serve` runs it.
type app struct {
	db       *sqlstore.DB
	p        *platform.Platform
	url      string
	token    string // API token with scope submit for Dresden
	sessions []string
	mails    *countingSender
	recv     *receiver // the local HTTP recipient; nil without the integration hub
	stop     func()
}

// countingSender stands in for SMTP: mails are counted, not sent.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(ctx context.Context, m mail.Message) error { c.n.Add(1); return nil }
func (c *countingSender) Describe() string                               { return "bench (counted, not sent)" }

// startApp migrates the fresh database, imports the municipalities, creates a submit token and
// sessions for browse clients, and serves the platform on 127.0.0.1 with the settings of
// `rathaus serve` (8 job workers, JSON access log — written to io.Discard, but formatted).
func startApp(ctx context.Context, d *database, blobDir string, browseClients, workers int) (*app, error) {
	db, err := sqlstore.Open(ctx, d.dsn)
	if err != nil {
		return nil, err
	}
	a := &app{db: db, mails: &countingSender{}}
	fail := func(err error) (*app, error) { db.Close(); return nil, err }
	if _, err := db.Migrate(ctx); err != nil {
		return fail(err)
	}
	if err := db.EnsureKeys(ctx); err != nil {
		return fail(err)
	}
	gs, err := refdata.Gemeinden()
	if err != nil {
		return fail(err)
	}
	now := time.Now()
	if _, _, err := db.ImportTenants(ctx, gs, now); err != nil {
		return fail(err)
	}
	secret, hash := identity.NewSecret(identity.TokenPrefix)
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		return sqlstore.CreateToken(ctx, tx, &identity.Token{Name: "bench", TenantAGS: "14612000", Scopes: []identity.Scope{identity.ScopeSubmit, identity.ScopeRead}}, hash, now)
	}); err != nil {
		return fail(err)
	}
	a.token = secret
	// Browse clients are logged-in citizens. Their sessions are created directly: 50 argon2id
	// log-ins would measure the password hash, not the pages.
	pw := identity.HashPassword("bench-not-for-log-in")
	for i := range browseClients {
		u := &identity.User{Email: fmt.Sprintf("buerger%d@bench.example", i), Name: fmt.Sprintf("Bürgerin %d", i), Kind: identity.KindCitizen, PasswordHash: pw, EmailVerifiedAt: now}
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			if err := sqlstore.CreateUser(ctx, tx, u, now); err != nil {
				return err
			}
			return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "system", Action: "user.create", Object: "user:" + u.ID})
		}); err != nil {
			return fail(err)
		}
		sid, sh := identity.NewSecret("")
		csrf, _ := identity.NewSecret("")
		if err := db.CreateSession(ctx, sqlstore.Session{IDHash: sh, UserID: u.ID, CSRF: csrf, Lang: "de", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(identity.SessionIdle)}); err != nil {
			return fail(err)
		}
		a.sessions = append(a.sessions, sid)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	a.url = "http://" + ln.Addr().String()
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	platform.TuneGC() // as rathaus serve does
	p, err := platform.New(ctx, platform.Config{DB: db, Blobs: &blobstore.FS{Dir: blobDir}, Mail: a.mails, Log: log, Now: time.Now,
		BaseURL: a.url, Worker: "bench", Workers: workers, RenderDelay: time.Minute})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	a.p = p
	// Every recipient pushes to one local HTTP recipient (see deliver).
	rc, err := startReceiver()
	if err != nil {
		ln.Close()
		return fail(err)
	}
	if n, err := pushToReceiver(ctx, db, rc, now); err != nil {
		rc.stop()
		ln.Close()
		return fail(err)
	} else if n > 0 {
		a.recv = rc
	} else {
		rc.stop()
		rc = nil
	}
	hs := &http.Server{Handler: p.Web.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	jobCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.Runner.Run(jobCtx) }()
	go func() { defer wg.Done(); _ = hs.Serve(ln) }()
	a.stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		stopJobs()
		wg.Wait()
		if rc != nil {
			rc.stop()
		}
		db.Close()
	}
	return a, nil
}

// queued returns the number of jobs due and not yet done (queued and due, or running); jobs
// for later (a case's reminder in two weeks) do not count.
func (a *app) queued(ctx context.Context) int {
	q, err := a.db.QueueDepth(ctx)
	if err != nil {
		return -1
	}
	due, err := a.db.DueJobs(ctx, time.Now())
	if err != nil {
		return -1
	}
	return due + q["running"]
}

// drain waits until no job is queued or running, or until max has passed; it returns the
// number left.
func (a *app) drain(ctx context.Context, max time.Duration) int {
	deadline := time.Now().Add(max)
	for {
		n := a.queued(ctx)
		if n <= 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// baseline is the floor of "accept and persist": a bare net/http handler that decodes the
// same JSON body and commits one single-row insert on the same kind of database with the same
// durability settings (sqlstore.Open: SQLite WAL + synchronous=FULL with one writer;
// PostgreSQL with synchronous_commit on, the server default).
type baseline struct {
	db   *sqlstore.DB
	url  string
	stop func()
}

func startBaseline(ctx context.Context, d *database) (*baseline, error) {
	db, err := sqlstore.Open(ctx, d.baseDSN)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, `CREATE TABLE bench_baseline (id TEXT PRIMARY KEY, leistung TEXT NOT NULL, ags TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL)`); err != nil {
		db.Close()
		return nil, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Leistung string          `json:"leistung"`
			AGS      string          `json:"ags"`
			Data     json.RawMessage `json:"data"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := identity.NewID()
		err := db.InTx(r.Context(), func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(r.Context(), `INSERT INTO bench_baseline (id, leistung, ags, data, created_at) VALUES (?, ?, ?, ?, ?)`,
				id, req.Leistung, req.AGS, string(req.Data), sqlstore.FormatTime(time.Now()))
			return err
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"`+id+`"}`)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	return &baseline{db: db, url: "http://" + ln.Addr().String(), stop: func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-done
		if d.kind == sqlstore.Postgres {
			_, _ = db.Exec(context.Background(), `DROP TABLE bench_baseline`)
		}
		db.Close()
	}}, nil
}

var errNoHub = errors.New("integration hub not available")

// warmUp files submissions for o.WarmData at a quarter of the submit phase's concurrency,
// waits for their deliveries and gathers PostgreSQL's planner statistics.
//
// Without it every phase ran on tables that were empty a moment before. PostgreSQL plans a
// prepared statement for the size a table has when the statement is first used and keeps
// that plan on the connection until the table's statistics change; autovacuum gathers them
// within a minute (autovacuum_naptime), which a running installation is always past, but a
// bench phase is not: a delivery job's lookup of eight deliveries by primary key scanned the
// whole deliveries and jobs tables (planned for one page each), 0.8 ms and 250 buffers a
// call instead of a few. ANALYZE is what autovacuum would do; the rows it sees are the
// warm-up's. SQLite gathers no statistics by itself and the platform does not ask it to, so
// nothing is done there beyond the warm-up traffic.
func warmUp(ctx context.Context, o Options, a *app, d *database, tr *http.Transport, pool []request) (Phase, error) {
	p := load(ctx, "warmup", max(1, o.Concurrency/4), 0, o.WarmData, tr, postOp(a.url+"/api/v1/submissions", a.token, pool))
	if p.OK == 0 {
		return p, fmt.Errorf("no submission accepted (%d errors)", p.Errors)
	}
	p.Note = fmt.Sprintf("%d submissions in %.1f s before the phases", p.OK, o.WarmData.Seconds())
	if a.recv != nil {
		left := a.drain(ctx, o.Drain) // what is left joins the next phase's backlog
		p.Messages = len(a.recv.take())
		p.Note += fmt.Sprintf(", %d of their messages delivered, %d jobs left", p.Messages, left)
	}
	tr.CloseIdleConnections()
	if d.kind == sqlstore.Postgres {
		if _, err := a.db.Exec(ctx, `ANALYZE`); err != nil {
			return p, err
		}
		p.Note += ", then ANALYZE"
	}
	return p, nil
}
