package hub_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

func rathausCLI(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("rathaus %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestKillDuringDeliveries runs the real binary, files notices and kills the process with
// SIGKILL twice while it delivers them to a real HTTP recipient. After the restarts every
// message has reached the recipient and was applied exactly once, and the audit chain
// verifies.
func TestKillDuringDeliveries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testenv.BuildRathaus(t)
	t.Run("sqlite", func(t *testing.T) { killDuringDeliveries(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { killDuringDeliveries(t, bin, testenv.FreshPostgres(t)) })
}

func killDuringDeliveries(t *testing.T, bin, pg string) {
	rs := newRecipientServer(t, time.Now)
	rs.behave = func(n int, already bool) behaviour { return slowApply }
	args := []string{"--demo=false", "--job-lease", "2s", "--push-timeout", "2s", "--workers", "8"}
	if pg != "" {
		args = append(args, "--db", pg)
	}
	srv := testenv.StartRathaus(t, bin, args...)
	data := []string{"--data", srv.DataDir}
	if pg != "" {
		data = append(data, "--db", pg)
	}
	ctx := context.Background()

	// Every recipient pushes to the test's HTTP recipient: one through the CLI, the rest
	// directly in the database (the CLI opens it the same way).
	out := rathausCLI(t, bin, append([]string{"recipient", "set", "ihk-dresden", "--connector", "http", "--endpoint", rs.URL(), "--secret", secret}, data...)...)
	if !strings.Contains(out, "updated recipient ihk-dresden") {
		t.Fatalf("recipient set: %s", out)
	}
	dsn := pg
	if dsn == "" {
		dsn = filepath.Join(srv.DataDir, "rathaus.db")
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, _ := db.ListRecipients(ctx)
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		for i := range all {
			r := all[i]
			r.Connector, r.Endpoint, r.Secret = recipient.ConnectorHTTP, rs.URL(), secret
			if err := sqlstore.SaveRecipient(ctx, tx, &r, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tok := rathausCLI(t, bin, append([]string{"token", "create", "--tenant", dresden, "--scopes", "submit,read"}, data...)...)
	tok = strings.TrimSpace(tok[strings.LastIndexByte(strings.TrimSpace(tok), '\n')+1:])

	const notices = 30
	names := gewerbe.SampleNames()
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	for i := 0; i < notices; i++ {
		raw := gewerbe.Sample(names[i%len(names)], time.Now())
		art := "anmeldung"
		for a := range leistungen {
			if bytes.Contains(raw, []byte(`"art": "`+a+`"`)) {
				art = a
			}
		}
		body := fmt.Sprintf(`{"leistung":%q,"ags":%q,"data":%s}`, leistungen[art], dresden, raw)
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/submissions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("kill-test-%d", i))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("submit %d: %d", i, resp.StatusCode)
		}
	}
	// Every delivery of every notice, written or still planned (ADR 0008).
	total, err := countDeliveries(ctx, db)
	if err != nil || total < notices*5 {
		t.Fatalf("%d deliveries for %d notices (%v)", total, notices, err)
	}
	// waitFor polls (on a ticker, with a deadline) until cond holds.
	waitFor := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.After(timeout)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for !cond() {
			select {
			case <-deadline:
				n, _ := db.CountDeliveries(ctx)
				t.Fatalf("timed out waiting for %s: deliveries %v, recipient %d requests", what, n, rs.requests())
			case <-tick.C:
			}
		}
	}
	kills := 0
	for _, frac := range []int{4, 2} {
		waitFor("deliveries in flight", 60*time.Second, func() bool { k, _ := rs.effects(); return k >= total/frac })
		srv.Kill()
		kills++
		k, _ := rs.effects()
		t.Logf("SIGKILL %d with %d of %d messages applied", kills, k, total)
		srv.Restart()
	}
	waitFor("every delivery", 90*time.Second, func() bool {
		n, err := db.CountDeliveries(ctx)
		return err == nil && n[delivery.StatusDelivered] == total
	})
	elapsed := time.Since(start)
	keys, effects := rs.effects()
	if keys != total || effects != total {
		t.Fatalf("%d deliveries, the recipient applied %d messages with %d effects", total, keys, effects)
	}
	if rs.badSig != 0 {
		t.Fatalf("%d bad signatures", rs.badSig)
	}
	out = rathausCLI(t, bin, append([]string{"audit", "verify"}, data...)...)
	if !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "references intact") {
		t.Fatalf("audit verify: %s", out)
	}
	t.Logf("%d messages of %d notices delivered exactly once across %d SIGKILLs in %s (%d requests reached the recipient, %.0f deliveries/s incl. restarts); %s",
		total, notices, kills, elapsed.Round(time.Millisecond), rs.requests(), float64(total)/elapsed.Seconds(), strings.TrimSpace(out))
}

// countDeliveries counts the deliveries of every submission, written or planned.
func countDeliveries(ctx context.Context, db *sqlstore.DB) (int, error) {
	rows, err := db.Query(ctx, `SELECT id FROM submissions`)
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	total := 0
	for _, id := range ids {
		ds, err := db.DeliveriesOf(ctx, id)
		if err != nil {
			return 0, err
		}
		total += len(ds)
	}
	return total, rows.Err()
}
