// Package sqlstore is the only package that speaks SQL. It runs on SQLite (modernc.org/sqlite,
// pure Go, WAL, synchronous=FULL, one write connection plus a read pool) and on PostgreSQL
// (pgx) through one code path: queries are written in the portable subset with `?`
// placeholders and rebound for PostgreSQL in one place (Rebind).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	_ "modernc.org/sqlite"           // registers the "sqlite" driver
)

// Dialect names the SQL dialect of a database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open Rathaus database. Writes go through W; reads may use R (on SQLite a separate
// pool of read-only connections, so readers never wait behind the single writer).
type DB struct {
	Dialect Dialect
	W       *sql.DB
	R       *sql.DB
	DSN     string // the data source as given (for backups and messages; may hold a password)

	csrfKey []byte
	// group lets concurrent submissions, delivery attempts and job bookkeeping share one
	// transaction and one commit (groupcommit.go).
	group  txGroup
	reads  stmtCache // prepared statements of the SQLite read pool
	writes stmtCache // prepared statements of the SQLite write connection
	// tenantCount holds the number of municipalities for a short time (CountTenants).
	tenantCount countCache
	// directory is the recipient directory held between changes (DirectoryTx).
	directory directoryCache
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is a SQLite file path (created with its folder when missing).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func sqliteDSN(path string, readOnly bool) string {
	// busy_timeout first so the other pragmas wait instead of failing; synchronous=FULL so an
	// acknowledged commit survives power loss; _txlock=immediate takes the write lock at BEGIN,
	// which avoids SQLITE_BUSY upgrades in the middle of a transaction.
	q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	if readOnly {
		q += "&_pragma=query_only(1)"
	} else {
		// A group commit of 64 submissions dirties a few thousand pages of randomly keyed
		// indexes; with the default 2 MB page cache SQLite spills them to the WAL in the
		// middle of the transaction and writes many of them twice. 32 MB (allocated only
		// when used) keeps a group's pages until its commit. Statement journals (every
		// multi-row or ON CONFLICT statement inside a transaction keeps one) stay in memory
		// instead of spilling to a temporary file page by page.
		q += "&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	}
	return "file:" + path + "?" + q
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{Dialect: SQLite, W: w, R: r, DSN: path}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	// Writes have a pool of their own: the write group's leader, which holds every waiting
	// submission, attempt and claim, must never queue for a connection behind page and API
	// reads (with one shared pool of 32 it did, under 32 API clients and 16 job workers).
	w, err := sql.Open("pgx", dsn)
	if err != nil {
		db.Close()
		return nil, err
	}
	w.SetMaxOpenConns(8)
	w.SetMaxIdleConns(4)
	w.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, p := range []*sql.DB{db, w} {
		if err := p.PingContext(pctx); err != nil {
			db.Close()
			w.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
	}
	return &DB{Dialect: Postgres, W: w, R: db, DSN: dsn}, nil
}

// Close closes all connections.
func (db *DB) Close() error {
	db.reads.close()
	db.writes.close()
	err := db.W.Close()
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	return err
}

// Rebind turns `?` placeholders into the dialect's form ($1, $2 … on PostgreSQL). Question
// marks inside single-quoted literals are left alone.
func (db *DB) Rebind(q string) string { return rebind(db.Dialect, q) }

func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Tx is a write transaction. Its methods rebind queries for the dialect.
type Tx struct {
	tx *sql.Tx // SQLite
	// conn is PostgreSQL's transaction: its connection, on which inTxPostgres sends BEGIN
	// and COMMIT itself (begun and committed say how far it got).
	conn      *sql.Conn
	begun     bool
	committed bool
	d         Dialect
	audit     []pendingAudit // written at commit (AppendAudit)
	// batched are rows whose INSERT waits for the commit (PostgreSQL only, see insertRows).
	batched []*batchedInsert
	// attempts are delivery attempts waiting for the commit (PostgreSQL only, RecordAttempt).
	attempts []heldAttempt
	// later are statements waiting for the commit (PostgreSQL only, execLater).
	later []batchStmt
	// dirVersion is the recipient directory version read in this transaction (DirectoryTx);
	// 0: not read yet.
	dirVersion int64
	// idem holds the idempotency keys read with the BEGIN (txHints.idem): every hinted key,
	// with the earlier request it names, or nil when none was stored (submitTx).
	idem map[idemKey]*idemHit
	// counters are the reference counters this transaction locked, with the last number it
	// handed out; written back at commit (nextReference, counterUpdates).
	counters   map[counterKey]*heldCounter
	writes     *stmtCache // SQLite: the write connection's prepared statements
	unprepared []string   // statements run without a prepared statement (prepared after commit)
}

// Dialect returns the dialect of the transaction's database.
func (tx *Tx) Dialect() Dialect { return tx.d }

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if tx.conn != nil {
		return tx.conn.ExecContext(ctx, rebind(tx.d, q), args...)
	}
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, rebind(tx.d, q), args...)
}

// Query runs a query.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if tx.conn != nil {
		return tx.conn.QueryContext(ctx, rebind(tx.d, q), args...)
	}
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, rebind(tx.d, q), args...)
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if tx.conn != nil {
		return tx.conn.QueryRowContext(ctx, rebind(tx.d, q), args...)
	}
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, rebind(tx.d, q), args...)
}

