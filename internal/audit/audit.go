// Package audit computes and checks the hash chain of the audit trail. Each
// entry's hash covers its own fields and the hash of the entry before it, so
// changing, removing or reordering any entry breaks every hash after it; the
// chain head kept by the store catches removal of the newest entries.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// ZeroHash is the PrevHash of the first entry.
var ZeroHash = strings.Repeat("0", 64)

// Hash returns the hex SHA-256 of e's content and PrevHash. Hash and nothing
// else of e is left out. Each field is length-prefixed so that no two
// different entries encode the same.
func Hash(e *custos.AuditEntry) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	for _, f := range []string{
		e.Time.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.ObjectType, e.ObjectID, e.DetailsHash, e.PrevHash,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Seal links e after the entry (prevSeq, prevHash): it sets Seq, PrevHash
// and Hash, and rounds Time to the microsecond in UTC, the precision both
// SQLite and PostgreSQL keep, so that a stored entry hashes the same when
// read back. Pass 0 and ZeroHash for the first entry.
func Seal(e *custos.AuditEntry, prevSeq int64, prevHash string) {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.Hash = Hash(e)
}

// DetailsHash returns the hex SHA-256 of b, for AuditEntry.DetailsHash.
func DetailsHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// BreakError names the first entry at which the chain is broken.
type BreakError struct {
	Seq    int64  // the entry found to be bad (or the expected one, if missing)
	Reason string // what is wrong with it
}

func (e *BreakError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Anchor is an entry's Seq and Hash recorded outside the database (say, in
// a ticket or a log shipped elsewhere). A chain alone cannot show that its
// newest entries were cut off by someone who also rewound the head; an
// anchor can.
type Anchor struct {
	Seq  int64
	Hash string
}

// ParseAnchor parses "SEQ:HASH" as printed by custos audit verify.
func ParseAnchor(s string) (Anchor, error) {
	seq, hash, ok := strings.Cut(s, ":")
	var a Anchor
	if _, err := fmt.Sscan(seq, &a.Seq); !ok || err != nil || a.Seq < 1 || len(hash) != 64 {
		return Anchor{}, fmt.Errorf("an anchor is SEQ:HASH, e.g. 42:%s", ZeroHash)
	}
	a.Hash = strings.ToLower(hash)
	return a, nil
}

// Verify walks the whole trail of s and checks every link, the head, and
// any anchors. It returns the number of entries checked, and a *BreakError
// naming the first bad entry if the chain does not hold.
//
// It may run while entries are being appended. The walk itself is one
// consistent read, but the head is read apart from it, so Verify reads the
// head before and after the walk: the walk must reach the first head (or
// the newest entries were removed) and must not go past the second (or
// entries were added behind the head's back), and it must agree with
// whichever head it ends on.
func Verify(ctx context.Context, s custos.AuditStore, anchors ...Anchor) (int64, error) {
	st, err := VerifyStats(ctx, s, anchors...)
	return st.Entries, err
}

// Stats counts what Verify walked.
type Stats struct {
	Entries int64
	Actions map[string]int64 // entries per action
}

// VerifyStats is Verify, also counting the entries per action, so that
// other records can be checked against the trail (every consent must have
// its consent.recorded entry and no entry its consent removed).
func VerifyStats(ctx context.Context, s custos.AuditStore, anchors ...Anchor) (Stats, error) {
	st := Stats{Actions: map[string]int64{}}
	n, err := verify(ctx, s, st.Actions, anchors)
	st.Entries = n
	return st, err
}

func verify(ctx context.Context, s custos.AuditStore, actions map[string]int64, anchors []Anchor) (int64, error) {
	beforeSeq, beforeHash, err := s.AuditHead(ctx)
	if err != nil {
		return 0, err
	}
	want := make(map[int64]string, len(anchors)+1)
	for _, a := range anchors {
		want[a.Seq] = a.Hash
	}
	var (
		n        int64
		prevSeq  int64
		prevHash = ZeroHash
	)
	err = s.AuditEntries(ctx, func(e *custos.AuditEntry) error {
		switch {
		case e.Seq != prevSeq+1:
			if e.Seq > prevSeq+1 {
				return &BreakError{Seq: prevSeq + 1, Reason: fmt.Sprintf("missing: the next entry found is %d", e.Seq)}
			}
			return &BreakError{Seq: e.Seq, Reason: "out of order"}
		case e.PrevHash != prevHash:
			return &BreakError{Seq: e.Seq, Reason: "does not link to the entry before it (removed or reordered)"}
		case Hash(e) != e.Hash:
			return &BreakError{Seq: e.Seq, Reason: "content does not match its hash (changed)"}
		case e.Seq == beforeSeq && e.Hash != beforeHash:
			return &BreakError{Seq: e.Seq, Reason: "does not match the chain head"}
		}
		if h, ok := want[e.Seq]; ok && h != e.Hash {
			return &BreakError{Seq: e.Seq, Reason: "differs from the anchor recorded for it (the chain was rewritten)"}
		}
		n++
		actions[e.Action]++
		prevSeq, prevHash = e.Seq, e.Hash
		return nil
	})
	if err != nil {
		return n, err
	}
	if beforeSeq > prevSeq {
		return n, &BreakError{Seq: prevSeq + 1, Reason: fmt.Sprintf("missing: the chain head says the trail ends at entry %d", beforeSeq)}
	}
	afterSeq, afterHash, err := s.AuditHead(ctx)
	if err != nil {
		return n, err
	}
	switch {
	case afterSeq < prevSeq:
		return n, &BreakError{Seq: afterSeq + 1, Reason: "entries after the chain head"}
	case afterSeq == prevSeq && afterHash != prevHash:
		return n, &BreakError{Seq: prevSeq, Reason: "last entry does not match the chain head"}
	}
	for _, a := range anchors {
		if a.Seq > prevSeq {
			return n, &BreakError{Seq: prevSeq + 1, Reason: fmt.Sprintf("missing: an anchor was recorded for entry %d (the newest entries were cut off)", a.Seq)}
		}
	}
	return n, nil
}

// IsBreak reports whether err is a broken chain (as opposed to an I/O error).
func IsBreak(err error) bool {
	var b *BreakError
	return errors.As(err, &b)
}
