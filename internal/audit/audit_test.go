package audit

import (
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: time.Date(2026, 11, 28, 10, 0, i, 0, time.UTC), Actor: "system", Action: "test", Detail: "{}", PrevHash: prev}
		e.Hash = ComputeHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(es []Entry, headSeq int64, headHash string) error {
	v := NewVerifier()
	for _, e := range es {
		if err := v.Check(e); err != nil {
			return err
		}
	}
	return v.Finish(headSeq, headHash)
}

func TestChain(t *testing.T) {
	es := chain(5)
	if err := verify(es, 5, es[4].Hash); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	altered := chain(5)
	altered[2].Detail = `{"x":1}`
	if err := verify(altered, 5, altered[4].Hash); err == nil {
		t.Fatal("altered entry verified")
	}
	removed := append(chain(5)[:2], chain(5)[3:]...)
	if err := verify(removed, 5, es[4].Hash); err == nil {
		t.Fatal("removed entry verified")
	}
	if err := verify(es[:4], 5, es[4].Hash); err == nil {
		t.Fatal("truncated log verified")
	}
}