// stmt returns the write connection's prepared statement for q bound to tx (SQLite), or nil;
// a statement not prepared yet is noted and prepared after the commit.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.writes == nil {
		return nil
	}
	st, room := tx.writes.get(q)
	if st == nil {
		if room && len(tx.unprepared) < maxStmts {
			tx.unprepared = append(tx.unprepared, q)
		}
		return nil
	}
	return tx.tx.StmtContext(ctx, st)
}

// InTx runs fn in a write transaction and commits when fn returns nil. On PostgreSQL a
// serialization failure or deadlock is retried a few times.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inTxRetried(ctx, nil, fn)
}

// inTxRetried is InTx with hints for PostgreSQL's BEGIN (txHints).
func (db *DB) inTxRetried(ctx context.Context, hints *txHints, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.inTxHinted(ctx, hints, fn)
		if err == nil || attempt >= 4 || !retryable(err) {
			return err
		}
	}
}

// txHints name what a transaction will need first, so that PostgreSQL can be asked for it
// together with the BEGIN (beginPostgres); nil: nothing.
type txHints struct {
	counters  []counterKey // reference counters to lock and read
	directory bool         // the recipient directory's version (DirectoryTx)
	idem      []idemKey    // idempotency keys to look up (submitTx)
}

// idemKey names a stored idempotency key: the principal that sent it, and the key.
type idemKey struct{ principal, key string }

// idemHit is the earlier request an idempotency key names.
type idemHit struct{ requestHash, submissionID string }

