package testenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// recordingTB records Skip and Fatalf instead of stopping the goroutine, so
// the decision of Skip can be observed.
type recordingTB struct {
	testing.TB
	skipped, fatal string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skip(args ...any)                  { r.skipped = fmt.Sprint(args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestSkipFailsWhenAllRequired(t *testing.T) {
	for _, tc := range []struct {
		env       string
		wantFatal bool
	}{
		{"", false},
		{"0", false},
		{"1", true},
		{"true", true},
	} {
		t.Run("REQUIRE_ALL="+tc.env, func(t *testing.T) {
			t.Setenv(EnvRequireAll, tc.env)
			rec := &recordingTB{TB: t}
			Skip(rec, "no widget")
			if tc.wantFatal {
				if rec.fatal == "" || rec.skipped != "" || !strings.Contains(rec.fatal, "no widget") {
					t.Errorf("want a failure naming the reason, got fatal=%q skipped=%q", rec.fatal, rec.skipped)
				}
			} else if rec.skipped != "no widget" || rec.fatal != "" {
				t.Errorf("want a skip, got fatal=%q skipped=%q", rec.fatal, rec.skipped)
			}
		})
	}
}

func TestPostgresURLSkipsWhenUnset(t *testing.T) {
	t.Setenv(EnvPostgresURL, "")
	t.Setenv(EnvRequireAll, "")
	rec := &recordingTB{TB: t}
	if got := PostgresURL(rec); got != "" || rec.skipped == "" {
		t.Errorf("PostgresURL = %q, skipped=%q; want a skip", got, rec.skipped)
	}
}

func TestFreePort(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d from FreePort is not bindable: %v", p, err)
	}
	l.Close()
}

func TestDatabaseName(t *testing.T) {
	a, b := databaseName("TestX/sub-case"), databaseName("TestX/sub-case")
	if a == b {
		t.Errorf("names not unique: %q", a)
	}
	long := databaseName(strings.Repeat("TestVeryLong", 20))
	if len(long) > 63 {
		t.Errorf("name %q longer than 63 bytes", long)
	}
	if !strings.HasPrefix(a, "t_testx_sub_case_") {
		t.Errorf("name %q does not show the test name", a)
	}
}

func TestFreshPostgres(t *testing.T) {
	var dbURL string
	t.Run("create", func(t *testing.T) {
		dbURL = FreshPostgres(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatalf("connect to fresh database: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE TABLE probe (id int PRIMARY KEY)"); err != nil {
			t.Fatalf("create table: %v", err)
		}
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("fresh database should hold only the probe table: n=%d err=%v", n, err)
		}
		// Leave a second connection open: the cleanup must still drop the database.
		if _, err := pgx.Connect(ctx, dbURL); err != nil {
			t.Fatalf("second connection: %v", err)
		}
	})
	if dbURL == "" {
		return // skipped
	}
	name := dbURL[strings.LastIndex(dbURL, "/")+1:]
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after the test's cleanup", name)
	}
}

func TestMailpit(t *testing.T) {
	mp := StartMailpit(t)
	host, port := mp.SMTPAddr()
	body := "Guten Tag,\r\n\r\nbitte bestätigen Sie:\r\nhttp://127.0.0.1:1/registrieren/bestaetigen?token=abc123\r\n"
	msg := "From: rathaus@example.org\r\nTo: erika@example.org\r\nSubject: =?UTF-8?Q?Bitte_Best=C3=A4tigen?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
	if err := smtp.SendMail(net.JoinHostPort(host, strconv.Itoa(port)), nil, "rathaus@example.org", []string{"erika@example.org"}, []byte(msg)); err != nil {
		t.Fatalf("send mail to mailpit: %v", err)
	}
	got := mp.WaitFor(t, "Erika@example.org", "Bestätigen", 10*time.Second)
	if got.From != "rathaus@example.org" || len(got.To) != 1 || got.To[0] != "erika@example.org" {
		t.Errorf("addresses: from %q to %v", got.From, got.To)
	}
	if link := got.Link("http://127.0.0.1:1/registrieren/bestaetigen?token="); link != "http://127.0.0.1:1/registrieren/bestaetigen?token=abc123" {
		t.Errorf("Link = %q; text:\n%s", link, got.Text)
	}
	if all := mp.Messages(t); len(all) != 1 || all[0].ID != got.ID {
		t.Errorf("Messages = %+v", all)
	}
}

func TestMailpitWaitForTimesOut(t *testing.T) {
	mp := StartMailpit(t)
	rec := &recordingTB{TB: t}
	mp.WaitFor(rec, "nobody@example.org", "x", 300*time.Millisecond)
	if !strings.Contains(rec.fatal, "no mail to") {
		t.Errorf("WaitFor without a mail: fatal=%q", rec.fatal)
	}
}

// TestStartRathausKillRestart runs the server helpers against a stand-in
// binary (testdata/fakerathaus), so they are proven before the real
// application exists.
func TestStartRathausKillRestart(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "fakerathaus")
	build := exec.Command("go", "build", "-o", bin, "./internal/testenv/testdata/fakerathaus")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build fake: %v\n%s", err, out)
	}
	t.Setenv("RATHAUS_DB", "postgres://must-not-leak")

	s := StartRathaus(t, bin)
	if got := get(t, s.URL+"/"); got != "start 1\n" {
		t.Errorf("first start: GET / = %q", got)
	}
	if out := s.Output(); !strings.Contains(out, "base "+s.URL) || !strings.Contains(out, `RATHAUS_DB=""`) {
		t.Errorf("want --base-url %s and no RATHAUS_DB in the child; output:\n%s", s.URL, out)
	}
	s.Kill()
	if s.Running() {
		t.Fatal("still running after Kill")
	}
	if _, err := http.Get(s.URL + "/readyz"); err == nil {
		t.Fatal("server still answers after Kill")
	}
	s.Restart()
	if got := get(t, s.URL+"/"); got != "start 2\n" {
		t.Errorf("after restart (same data folder): GET / = %q", got)
	}
	if err := s.Stop(5 * time.Second); err == nil {
		// The fake dies from SIGTERM without handling it: a non-nil error is expected.
		t.Log("fake exited cleanly on SIGTERM")
	}
	if s.Running() {
		t.Error("still running after Stop")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChromiumSkipsWhenMissing(t *testing.T) {
	t.Setenv(EnvChromium, "/nonexistent/chromium")
	t.Setenv(EnvRequireAll, "")
	rec := &recordingTB{TB: t}
	if p := Chromium(rec); p != "" || rec.skipped == "" {
		t.Errorf("Chromium = %q skipped=%q", p, rec.skipped)
	}
}
