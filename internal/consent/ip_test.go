package consent

import (
	"net/netip"
	"testing"
)

func TestShortenIP(t *testing.T) {
	tests := []struct {
		in   string // "" means the zero Addr
		want string
	}{
		{"203.0.113.7", "203.0.0.0"},
		{"10.1.2.3", "10.1.0.0"},
		{"255.255.255.255", "255.255.0.0"},
		{"2001:db8:abcd:12::1", "2001:db8:abcd::"},
		{"2001:db8:abcd:ffff:ffff:ffff:ffff:ffff", "2001:db8:abcd::"},
		{"2001:db8::1", "2001:db8::"},
		{"fe80::1%eth0", "fe80::"},              // the zone is dropped
		{"::ffff:203.0.113.7", "203.0.0.0"},     // IPv4-mapped: shortened as IPv4, not kept whole by a /48
		{"::ffff:198.51.100.200", "198.51.0.0"}, //
		{"::1", "::"},                           // loopback keeps nothing of a host either
		{"127.0.0.1", "127.0.0.0"},
		{"", ""},        // zero Addr
		{"0.0.0.0", ""}, // unspecified: no client
		{"::", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a netip.Addr
			if tt.in != "" {
				a = netip.MustParseAddr(tt.in)
			}
			if got := ShortenIP(a); got != tt.want {
				t.Errorf("ShortenIP(%s) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