func (db *DB) inTxHinted(ctx context.Context, hints *txHints, fn func(tx *Tx) error) (err error) {
	if db.Dialect == Postgres {
		return db.inTxPostgres(ctx, hints, fn)
	}
	tx := &Tx{d: db.Dialect, writes: &db.writes}
	stx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx.tx = stx
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.execAll(ctx, tx.heldStmts()); err != nil {
		return err
	}
	if err = tx.flushAudit(ctx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if len(tx.unprepared) > 0 {
		db.prepareWrites(context.WithoutCancel(ctx), tx.unprepared)
	}
	return nil
}

// inTxPostgres runs fn in a transaction on a connection of its own, which it begins and ends
// itself rather than through database/sql's Tx, so that the BEGIN can go out with the first
// reads (beginPostgres) and the COMMIT with the last writes (flushPostgres): each round trip
// makes a group's leader wait for the server and then for a turn on a core, and a BEGIN of its
// own waited 0.8 ms at the median in the submit phase, behind the previous group's members
// writing their answers. The connection never goes back to the pool inside a transaction:
// whatever fails, the transaction is rolled back, or the connection closed.
func (db *DB) inTxPostgres(ctx context.Context, hints *txHints, fn func(tx *Tx) error) (err error) {
	tx := &Tx{d: Postgres}
	if tx.conn, err = db.W.Conn(ctx); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.conn.Close()
	defer func() {
		if !tx.committed { // an error, or a panic on its way up
			tx.abortPostgres()
		}
	}()
	if err = tx.beginPostgres(ctx, hints); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.flushPostgres(ctx); err != nil && tx.committed {
		// The COMMIT was answered: the transaction is durable, whatever failed after it.
		// The connection's state is not known, so it is not used again.
		tx.closeConn()
		return nil
	}
	return err
}

// beginPostgres sends BEGIN, with what hints (nil: nothing) name in the same pipelined batch: the recipient
// directory's version, the reference counters locked (FOR UPDATE, in a fixed order) and
// read, and the stored idempotency keys of the group's submissions (Tx.idem). A counter read so is held as if its first number had been taken (nextReference counts
// on from it and writes the last number back at commit); a counter without a row yet is
// created by nextReference as before.
func (tx *Tx) beginPostgres(ctx context.Context, hints *txHints) error {
	if hints == nil {
		hints = &txHints{}
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if hints.directory {
		b.Queue(`SELECT version FROM directory_versions WHERE name = 'recipients'`)
	}
	var keys []any
	if n := len(hints.counters); n > 0 {
		for _, k := range hints.counters {
			keys = append(keys, k.ags, k.prefix, k.year)
		}
		b.Queue(rebind(Postgres, multiRowInsert(`SELECT tenant_ags, prefix, year, last FROM reference_counters WHERE (tenant_ags, prefix, year) IN (`,
			"(?, ?, ?)", `) ORDER BY tenant_ags, prefix, year FOR UPDATE`, n)), keys...)
	}
	if n := len(hints.idem); n > 0 {
		var args []any
		for _, k := range hints.idem {
			args = append(args, k.principal, k.key)
		}
		b.Queue(rebind(Postgres, multiRowInsert(`SELECT principal, key, request_hash, submission_id FROM idempotency_keys WHERE (principal, key) IN (`, "(?, ?)", `)`, n)), args...)
	}
	return tx.sendBatch(ctx, b, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return err
		}
		tx.begun = true
		if hints.directory {
			var v int64
			if err := br.QueryRow().Scan(&v); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			tx.dirVersion = v // 0 (no row): DirectoryTx asks again and reports it
		}
		if len(keys) > 0 {
			if err := tx.readCounters(br); err != nil {
				return err
			}
		}
		if len(hints.idem) > 0 {
			return tx.readIdem(br, hints.idem)
		}
		return nil
	})
}

// readIdem reads the answer to the BEGIN batch's lookup of idempotency keys.
func (tx *Tx) readIdem(br pgx.BatchResults, keys []idemKey) error {
	tx.idem = make(map[idemKey]*idemHit, len(keys))
	for _, k := range keys {
		tx.idem[k] = nil
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k idemKey
		var h idemHit
		if err := rows.Scan(&k.principal, &k.key, &h.requestHash, &h.submissionID); err != nil {
			return err
		}
		tx.idem[k] = &h
	}
	return rows.Err()
}

// readCounters reads the answer to the BEGIN batch's lock of reference counters.
func (tx *Tx) readCounters(br pgx.BatchResults) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k counterKey
		var last int64
		if err := rows.Scan(&k.ags, &k.prefix, &k.year, &last); err != nil {
			return err
		}
		if tx.counters == nil {
			tx.counters = map[counterKey]*heldCounter{}
		}
		tx.counters[k] = &heldCounter{last: last}
	}
	return rows.Err()
}

