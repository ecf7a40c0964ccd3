package staff

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestNewRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes(RecoveryCodeCount)
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	re := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$`)
	seen := map[string]bool{}
	for i, c := range codes {
		if !re.MatchString(c) {
			t.Errorf("code %q", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		if len(hashes[i]) != 64 || strings.Contains(hashes[i], strings.ReplaceAll(c, "-", "")) {
			t.Errorf("hash %q", hashes[i])
		}
		if hashes[i] != hashRecoveryCode(strings.ReplaceAll(c, "-", "")) {
			t.Errorf("hash of %q is not the SHA-256 of its normal form", c)
		}
	}
	if len(recoveryAlphabet) != 32 {
		t.Errorf("alphabet of %d", len(recoveryAlphabet))
	}
}

func TestUseRecoveryCode(t *testing.T) {
	codes, hashes := NewRecoveryCodes(3)
	orig := slices.Clone(hashes)

	// Case, dashes, spaces and look-alike letters do not matter.
	variant := strings.ToUpper(strings.ReplaceAll(codes[1], "-", " "))
	variant = strings.ReplaceAll(strings.ReplaceAll(variant, "1", "I"), "0", "O")
	rest, ok := UseRecoveryCode(hashes, variant)
	if !ok || len(rest) != 2 || slices.Contains(rest, hashes[1]) {
		t.Fatalf("use %q: %v, %d left", variant, ok, len(rest))
	}
	if !slices.Equal(hashes, orig) {
		t.Error("input slice modified")
	}
	if _, ok := UseRecoveryCode(rest, codes[1]); ok {
		t.Error("used code accepted again")
	}
	rest2, ok := UseRecoveryCode(rest, strings.ReplaceAll(codes[0], "-", ""))
	if !ok || len(rest2) != 1 || rest2[0] != hashes[2] {
		t.Errorf("second use: %v %v", ok, rest2)
	}
	for _, bad := range []string{"", "123456", codes[2] + "x", codes[2][:13], "uuuu-uuuu-uuuu", strings.Repeat("0", 12)} {
		if r, ok := UseRecoveryCode(hashes, bad); ok || len(r) != 3 {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, ok := UseRecoveryCode(nil, codes[0]); ok {
		t.Error("accepted with no hashes")
	}
}

func TestLooksLikeRecoveryCode(t *testing.T) {
	for c, want := range map[string]bool{"123456": false, "123 456": false, "abcd-efgh-jkmn": true, "ABCDEFGHJKMN": true, "": false} {
		if looksLikeRecoveryCode(c) != want {
			t.Errorf("looksLikeRecoveryCode(%q) != %v", c, want)
		}
	}
}
