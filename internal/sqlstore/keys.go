package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// EnsureKeys loads the platform's secret keys, creating them on first start. All nodes of an
// installation share them through the database.
func (db *DB) EnsureKeys(ctx context.Context) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	ins := `INSERT INTO platform_keys (name, value, created_at) VALUES ('csrf', ?, ?) ON CONFLICT (name) DO NOTHING`
	if _, err := db.Exec(ctx, ins, hex.EncodeToString(b), FormatTime(nowUTC())); err != nil {
		return fmt.Errorf("platform keys: %w", err)
	}
	var v string
	if err := db.QueryRow(ctx, `SELECT value FROM platform_keys WHERE name = 'csrf'`).Scan(&v); err != nil {
		return fmt.Errorf("platform keys: %w", err)
	}
	k, err := hex.DecodeString(v)
	if err != nil {
		return fmt.Errorf("platform keys: %w", err)
	}
	db.csrfKey = k
	return nil
}

// CSRFKey returns the key CSRF tokens are derived with (EnsureKeys must have run).
func (db *DB) CSRFKey() []byte {
	if db.csrfKey == nil {
		panic("sqlstore: EnsureKeys was not called")
	}
	return db.csrfKey
}