// abortPostgres ends a transaction that did not commit. If the ROLLBACK fails the
// connection's state is unknown, so it is closed, and the pool drops it. (pgx's pool would
// also drop a connection handed back inside a transaction — the server then rolls back — but
// at the price of a new connection.)
func (tx *Tx) abortPostgres() {
	if tx.begun {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := tx.conn.ExecContext(ctx, "ROLLBACK"); err == nil {
			return
		}
	}
	tx.closeConn()
}

// closeConn closes the transaction's connection; the pool drops it (pgx's IsValid).
func (tx *Tx) closeConn() {
	_ = tx.conn.Raw(func(dc any) error {
		if c, ok := dc.(*stdlib.Conn); ok {
			return c.Close()
		}
		return nil
	})
}

func retryable(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 40001") || strings.Contains(s, "SQLSTATE 40P01")
}

// Query runs a read query on the read pool.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := db.readStmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.R.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a read query on the read pool that returns at most one row.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := db.readStmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.R.QueryRowContext(ctx, db.Rebind(q), args...)
}

// maxStmts bounds the prepared statements kept per pool (queries built with a variable
// number of placeholders would otherwise grow it without end).
const maxStmts = 512

// stmtCache holds prepared statements of one SQLite pool by query text. Parsing a statement
// costs SQLite about as much as running a point lookup or a single-row insert, and the same
// few hundred statements run all the time. PostgreSQL needs none: pgx keeps a statement
// cache per connection.
type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(q string) (*sql.Stmt, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := c.m[q]
	return st, st == nil && len(c.m) < maxStmts
}

