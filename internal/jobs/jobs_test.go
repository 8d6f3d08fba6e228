package jobs

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoffCoversThreeDays(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var total time.Duration
	for n := 1; n < 25; n++ {
		d := Backoff(n, r)
		if d <= 0 || d > 6*time.Hour*12/10 {
			t.Fatalf("attempt %d: delay %v out of range", n, d)
		}
		total += d
	}
	if total < 72*time.Hour {
		t.Fatalf("25 attempts span only %v, want ≥ 72h", total)
	}
}
