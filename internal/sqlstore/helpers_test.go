package sqlstore_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// execer returns a function that runs a statement on db and fails the test on an error.
func execer(t *testing.T, db *sqlstore.DB) func(q string, args ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// insertBareSubmission inserts a minimal submission row (Dresden) for tests that need one to
// refer to.
func insertBareSubmission(t *testing.T, db *sqlstore.DB, id string) {
	t.Helper()
	ts := sqlstore.FormatTime(t0)
	execer(t, db)(`INSERT INTO submissions (id, tenant_ags, office_ags, office_id, leistung, form_id, form_version, reference, status, data, digest, created_at, updated_at)
		VALUES (?, '14612000', '14612000', 'o1', 'L', 'gewerbe-anmeldung', 1, ?, 'eingegangen', '{}', 'd', ?, ?)`, id, "GEW-14612000-2026-"+id, ts, ts)
}
