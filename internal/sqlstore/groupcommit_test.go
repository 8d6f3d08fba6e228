package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestTxGroup runs many concurrent writers through the write group: every write is committed
// exactly once, a failing write fails alone, and no caller is left waiting (a lost hand-over
// would hang the test).
func TestTxGroup(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE g (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	const writers, each = 48, 40
	bad := errors.New("refused")
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := fmt.Sprintf("%d/%d", w, i)
				err := db.group.run(ctx, db, func(ctx context.Context, tx *Tx) error {
					if i%13 == 7 {
						return bad // fails its group; must fail alone
					}
					_, err := tx.Exec(ctx, `INSERT INTO g (k) VALUES (?)`, k)
					return err
				}, nil)
				if (i%13 == 7) != errors.Is(err, bad) {
					errs <- fmt.Errorf("write %s: %v", k, err)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("writers still waiting after 60 s: a lead was lost")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM g`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range each {
		if i%13 != 7 {
			want++
		}
	}
	if n != writers*want {
		t.Fatalf("%d rows, want %d", n, writers*want)
	}
	if db.group.busy || len(db.group.queue) != 0 {
		t.Fatalf("after the last write: busy %v, %d queued", db.group.busy, len(db.group.queue))
	}
}