// prepare prepares q on pool and keeps it, unless the cache is full.
func (c *stmtCache) prepare(ctx context.Context, pool *sql.DB, q string) *sql.Stmt {
	if st, room := c.get(q); st != nil || !room {
		return st
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil // the plain path reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[q]; old != nil {
		st.Close()
		return old
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// readStmt returns a prepared statement of the SQLite read pool for q, or nil.
func (db *DB) readStmt(ctx context.Context, q string) *sql.Stmt {
	if db.Dialect != SQLite {
		return nil
	}
	return db.reads.prepare(ctx, db.R, q)
}

// prepareWrites prepares on the write connection the statements a committed transaction ran
// unprepared. Inside a transaction the single write connection is taken, so statements are
// prepared after the commit and used from the next transaction on (Tx.Exec).
func (db *DB) prepareWrites(ctx context.Context, qs []string) {
	for _, q := range qs {
		db.writes.prepare(ctx, db.W, q)
	}
}

// Exec runs a single statement in its own write transaction.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.W.ExecContext(ctx, db.Rebind(q), args...)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.R.PingContext(ctx) }

// TimeFormat is how times are stored: UTC, fixed width, so text order is time order on both
// databases.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a stored time; the empty string is the zero time.
func ParseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(TimeFormat, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "constraint failed: UNIQUE")
}

// batchedInsert is one multi-row INSERT collected across a transaction: head is everything up
// to VALUES, row one row's placeholders, tail what follows the rows (ON CONFLICT …).
type batchedInsert struct {
	head, row, tail string
	args            []any
	// keys maps the conflict key of an upserted row (upsertRows) to its row number, so a
	// later upsert of the same key replaces the held row instead of adding a second one.
	keys map[string]int
}

// batchRowsPerStatement bounds the rows of one batched INSERT, which keeps the number of
// distinct statement texts (each prepared and cached by pgx) small.
const batchRowsPerStatement = 32

// insertRows inserts rows (each len(args)/n values) with one multi-row INSERT. On
// PostgreSQL, where every statement is a round trip, the rows wait for the commit and are
// written together with those of the other submissions in the group (a few statements per
// group instead of a few per submission); the commit still holds them, and an error fails
// the transaction as it would have at once. Callers must not read the rows back in the same
// transaction. On SQLite, where a statement costs no round trip, the rows are written at once.
func (tx *Tx) insertRows(ctx context.Context, head, row, tail string, args []any) error {
	return tx.holdRows(ctx, head, row, tail, 0, args)
}

// upsertRows is insertRows for an INSERT … ON CONFLICT (key) DO UPDATE of one row whose first
// keyCols values are the conflict key. PostgreSQL refuses to update one row twice in one
// statement, so when the group already holds a row with the same key, the newer row replaces
// it — what running the two upserts one after the other would have left.
func (tx *Tx) upsertRows(ctx context.Context, head, row, tail string, keyCols int, args []any) error {
	return tx.holdRows(ctx, head, row, tail, keyCols, args)
}

// holdRows implements insertRows (keyCols 0) and upsertRows.
func (tx *Tx) holdRows(ctx context.Context, head, row, tail string, keyCols int, args []any) error {
	width := strings.Count(row, "?")
	if tx.d != Postgres {
		_, err := tx.Exec(ctx, multiRowInsert(head, row, tail, len(args)/width), args...)
		return err
	}
	var b *batchedInsert
	for _, x := range tx.batched {
		if x.head == head && x.row == row && x.tail == tail {
			b = x
			break
		}
	}
	if b == nil {
		b = &batchedInsert{head: head, row: row, tail: tail}
		tx.batched = append(tx.batched, b)
	}
	if keyCols > 0 {
		key := fmt.Sprint(args[:keyCols]...)
		if i, ok := b.keys[key]; ok {
			copy(b.args[i*width:(i+1)*width], args)
			return nil
		}
		if b.keys == nil {
			b.keys = map[string]int{}
		}
		b.keys[key] = len(b.args) / width
	}
	b.args = append(b.args, args...)
	return nil
}

// placeholders returns n comma-separated placeholders, for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// multiRowInsert returns head, n copies of row separated by commas, and tail.
func multiRowInsert(head, row, tail string, n int) string {
	q := make([]byte, 0, len(head)+len(tail)+n*(len(row)+2))
	q = append(q, head...)
	for i := range n {
		if i > 0 {
			q = append(q, ", "...)
		}
		q = append(q, row...)
	}
	return string(append(q, tail...))
}

// heldStmts returns, and forgets, the statements the transaction holds for its commit that
// need no answer: the reference counters' write-backs, then the rows insertRows held back in
// the order their statements were first used, then the statements of execLater. (On SQLite
// only counters are held; rows and later statements ran at once.)
func (tx *Tx) heldStmts() []batchStmt {
	stmts := tx.counterUpdates()
	for _, b := range tx.batched {
		stmts = appendRows(stmts, b.head, b.row, b.tail, b.args)
	}
	stmts = append(stmts, tx.later...)
	tx.batched, tx.later = nil, nil
	return stmts
}

// appendRows appends the INSERTs of rows (up to batchRowsPerStatement each) to stmts.
func appendRows(stmts []batchStmt, head, row, tail string, args []any) []batchStmt {
	width := strings.Count(row, "?")
	per := batchRowsPerStatement * width
	for start := 0; start < len(args); start += per {
		chunk := args[start:min(start+per, len(args))]
		stmts = append(stmts, batchStmt{multiRowInsert(head, row, tail, len(chunk)/width), chunk})
	}
	return stmts
}

// execLater runs a statement whose result nobody needs. On PostgreSQL it waits for the
// commit and goes out in its batch after the held rows (heldStmts), so it costs no round
// trip of its own; an error fails the transaction then. Callers must not read what it
// writes in the same transaction. On SQLite it runs at once.
func (tx *Tx) execLater(ctx context.Context, q string, args ...any) error {
	if tx.conn == nil {
		_, err := tx.Exec(ctx, q, args...)
		return err
	}
	tx.later = append(tx.later, batchStmt{q, args})
	return nil
}

// flushPostgres writes what the transaction held for its commit in two pipelined batches
// and commits with the second (commitWith). Every round trip makes the group's leader wait
// twice — for the server and then, with two cores shared by the server and dozens of request
// handlers, for a turn on a core — so a group that wrote its held rows statement by
// statement spent most of its time waiting (measured: 12.7 ms of a 20 ms group for ten or so
// statements). The first carries the counters, the held rows, the statements of execLater, the UPDATEs
// of the held delivery attempts and the advance of the audit head, and reads what the
// last two return; the second carries what depends on that: the attempt and inbox rows, the
// chained audit entries and the head's new hash. Before, the attempts and the audit head
// were round trips of their own, each followed by a batch: five waits for the group's
// leader instead of two.
func (tx *Tx) flushPostgres(ctx context.Context) error {
	stmts := tx.heldStmts()
	chunks := attemptChunks(tx.attempts)
	tx.attempts = nil
	nAudit := len(tx.audit)
	if len(chunks) == 0 && nAudit == 0 {
		return tx.commitWith(ctx, stmts)
	}
	moved := make([]map[string]movedDelivery, len(chunks))
	var last int64
	var prev string
	b := &pgx.Batch{}
	queue(b, stmts...)
	for _, hs := range chunks {
		queue(b, attemptsUpdate(hs))
	}
	if nAudit > 0 {
		queue(b, batchStmt{auditHeadAdvance, []any{nAudit}})
	}
	err := tx.sendBatch(ctx, b, func(br pgx.BatchResults) error {
		if err := execResults(br, len(stmts)); err != nil {
			return err
		}
		for i := range chunks {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			moved[i] = make(map[string]movedDelivery, len(chunks[i]))
			for rows.Next() {
				var id string
				var m movedDelivery
				if err := rows.Scan(&id, &m.n, &m.status, &m.recipientID); err != nil {
					rows.Close()
					return err
				}
				moved[i][id] = m
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if nAudit > 0 {
			if err := br.QueryRow().Scan(&last, &prev); err != nil {
				return fmt.Errorf("audit head: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var after []batchStmt
	for i, hs := range chunks {
		if after, err = attemptRowStmts(after, hs, moved[i]); err != nil {
			return err
		}
	}
	if nAudit > 0 {
		after = tx.auditStmts(after, last, prev)
	}
	return tx.commitWith(ctx, after)
}

// commitWith sends stmts and the COMMIT as one pipelined batch and reports whether the
// transaction committed. A failing statement ends the batch: the COMMIT is not run, and the
// caller rolls back. A COMMIT answered with ROLLBACK (the transaction had failed before) is an
// error too.
func (tx *Tx) commitWith(ctx context.Context, stmts []batchStmt) error {
	b := &pgx.Batch{}
	queue(b, stmts...)
	b.Queue("COMMIT")
	return tx.sendBatch(ctx, b, func(br pgx.BatchResults) error {
		if err := execResults(br, len(stmts)); err != nil {
			return err
		}
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		if tag.String() != "COMMIT" {
			return fmt.Errorf("commit: the transaction was rolled back (%s)", tag.String())
		}
		tx.committed = true
		return nil
	})
}

// batchStmt is a statement held for a batch (flushPostgres, execAll).
type batchStmt struct {
	q    string
	args []any
}

// execAll runs statements in order inside tx, up to the first that fails (SQLite, where a
// statement costs no round trip; PostgreSQL sends what it holds as pipelined batches,
// flushPostgres).
func (tx *Tx) execAll(ctx context.Context, stmts []batchStmt) error {
	for _, st := range stmts {
		if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// execResults takes the results of the next n statements of a batch, which return no rows.
func execResults(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// queue adds statements to a pgx batch, with PostgreSQL placeholders.
func queue(b *pgx.Batch, stmts ...batchStmt) {
	for _, st := range stmts {
		b.Queue(rebind(Postgres, st.q), st.args...)
	}
}

// sendBatch sends b on the transaction's connection (PostgreSQL) and reads its results with
// read, which must take them in order; the batch is closed in any case, and the first error
// is returned.
func (tx *Tx) sendBatch(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: batch on a %T connection", dc)
		}
		br := c.Conn().SendBatch(ctx, b)
		if err := read(br); err != nil {
			br.Close()
			return err
		}
		return br.Close()
	})
}
