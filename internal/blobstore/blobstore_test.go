package blobstore

import (
	"context"
	"errors"
	"testing"
)

func TestFS(t *testing.T) {
	s := &FS{Dir: t.TempDir()}
	ctx := context.Background()
	k, err := s.Put(ctx, []byte("hallo"))
	if err != nil || k != Key([]byte("hallo")) {
		t.Fatal(k, err)
	}
	if k2, _ := s.Put(ctx, []byte("hallo")); k2 != k {
		t.Fatal("same bytes, different key")
	}
	b, err := s.Get(ctx, k)
	if err != nil || string(b) != "hallo" {
		t.Fatal(string(b), err)
	}
	if _, err := s.Get(ctx, Key([]byte("x"))); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "../../etc/passwd"); err == nil {
		t.Fatal("path traversal accepted")
	}
}
