package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestHelpForEveryCommand(t *testing.T) {
	if out, _, code := cli(t, "help"); code != 0 || !strings.Contains(out, "serve") {
		t.Fatalf("help: %d %s", code, out)
	}
	for _, c := range [][]string{{"serve"}, {"migrate"}, {"tenant", "list"}, {"tenant", "import"}, {"user", "create"}, {"token", "create"}, {"token", "list"}, {"token", "revoke"}, {"audit", "verify"}, {"backup"}, {"restore"}, {"version"}} {
		_, errOut, code := cli(t, append(c, "--help")...)
		if code != 0 || !strings.Contains(errOut, "Usage: rathaus "+c[0]) {
			t.Errorf("%v --help: code %d\n%s", c, code, errOut)
		}
	}
	if _, _, code := cli(t, "frobnicate"); code != 2 {
		t.Error("unknown command not a usage error")
	}
}

// TestAdminCommands seeds a data folder like serve does, then runs the administration
// commands against it: tokens, users, audit verification (also after tampering), backup and
// restore.
func TestAdminCommands(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	db, err := openAndMigrate(ctx, dbFlags{data: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	logins, err := seed(ctx, db, true, time.Now())
	if err != nil || len(logins) != 4 {
		t.Fatalf("seed: %v %v", logins, err)
	}
	again, err := seed(ctx, db, true, time.Now())
	if err != nil || len(again) != 0 {
		t.Fatalf("second seed created %v (%v)", again, err)
	}
	if err := os.MkdirAll(filepath.Join(data, "blobs", "ab"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "blobs", "ab", "doc.pdf"), []byte("%PDF-1.7 test"), 0o640); err != nil {
		t.Fatal(err)
	}

	// Token: printed as the last line; works while the database is open elsewhere.
	out, errOut, code := cli(t, "token", "create", "--data", data, "--tenant", "14713000", "--scopes", "submit,read,cases")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	tok, err := db.TokenByHash(ctx, identity.HashSecret(secret))
	if err != nil || tok.TenantAGS != "14713000" || !tok.Has(identity.ScopeCases) || tok.Has(identity.ScopeAdmin) {
		t.Fatalf("token %q: %+v %v", secret, tok, err)
	}
	for _, bad := range [][]string{{"--scopes", "root"}, {"--tenant", "123"}, {"--tenant", "99999999"}} {
		if _, _, code := cli(t, append([]string{"token", "create", "--data", data}, bad...)...); code == 0 {
			t.Errorf("token create %v accepted", bad)
		}
	}
	// Listed without its secret; revoked, it is refused at once and listed only with --revoked.
	out, errOut, code = cli(t, "token", "list", "--data", data, "--tenant", "14713000")
	if code != 0 || !strings.Contains(out, tok.ID) || !strings.Contains(out, "submit,read,cases") || strings.Contains(out, secret) || !strings.Contains(out, "1 tokens") {
		t.Fatalf("token list: %d %s %s", code, out, errOut)
	}
	if out, _, _ = cli(t, "token", "list", "--data", data, "--tenant", "14612000"); strings.Contains(out, tok.ID) {
		t.Errorf("token list of another municipality shows the token:\n%s", out)
	}
	if _, errOut, code = cli(t, "token", "revoke", "--data", data, "nosuchtoken"); code == 0 || !strings.Contains(errOut, "no token with id") {
		t.Errorf("revoking an unknown token: %d %s", code, errOut)
	}
	out, errOut, code = cli(t, "token", "create", "--data", data, "--tenant", "14713000", "--name", "leaked")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	leaked := lines[len(lines)-1]
	old, err := db.TokenByHash(ctx, identity.HashSecret(leaked))
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code = cli(t, "token", "revoke", "--data", data, old.ID); code != 0 || !strings.Contains(out, "revoked token "+old.ID+" (leaked)") {
		t.Fatalf("token revoke: %d %s %s", code, out, errOut)
	}
	if _, err := db.TokenByHash(ctx, identity.HashSecret(leaked)); err == nil {
		t.Error("a revoked token is still accepted")
	}
	if _, err := db.TokenByHash(ctx, identity.HashSecret(secret)); err != nil {
		t.Errorf("revoking one token revoked another: %v", err)
	}
	if _, errOut, code = cli(t, "token", "revoke", "--data", data, old.ID); code == 0 || !strings.Contains(errOut, "revoked already") {
		t.Errorf("revoking twice: %d %s", code, errOut)
	}
	if out, _, _ = cli(t, "token", "list", "--data", data); strings.Contains(out, old.ID) || !strings.Contains(out, tok.ID) {
		t.Errorf("token list without --revoked:\n%s", out)
	}
	if out, _, _ = cli(t, "token", "list", "--data", data, "--revoked"); !strings.Contains(out, old.ID) {
		t.Errorf("token list --revoked misses the revoked token:\n%s", out)
	}
	if _, _, code = cli(t, "token", "revoke", "--data", data); code != 2 {
		t.Errorf("token revoke without an id: code %d, want a usage error", code)
	}
	out, errOut, code = cli(t, "user", "create", "--data", data, "--email", "neu@leipzig.example", "--kind", "staff", "--tenant", "14713000")
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("user create: %s %s", out, errOut)
	}
	if _, _, code := cli(t, "user", "create", "--data", data, "--email", "neu@leipzig.example"); code == 0 {
		t.Error("duplicate user accepted")
	}
	out, _, code = cli(t, "tenant", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "418 municipalities") {
		t.Fatalf("tenant list: %s", out)
	}

	out, errOut, code = cli(t, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "references intact") {
		t.Fatalf("audit verify: %s %s", out, errOut)
	}

	backup := filepath.Join(t.TempDir(), "b.tar.gz")
	if out, errOut, code = cli(t, "backup", "--data", data, "--out", backup); code != 0 {
		t.Fatalf("backup: %s %s", out, errOut)
	}

	// Tamper with one audit row: verify must fail and name the entry.
	raw, err := sql.Open("sqlite", filepath.Join(data, "rathaus.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET action = 'harmless' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, errOut, code = cli(t, "audit", "verify", "--data", data)
	if code == 0 || !strings.Contains(errOut, "audit entry 2") {
		t.Fatalf("tampered log verified: %d %s", code, errOut)
	}
	db.Close()

	// Restore refuses to overwrite, then brings back the intact state with the blobs.
	if _, _, code := cli(t, "restore", "--data", data, backup); code == 0 {
		t.Fatal("restore overwrote without --force")
	}
	out, errOut, code = cli(t, "restore", "--data", data, "--force", backup)
	if code != 0 || !strings.Contains(out, "1 blob files") {
		t.Fatalf("restore: %s %s", out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(data, "blobs", "ab", "doc.pdf")); err != nil || string(b) != "%PDF-1.7 test" {
		t.Fatalf("blob not restored: %v", err)
	}
	if out, _, code = cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("restored chain: %s", out)
	}
	db2, err := sqlstore.Open(ctx, filepath.Join(data, "rathaus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if _, err := db2.TokenByHash(ctx, identity.HashSecret(secret)); err != nil {
		t.Fatalf("token lost in restore: %v", err)
	}
	if _, _, code := cli(t, "restore", "--data", t.TempDir(), filepath.Join(data, "rathaus.db")); code == 0 {
		t.Fatal("a non-backup file was restored")
	}
}
