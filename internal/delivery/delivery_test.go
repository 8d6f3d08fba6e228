package delivery

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rathaus-egov/rathaus/internal/clock"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

func TestStatistikDeadline(t *testing.T) {
	for _, c := range []struct{ filed, want string }{
		{"2026-03-15", "2026-04-01"}, // Wednesday
		{"2024-03-10", "2024-04-02"}, // 1 April 2024 was Easter Monday
		{"2026-12-20", "2027-01-04"}, // Neujahr is a Friday, then the weekend
		{"2027-04-30", "2027-05-03"}, // 1 May 2027 is a Saturday
		{"2026-10-31", "2026-11-02"}, // 1 November is no holiday in Saxony (Sunday here)
		{"2009-05-31", "2009-06-02"}, // Pfingstmontag on 1 June 2009
	} {
		f, _ := time.ParseInLocation(time.DateOnly, c.filed, clock.Berlin)
		if got := StatistikDeadline(f.Add(23 * time.Hour)).Format(time.DateOnly); got != c.want {
			t.Errorf("filed %s: deadline %s, want %s", c.filed, got, c.want)
		}
	}
	// Buß- und Bettag 2026 is Wednesday 18 November.
	if d := time.Date(2026, 11, 18, 12, 0, 0, 0, clock.Berlin); WorkingDay(d) {
		t.Error("Buß- und Bettag is a holiday in Saxony")
	}
	if d := time.Date(2026, 11, 17, 12, 0, 0, 0, clock.Berlin); !WorkingDay(d) {
		t.Error("17 November 2026 is a working day")
	}
}

func TestPolicy(t *testing.T) {
	p := Policy{}.WithDefaults()
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	if p.GiveUp(t0, t0.Add(71*time.Hour), 20) || !p.GiveUp(t0, t0.Add(72*time.Hour), 20) || !p.GiveUp(t0, t0, 100) {
		t.Fatal("retry window")
	}
	run, batch, due := p.Schedule(routing.KindIHK, t0)
	if !run.Equal(t0) || batch != "" || !due.IsZero() {
		t.Fatal("non-statistics messages go at once without a deadline")
	}
	run, batch, due = p.Schedule(routing.KindStatistik, t0)
	if !run.Equal(t0) || batch != "" || due.Format(time.DateOnly) != "2026-12-01" {
		t.Fatalf("statistics at once: %s %s %s", run, batch, due)
	}
	p.StatistikMonthly = true
	run, batch, _ = p.Schedule(routing.KindStatistik, t0)
	if batch != "2026-11" || run.In(clock.Berlin).Format("2006-01-02 15:04") != "2026-12-01 06:00" {
		t.Fatalf("statistics batched: %s %s", run, batch)
	}
}

func TestDerivedIdentifiers(t *testing.T) {
	if MessageUUID("s1", "r1") != MessageUUID("s1", "r1") || MessageUUID("s1", "r1") == MessageUUID("s1", "r2") || NoticeUUID("s1") == NoticeUUID("s2") {
		t.Fatal("message UUIDs must be derived and distinct")
	}
	if ID("s1", "r1") == ID("s1", "r2") || len(ID("s1", "r1")) != 32 || IdempotencyKey("s1", "r1") != "rathaus-"+MessageUUID("s1", "r1") {
		t.Fatal("delivery ids")
	}
	d, n := Progress([]Delivery{{Status: StatusDelivered}, {Status: StatusOffered}, {Status: StatusDead}})
	if d != 1 || n != 3 {
		t.Fatal("progress")
	}
}

// TestIDsFollowTheSubmission: deliveries of a time-ordered submission id start with its
// twelve digits of milliseconds, so they sort after those of older submissions; they stay
// derived (the same pair, the same id) and distinct per recipient.
func TestIDsFollowTheSubmission(t *testing.T) {
	older, newer := "019ad1a2b3c4"+"00112233445566778899", "019ad1a2b3c5"+"ffeeddccbbaa99887766"
	var prev string
	for _, sub := range []string{older, newer} {
		for _, rec := range []string{"rec-ihk", "rec-fa", "rec-hwk"} {
			id := ID(sub, rec)
			if len(id) != 32 || id[:12] != sub[:12] || id != ID(sub, rec) {
				t.Fatalf("ID(%s, %s) = %s", sub, rec, id)
			}
			if sub == newer && id <= prev {
				t.Fatalf("%s (newer submission) sorts before %s", id, prev)
			}
			if sub == older && id > prev {
				prev = id
			}
		}
	}
	if ID(older, "a") == ID(older, "b") {
		t.Fatal("two recipients, one id")
	}
	// Other submission ids (imports, tests) keep the plain hash.
	if id := ID("s1", "r1"); id[:2] == "s1" || len(id) != 32 {
		t.Fatalf("ID(s1, r1) = %s", id)
	}
	if id := ID("ZZZZZZZZZZZZ00112233445566778899", "r1"); id[:12] == "ZZZZZZZZZZZZ" {
		t.Fatalf("a non-hex prefix was taken: %s", id)
	}
}

// TestDerivedIDsAreUUIDv5: the derived identifiers are exactly uuid.NewSHA1 of their names
// (recipients may have stored them; they must never change), also for long ids.
func TestDerivedIDsAreUUIDv5(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, p := range [][2]string{{"s1", "r1"}, {"0192a3b4c5d6e7f8a9b0c1d2e3f4a5b6", "ihk-dresden"}, {long, long}, {"", ""}} {
		sid, rid := p[0], p[1]
		if got, want := MessageUUID(sid, rid), uuid.NewSHA1(namespace, []byte("message:"+sid+":"+rid)).String(); got != want {
			t.Errorf("MessageUUID(%.20q, %.20q) = %s, want %s", sid, rid, got, want)
		}
		if got, want := NoticeUUID(sid), uuid.NewSHA1(namespace, []byte("notice:"+sid)).String(); got != want {
			t.Errorf("NoticeUUID(%.20q) = %s, want %s", sid, got, want)
		}
		u := uuid.NewSHA1(namespace, []byte("delivery:"+sid+":"+rid))
		want := hex.EncodeToString(u[:])
		if len(sid) == 32 {
			want = sid[:12] + want[12:]
		}
		if got := ID(sid, rid); got != want {
			t.Errorf("ID(%.20q, %.20q) = %s, want %s", sid, rid, got, want)
		}
	}
}
