package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	var next uint64
	for i := range nBuckets {
		lo, hi := bucketRange(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		if hi < lo {
			t.Fatalf("bucket %d: hi %d < lo %d", i, hi, lo)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d,%d]: bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if lo >= 2*subCount {
			if w := float64(hi-lo+1) / float64(lo); w > 1.0/subCount {
				t.Fatalf("bucket %d [%d,%d] is %.4f of its value, want <= 1/%d", i, lo, hi, w, subCount)
			}
		}
		next = hi + 1
	}
	if _, hi := bucketRange(nBuckets - 1); hi != math.MaxInt64 {
		t.Fatalf("last bucket ends at %d, want MaxInt64", hi)
	}
}

func TestQuantilesSmallValuesExact(t *testing.T) {
	h := newHist()
	for v := 1; v <= 100; v++ {
		h.record(time.Duration(v))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {0.999, 100}, {1, 100}, {0, 1}} {
		if got := h.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if h.mean() != 50 { // 50.5 truncated
		t.Errorf("mean = %v, want 50", h.mean())
	}
}

// TestQuantilesAgainstSortedSamples checks the histogram against exact
// percentiles of sorted samples spread over six orders of magnitude.
func TestQuantilesAgainstSortedSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	samples := make([]time.Duration, n)
	h := newHist()
	for i := range samples {
		// log-uniform between 10 µs and 10 s
		d := time.Duration(math.Exp(math.Log(1e4) + rng.Float64()*math.Log(1e6)))
		samples[i] = d
		h.record(d)
	}
	slices.Sort(samples)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := samples[int(math.Ceil(q*n))-1]
		got := h.quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/subCount {
			t.Errorf("quantile(%v) = %v, exact %v: off by more than 1/%d", q, got, exact, subCount)
		}
	}
	if got := h.quantile(1); got != samples[n-1] {
		t.Errorf("quantile(1) = %v, want the exact max %v", got, samples[n-1])
	}
	if got := time.Duration(h.min); got != samples[0] {
		t.Errorf("min = %v, want %v", got, samples[0])
	}
}

func TestMerge(t *testing.T) {
	a, b, all := newHist(), newHist(), newHist()
	for v := 1; v <= 1000; v++ {
		d := time.Duration(v) * time.Millisecond
		all.record(d)
		if v%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	m := newHist()
	m.merge(a)
	m.merge(b)
	m.merge(newHist()) // an empty one changes nothing
	if m.n != all.n || m.min != all.min || m.max != all.max || m.counts != all.counts {
		t.Fatalf("merged histogram differs from the one recorded directly")
	}
	if got, want := m.quantile(0.99), all.quantile(0.99); got != want {
		t.Fatalf("p99 %v, want %v", got, want)
	}
	// p99 of 1..1000 ms is 990 ms, within one bucket.
	if got := m.quantile(0.99); got < 990*time.Millisecond || got > 990*time.Millisecond*(subCount+1)/subCount {
		t.Fatalf("p99 = %v, want about 990ms", got)
	}
}

func TestEmptyAndNegative(t *testing.T) {
	h := newHist()
	if h.quantile(0.99) != 0 || h.mean() != 0 || (h.summary() != latencies{}) {
		t.Fatal("an empty histogram must report zeros")
	}
	h.record(-5)
	if h.n != 1 || h.max != 0 || h.quantile(0.5) != 0 {
		t.Fatalf("a negative duration must count as zero: n=%d max=%d", h.n, h.max)
	}
}

func TestLoopbackCheck(t *testing.T) {
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.0.0.2:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://example.com", false},
		{"https://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
	} {
		_, err := checkTarget(c.url, false)
		if (err == nil) != c.ok {
			t.Errorf("checkTarget(%q) error = %v, want ok=%v", c.url, err, c.ok)
		}
	}
	if _, err := checkTarget("http://10.0.0.1:8080", true); err != nil {
		t.Errorf("-allow-remote must allow a remote host: %v", err)
	}
}
