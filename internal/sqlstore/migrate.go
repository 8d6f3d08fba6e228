package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + string(db.Dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", name)
		}
		b, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must be 1, 2, 3 … without gaps", m.name)
		}
	}
	return out, nil
}

// Migrate applies every embedded migration not yet applied, each in its own transaction,
// and returns the versions applied. Migrations are forward-only.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	return db.migrateTo(ctx, 0)
}

// migrateTo applies the migrations up to version upTo (0: all); upgrade tests use it to build
// a database as an older release left it.
func (db *DB) migrateTo(ctx context.Context, upTo int) ([]int, error) {
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	ms, err := db.migrations()
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		if upTo > 0 && m.version > upTo {
			break
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			if db.Dialect == Postgres {
				// Serialise concurrent migrators (several nodes starting at once).
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7201)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, FormatTime(nowUTC())); err != nil {
				return err
			}
			applied = append(applied, m.version)
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// SchemaStatus reports the applied and the latest known migration version.
func (db *DB) SchemaStatus(ctx context.Context) (applied, latest int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	latest = len(ms)
	err = db.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied)
	return applied, latest, err
}
