package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURL returns RATHAUS_TEST_POSTGRES_URL. It skips (or fails, see
// [RequireAll]) when it is not set. Tests that change data should use
// [FreshPostgres] instead, which gives each test a database of its own.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgresURL)
	if u == "" {
		Skip(t, EnvPostgresURL+" is not set: no PostgreSQL server for this test")
		return ""
	}
	return u
}

// FreshPostgres creates an empty database with a unique name on the server of
// RATHAUS_TEST_POSTGRES_URL and returns a URL for it. The database is dropped
// (with FORCE, so connections the test left open do not block it) in
// t.Cleanup. It skips (or fails) like [PostgresURL]; a server that is set but
// unreachable fails the test.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	if base == "" {
		return "" // only reached when t is not a *testing.T that stops on Skip
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("testenv: %s must be a postgres:// URL, got %q", EnvPostgresURL, base)
	}
	name := databaseName(t.Name())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, base, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("testenv: create database %s on %s: %v", name, redact(u), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stmt := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
		if err := adminExec(ctx, base, stmt); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})

	fresh := *u
	fresh.Path = "/" + name
	fresh.RawPath = ""
	return fresh.String()
}

// adminExec runs one statement on a short-lived connection. CREATE and DROP
// DATABASE cannot run inside a transaction, so no pool and no tx.
func adminExec(ctx context.Context, connURL, stmt string) error {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// databaseName derives a valid, unique PostgreSQL identifier (at most 63
// bytes) from the test name, so a leftover database tells which test made it.
func databaseName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	stem := b.String()
	if len(stem) > 40 {
		stem = stem[:40]
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return "t_" + stem + "_" + hex.EncodeToString(rnd[:])
}

func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}
