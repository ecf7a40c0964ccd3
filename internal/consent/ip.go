package consent

import "net/netip"

// ShortenIP returns addr with its host part removed, the only form of a
// client address Custos keeps: an IPv4 address loses its last two bytes
// (203.0.113.7 → 203.0.0.0), an IPv6 address keeps its /48 routing prefix
// (2001:db8:abcd:12::1 → 2001:db8:abcd::). An IPv4-mapped IPv6 address is
// shortened as the IPv4 address it is, since dual-stack listeners report
// IPv4 clients that way and keeping /48 of ::ffff:a.b.c.d would keep all of
// it. The zone is dropped. The zero Addr and the unspecified addresses
// (0.0.0.0, ::) give "": they say nothing about a client.
func ShortenIP(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if !addr.IsValid() || addr.IsUnspecified() {
		return ""
	}
	bits := 48
	if addr.Is4() {
		bits = 16
	}
	return netip.PrefixFrom(addr, bits).Masked().Addr().String()
}
