package main

import (
	"math"
	"math/bits"
	"time"
)

// hist is a log-linear latency histogram in the manner of HdrHistogram:
// values below 2^(subBits+1) ns are counted exactly, larger ones in buckets
// whose width is 2^-subBits of their magnitude, so any reported value is
// within 1/128 (0.8 %) of the true one. It covers 1 ns to 2^63 ns in a
// fixed array, records in O(1) without allocating, and two histograms merge
// by adding counts, so each worker keeps its own and nothing is shared on
// the hot path.
type hist struct {
	counts [nBuckets]uint64
	n      uint64
	sum    float64 // ns, for the mean
	min    int64
	max    int64
}

const (
	subBits  = 7
	subCount = 1 << subBits
	// The largest index is that of 2^63-1: shift 63-subBits-1, top bits
	// 2*subCount-1.
	nBuckets = (63-subBits-1)<<subBits + 2*subCount
)

// bucketOf returns the bucket index of v (ns, > 0).
func bucketOf(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(v) - (subBits + 1)
	return shift<<subBits + int(v>>shift)
}

// bucketRange returns the smallest and largest value counted in bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < 2*subCount {
		return uint64(i), uint64(i)
	}
	shift := i>>subBits - 1
	top := uint64(i - shift<<subBits) // in [subCount, 2*subCount)
	lo = top << shift
	return lo, lo + (1 << shift) - 1
}

func newHist() *hist { return &hist{min: math.MaxInt64} }

// record adds one duration; negative durations count as zero.
func (h *hist) record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(uint64(v))]++
	h.n++
	h.sum += float64(v)
	h.min = min(h.min, v)
	h.max = max(h.max, v)
}

// merge adds o's counts to h.
func (h *hist) merge(o *hist) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// quantile returns the value at quantile q (0..1): the largest value of
// the bucket holding the ceil(q*n)-th smallest sample, clipped to the
// recorded extremes. So it never under-reports by more than the bucket
// width, and quantile(1) is the exact maximum.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketRange(i)
			v := min(max(int64(hi), h.min), h.max)
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}

func (h *hist) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// latencies is the summary of a histogram, in milliseconds.
type latencies struct {
	Count uint64  `json:"count"`
	Min   float64 `json:"min_ms"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func (h *hist) summary() latencies {
	if h.n == 0 {
		return latencies{}
	}
	return latencies{
		Count: h.n,
		Min:   ms(time.Duration(h.min)),
		Mean:  ms(h.mean()),
		P50:   ms(h.quantile(0.50)),
		P90:   ms(h.quantile(0.90)),
		P99:   ms(h.quantile(0.99)),
		P999:  ms(h.quantile(0.999)),
		Max:   ms(time.Duration(h.max)),
	}
}
