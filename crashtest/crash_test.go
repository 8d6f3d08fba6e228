package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

const dresden = gewerbe.SampleFiledWith

var keys = map[string]string{"anmeldung": "99050012104000", "ummeldung": "99050012105000", "abmeldung": "99050012106000"}

// TestCrashDuringSubmissions sends N submissions with an Idempotency-Key each, retrying each
// until it gets an answer, while the server is killed with SIGKILL at random moments and
// restarted. Afterwards every acknowledged submission exists exactly once, reference numbers
// have no gaps, and `rathaus audit verify` passes. On both databases.
func TestCrashDuringSubmissions(t *testing.T) {
	bin := testenv.BuildRathaus(t)
	t.Run("sqlite", func(t *testing.T) { crashRun(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { crashRun(t, bin, testenv.FreshPostgres(t)) })
}

func crashRun(t *testing.T, bin, pg string) {
	var args []string
	if pg != "" {
		args = append(args, "--db", pg)
	}
	srv := testenv.StartRathaus(t, bin, append(args, "--demo=false")...)
	dataArgs := append([]string{"--data", srv.DataDir}, args...)
	token := cli(t, bin, append([]string{"token", "create", "--tenant", dresden, "--scopes", "submit,read"}, dataArgs...)...)
	token = token[strings.LastIndexByte(strings.TrimSpace(token), '\n')+1:]
	token = strings.TrimSpace(token)

	// Clients keep filing until the server has been killed at least minKills times and at least
	// minSubs submissions were acknowledged (at most maxSubs, a bound high enough that a fast
	// server does not run out of submissions before the kills: 600 once did).
	const minKills, minSubs, maxSubs = 5, 40, 5000
	today := time.Now()
	names := gewerbe.SampleNames()
	samples := make([][]byte, len(names)) // submission i files sample i mod len(names)
	for i := range samples {
		raw := gewerbe.Sample(names[i], today)
		var a struct{ Art string }
		_ = json.Unmarshal(raw, &a)
		samples[i] = []byte(fmt.Sprintf(`{"leistung":%q,"ags":%q,"data":%s}`, keys[a.Art], dresden, raw))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stopKiller := make(chan struct{})
	killerDone := make(chan int)
	var killCount sync.Mutex
	kills := 0
	go func() {
		r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		for {
			select {
			case <-stopKiller:
				killCount.Lock()
				k := kills
				killCount.Unlock()
				killerDone <- k
				return
			case <-time.After(time.Duration(50+r.IntN(300)) * time.Millisecond):
			}
			srv.Kill()
			killCount.Lock()
			kills++
			killCount.Unlock()
			srv.Restart()
		}
	}()

	acks := make([]ack, maxSubs)
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next, acked := 0, 0
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		killCount.Lock()
		k := kills
		killCount.Unlock()
		if next >= maxSubs || (k >= minKills && next >= minSubs) {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := take()
				if !ok {
					return
				}
				if submitUntilAnswered(t, ctx, client, srv.URL, token, i, samples[i%len(samples)], &acks[i]) {
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(stopKiller)
	nKills := <-killerDone
	n := next
	t.Logf("%d submissions (%d acknowledged) across %d SIGKILLs", n, acked, nKills)
	if nKills < minKills {
		t.Fatalf("only %d kills: the test did not exercise crashes", nKills)
	}
	if acked != n {
		t.Fatalf("%d of %d submissions never acknowledged", n-acked, n)
	}
	acks = acks[:n]
	if !srv.Running() {
		srv.Restart()
	}
	verify(t, srv, bin, client, token, pg, dataArgs, acks)
}

type ack struct{ ID, Reference string }

// submitUntilAnswered files one submission, retrying with the same Idempotency-Key until the
// server answers 201.
func submitUntilAnswered(t *testing.T, ctx context.Context, client *http.Client, url, token string, i int, body []byte, out *ack) bool {
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			t.Errorf("submission %d: no answer before the deadline", i)
			return false
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", url+"/api/v1/submissions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("crash-%d", i))
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 201 {
				var a ack
				if err := json.Unmarshal(b, &a); err == nil && a.ID != "" {
					*out = a
					return true
				}
			} else if resp.StatusCode < 500 {
				t.Errorf("submission %d: status %d %s", i, resp.StatusCode, b)
				return false
			}
		}
		select { // back off a little: the server is restarting
		case <-ctx.Done():
		case <-time.After(time.Duration(20*(attempt+1)) * time.Millisecond):
		}
	}
}

func verify(t *testing.T, srv *testenv.Server, bin string, client *http.Client, token, pg string, dataArgs []string, acks []ack) {
	n := len(acks)
	// Every acknowledged submission exists, with the reference it was acknowledged with.
	for i, a := range acks {
		if a.ID == "" {
			continue // reported above
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/submissions/"+a.ID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got ack
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != 200 || got.Reference != a.Reference {
			t.Errorf("submission %d (%s): status %d, reference %q", i, a.Reference, resp.StatusCode, got.Reference)
		}
	}
	if err := srv.Stop(20 * time.Second); err != nil {
		t.Logf("stop: %v", err)
	}

	// Exactly once, no gaps.
	dsn := pg
	if dsn == "" {
		dsn = filepath.Join(srv.DataDir, "rathaus.db")
	}
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(context.Background(), `SELECT reference FROM submissions ORDER BY reference`)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		refs = append(refs, r)
	}
	rows.Close()
	if len(refs) != n {
		t.Fatalf("%d submissions stored, want exactly %d", len(refs), n)
	}
	sort.Strings(refs)
	year := time.Now().Year()
	for i, r := range refs {
		if want := fmt.Sprintf("GEW-%s-%d-%06d", dresden, year, i+1); r != want {
			t.Fatalf("reference %d is %s, want %s (gap or duplicate)", i, r, want)
		}
	}
	if out := cli(t, bin, append([]string{"audit", "verify"}, dataArgs...)...); !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "references intact") {
		t.Fatalf("audit verify: %s", out)
	}
}

func cli(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rathaus %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
