package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
)

// memTrail is an in-memory AuditStore whose entries a test can tamper with.
type memTrail struct {
	entries []custos.AuditEntry
	headSeq int64
	head    string
}

func (m *memTrail) AppendAudit(ctx context.Context, e *custos.AuditEntry) error {
	prev := audit.ZeroHash
	if m.headSeq > 0 {
		prev = m.head
	}
	audit.Seal(e, m.headSeq, prev)
	m.entries = append(m.entries, *e)
	m.headSeq, m.head = e.Seq, e.Hash
	return nil
}

func (m *memTrail) AuditEntries(ctx context.Context, fn func(*custos.AuditEntry) error) error {
	for i := range m.entries {
		e := m.entries[i]
		if err := fn(&e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memTrail) AuditHead(ctx context.Context) (int64, string, error) {
	return m.headSeq, m.head, nil
}

func trail(t *testing.T, n int) *memTrail {
	m := &memTrail{}
	for i := range n {
		e := &custos.AuditEntry{Time: time.Unix(1700000000, int64(i)*1500), Actor: "api", Action: custos.AuditConsentRecorded,
			ObjectType: "consent", ObjectID: string(rune('a' + i)), DetailsHash: audit.DetailsHash([]byte{byte(i)})}
		if err := m.AppendAudit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func(m *memTrail)
		wantSeq int64 // 0: intact
	}{
		{"intact", func(*memTrail) {}, 0},
		{"changed", func(m *memTrail) { m.entries[2].ObjectID = "x" }, 3},
		{"changed time", func(m *memTrail) { m.entries[4].Time = m.entries[4].Time.Add(time.Microsecond) }, 5},
		{"removed from the middle", func(m *memTrail) { m.entries = append(m.entries[:3], m.entries[4:]...) }, 4},
		{"removed the last", func(m *memTrail) { m.entries = m.entries[:len(m.entries)-1] }, 6},
		{"removed the last and the head rewound", func(m *memTrail) {
			m.entries = m.entries[:5]
			m.headSeq, m.head = 5, m.entries[4].Hash
		}, 0}, // undetectable without an external anchor: see TestAnchors
		{"reordered", func(m *memTrail) {
			m.entries[1], m.entries[2] = m.entries[2], m.entries[1]
			m.entries[1].Seq, m.entries[2].Seq = 2, 3
		}, 2},
		{"rehashed after a change", func(m *memTrail) {
			m.entries[1].ObjectID = "x"
			m.entries[1].Hash = audit.Hash(&m.entries[1])
		}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := trail(t, 6)
			tc.tamper(m)
			n, err := audit.Verify(context.Background(), m)
			if tc.wantSeq == 0 {
				if err != nil {
					t.Fatalf("intact trail reported broken: %v", err)
				}
				return
			}
			var b *audit.BreakError
			if !errors.As(err, &b) {
				t.Fatalf("tampering not caught: n=%d err=%v", n, err)
			}
			if b.Seq != tc.wantSeq {
				t.Errorf("broken at %d (%s), want %d", b.Seq, b.Reason, tc.wantSeq)
			}
		})
	}
}

func TestAnchors(t *testing.T) {
	m := trail(t, 6)
	last := Anchor(m.entries[5])
	if _, err := audit.Verify(context.Background(), m, last); err != nil {
		t.Fatalf("intact trail with its own anchor: %v", err)
	}
	// Cut off the newest entry and rewind the head: only the anchor sees it.
	m.entries = m.entries[:5]
	m.headSeq, m.head = 5, m.entries[4].Hash
	_, err := audit.Verify(context.Background(), m, last)
	var b *audit.BreakError
	if !errors.As(err, &b) || b.Seq != 6 {
		t.Errorf("truncation with a rewound head not caught by the anchor: %v", err)
	}
	// An anchor that does not match the entry at its seq.
	wrong := audit.Anchor{Seq: 2, Hash: audit.ZeroHash}
	if _, err := audit.Verify(context.Background(), m, wrong); !errors.As(err, &b) || b.Seq != 2 {
		t.Errorf("mismatching anchor: %v", err)
	}
	if a, err := audit.ParseAnchor(fmt.Sprintf("6:%s", last.Hash)); err != nil || a != last {
		t.Errorf("ParseAnchor: %v %v", a, err)
	}
	for _, bad := range []string{"", "6", "x:" + audit.ZeroHash, "0:" + audit.ZeroHash, "6:abc"} {
		if _, err := audit.ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}

func Anchor(e custos.AuditEntry) audit.Anchor { return audit.Anchor{Seq: e.Seq, Hash: e.Hash} }
