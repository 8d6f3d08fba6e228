// Package blobstore keeps attachments and generated documents. The default is a folder on the
// local disk; keys are content addresses (SHA-256), so writing the same bytes twice is
// idempotent and a stored blob never changes.
package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned for a key without blob.
var ErrNotFound = errors.New("blob not found")

// Store puts and gets blobs.
type Store interface {
	Put(ctx context.Context, b []byte) (key string, err error)
	Get(ctx context.Context, key string) ([]byte, error)
}

// FS stores blobs as files under Dir/ab/abcdef….
type FS struct{ Dir string }

// Key returns the content address of b.
func Key(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (f *FS) path(key string) (string, error) {
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		return "", fmt.Errorf("invalid blob key %q", key)
	}
	return filepath.Join(f.Dir, key[:2], key), nil
}

// Put writes b durably (temporary file, fsync, rename, fsync of the folder) and returns its key.
func (f *FS) Put(ctx context.Context, b []byte) (string, error) {
	key := Key(b)
	p, _ := f.path(key)
	if _, err := os.Stat(p); err == nil {
		return key, nil
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}

// Get reads a blob.
func (f *FS) Get(ctx context.Context, key string) ([]byte, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return b, err
}
