package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// base is the tests' clock start.
var base = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: base} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestSignVector checks Sign against a signature computed by openssl:
//
//	printf '1767268800.{"a":1}' | openssl dgst -sha256 -hmac s3cr3t-s3cr3t-s3cr3t
func TestSignVector(t *testing.T) {
	got := Sign([]byte("s3cr3t-s3cr3t-s3cr3t"), time.Unix(1767268800, 0), []byte(`{"a":1}`))
	want := "t=1767268800,v1=6f3f8666ce79dbb90f1acc4bfa8fcb927554571636380fb943c1bdc156b17de4"
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	old := []byte("fedcba9876543210fedcba9876543210")
	body := []byte(`{"id":"dl_1","type":"access"}`)
	h := Sign(secret, base, body)
	v1 := func(s []byte) string { _, v, _ := strings.Cut(Sign(s, base, body), ",v1="); return v }

	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		tol    time.Duration
		want   error
	}{
		{"valid", secret, h, body, base, 0, nil},
		{"valid, 4m59s later", secret, h, body, base.Add(4*time.Minute + 59*time.Second), 0, nil},
		{"valid, clock 4m behind", secret, h, body, base.Add(-4 * time.Minute), 0, nil},
		{"spaces", secret, " t=" + fmt.Sprint(base.Unix()) + " , v1=" + v1(secret) + " ", body, base, 0, nil},
		{"unknown parts ignored", secret, h + ",v0=abc,v2=zz", body, base, 0, nil},
		{"rotation: old first", secret, fmt.Sprintf("t=%d,v1=%s,v1=%s", base.Unix(), v1(old), v1(secret)), body, base, 0, nil},
		{"rotation: old secret verifies too", old, fmt.Sprintf("t=%d,v1=%s,v1=%s", base.Unix(), v1(old), v1(secret)), body, base, 0, nil},
		{"tampered body", secret, h, []byte(`{"id":"dl_1","type":"erasure"}`), base, 0, ErrSignature},
		{"wrong secret", old, h, body, base, 0, ErrSignature},
		{"timestamp changed", secret, fmt.Sprintf("t=%d,v1=%s", base.Unix()+1, v1(secret)), body, base, 0, ErrSignature},
		{"empty header", secret, "", body, base, 0, ErrSignature},
		{"garbage", secret, "garbage", body, base, 0, ErrSignature},
		{"no timestamp", secret, "v1=" + v1(secret), body, base, 0, ErrSignature},
		{"no v1", secret, fmt.Sprintf("t=%d", base.Unix()), body, base, 0, ErrSignature},
		{"two timestamps", secret, h + fmt.Sprintf(",t=%d", base.Unix()), body, base, 0, ErrSignature},
		{"signed timestamp", secret, "t=+" + fmt.Sprint(base.Unix()) + ",v1=" + v1(secret), body, base, 0, ErrSignature},
		{"v1 not hex", secret, fmt.Sprintf("t=%d,v1=%s", base.Unix(), strings.Repeat("z", 64)), body, base, 0, ErrSignature},
		{"too old", secret, h, body, base.Add(5*time.Minute + time.Second), 0, ErrExpired},
		{"far future", secret, h, body, base.Add(-5*time.Minute - time.Second), 0, ErrExpired},
		{"custom tolerance", secret, h, body, base.Add(2 * time.Minute), time.Minute, ErrExpired},
		{"no secret", nil, h, body, base, 0, ErrInvalid},
		{"header too long", secret, h + strings.Repeat(",x=y", 600), body, base, 0, ErrSignature},
		{"too many signatures", secret, h + strings.Repeat(",v1="+v1(old), 8), body, base, 0, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.now, tt.tol)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if Retryable(err) {
				t.Errorf("Retryable(%v) = true", err)
			}
			if s := err.Error(); strings.Contains(s, v1(secret)) || strings.Contains(s, string(secret)) {
				t.Errorf("the error quotes the signature or the secret: %s", s)
			}
		})
	}
}

func TestMemoryGuard(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	g := &MemoryGuard{Now: c.Now}
	until := base.Add(5 * time.Minute)
	if seen, _ := g.Seen(ctx, "a@1", until); seen {
		t.Fatal("a new key is seen")
	}
	if seen, _ := g.Seen(ctx, "a@1", until); !seen {
		t.Fatal("a key recorded is not seen")
	}
	if seen, _ := g.Seen(ctx, "a@2", until); seen {
		t.Fatal("another key is seen")
	}
	c.Add(5 * time.Minute)
	if seen, _ := g.Seen(ctx, "a@1", base.Add(10*time.Minute)); seen {
		t.Fatal("an expired key is still seen")
	}

	// Expired keys are swept as keys are added.
	g = &MemoryGuard{Now: c.Now}
	for i := range 5000 {
		g.Seen(ctx, fmt.Sprint("k", i), c.Now().Add(time.Minute))
		if i%1000 == 999 {
			c.Add(time.Minute)
		}
	}
	if n := g.Len(); n > 2500 {
		t.Errorf("the guard holds %d keys; expired ones are not swept", n)
	}

	// Of concurrent calls with one key, one only is first.
	g = NewMemoryGuard()
	var first atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if seen, _ := g.Seen(ctx, "same", time.Now().Add(time.Minute)); !seen {
				first.Add(1)
			}
		})
	}
	wg.Wait()
	if first.Load() != 1 {
		t.Errorf("%d calls were first", first.Load())
	}
}
