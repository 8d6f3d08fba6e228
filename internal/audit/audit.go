// Package audit defines the append-only, hash-chained audit log: every entry carries the
// hash of the previous one, so altering or removing a row breaks the chain from there on.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Entry is one audit event.
type Entry struct {
	Seq       int64
	At        time.Time
	Actor     string // "user:<id>", "token:<id>", "system", "anonymous"
	TenantAGS string
	Action    string // e.g. "login", "login_failed", "user.create", "submission.read"
	Object    string // e.g. "submission:<id>"
	Detail    string // JSON object, never secrets
	PrevHash  string
	Hash      string
}

// Record is what a caller appends; the store assigns Seq, PrevHash and Hash.
type Record struct {
	Actor     string
	TenantAGS string
	Action    string
	Object    string
	Detail    string
}

// ComputeHash returns the hash of an entry over all its fields and the previous hash. The
// encoding is length-prefixed so no two different entries share an input.
func ComputeHash(e Entry) string {
	h := sha256.New()
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.Actor, e.TenantAGS, e.Action, e.Object, e.Detail, e.PrevHash,
	} {
		fmt.Fprintf(h, "%d:%s|", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Verifier checks a chain entry by entry, in sequence order.
type Verifier struct {
	prevHash string
	nextSeq  int64
	Count    int64
}

// NewVerifier starts a verification at the beginning of the log.
func NewVerifier() *Verifier { return &Verifier{nextSeq: 1} }

// Check verifies the next entry. It returns an error naming the entry when the entry was
// altered, when one before it was removed or altered, or when the sequence has a gap.
func (v *Verifier) Check(e Entry) error {
	if e.Seq != v.nextSeq {
		return fmt.Errorf("audit entry %d: expected sequence number %d (an entry was removed)", e.Seq, v.nextSeq)
	}
	if e.PrevHash != v.prevHash {
		return fmt.Errorf("audit entry %d: previous-hash does not match entry %d (an earlier entry was altered or removed)", e.Seq, e.Seq-1)
	}
	if want := ComputeHash(e); e.Hash != want {
		return fmt.Errorf("audit entry %d: hash mismatch (the entry was altered)", e.Seq)
	}
	v.prevHash = e.Hash
	v.nextSeq++
	v.Count++
	return nil
}

// Finish checks the end of the chain against the head the store keeps (last seq and hash);
// it catches the removal of the newest entries.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if headSeq != v.nextSeq-1 || !strings.EqualFold(headHash, v.prevHash) {
		return fmt.Errorf("audit head says entry %d, but the log ends at entry %d (newest entries were removed or altered)", headSeq, v.nextSeq-1)
	}
	return nil
}
