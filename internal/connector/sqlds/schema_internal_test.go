package sqlds

import (
	"testing"
	"time"
)

// MariaDB's TIMESTAMP reaches 2106 from 11.5, on 64-bit systems other
// than Windows; MySQL's ends in 2038.
func TestWideTimestamp(t *testing.T) {
	for _, tc := range []struct {
		version, os string
		want        bool
	}{
		{"10.11.19-MariaDB-0+deb12u1", "debian-linux-gnu", false},
		{"11.4.3-MariaDB-log", "Linux", false},
		{"11.5.2-MariaDB-ubu2404", "debian-linux-gnu", true},
		{"11.8.1-MariaDB", "Linux", true},
		{"12.0.2-MariaDB", "Linux", true},
		{"11.8.1-MariaDB", "Win64", false},
		{"5.5.5-10.11.6-MariaDB", "Linux", false}, // the old replication prefix
		{"8.4.3", "Linux", false},
		{"9.1.0-commercial", "Linux", false},
		{"MariaDB", "Linux", false},
	} {
		if got := wideTimestamp(tc.version, tc.os); got != tc.want {
			t.Errorf("wideTimestamp(%q, %q) = %v, want %v", tc.version, tc.os, got, tc.want)
		}
	}
}

func TestTimestampRange(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	lo := utc(1970, 1, 1, 0, 0, 1, 0)
	for _, tc := range []struct {
		colType string
		wide    bool
		hi      time.Time
	}{
		{"timestamp", false, utc(2038, 1, 19, 3, 14, 7, 0)},
		{"timestamp(0)", false, utc(2038, 1, 19, 3, 14, 7, 0)},
		{"timestamp(3)", false, utc(2038, 1, 19, 3, 14, 7, 999_000_000)},
		{"timestamp(6)", false, utc(2038, 1, 19, 3, 14, 7, 999_999_000)},
		{"timestamp", true, utc(2106, 2, 7, 6, 28, 15, 0)},
		{"timestamp(6)", true, utc(2106, 2, 7, 6, 28, 15, 999_999_000)},
	} {
		gotLo, gotHi := timestampRange(tc.colType, tc.wide)
		if !gotLo.Equal(lo) || !gotHi.Equal(tc.hi) {
			t.Errorf("timestampRange(%q, %v) = %v, %v; want %v, %v", tc.colType, tc.wide, gotLo, gotHi, lo, tc.hi)
		}
	}
}
