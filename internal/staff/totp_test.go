package staff

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA-1 rows.
var rfc6238 = []struct {
	unix int64
	code string
}{
	{59, "94287082"},
	{1111111109, "07081804"},
	{1111111111, "14050471"},
	{1234567890, "89005924"},
	{2000000000, "69279037"},
	{20000000000, "65353130"},
}

var rfcSecret = []byte("12345678901234567890")

func TestTOTPRFC6238(t *testing.T) {
	for _, v := range rfc6238 {
		tm := time.Unix(v.unix, 0)
		if got := hotp(rfcSecret, uint64(totpStep(tm)), 8); got != v.code {
			t.Errorf("8 digits at %d = %s, want %s", v.unix, got, v.code)
		}
		want6 := v.code[2:] // dynamic truncation mod 10^6: the last six digits
		if got := TOTPCode(rfcSecret, tm); got != want6 {
			t.Errorf("TOTPCode at %d = %s, want %s", v.unix, got, want6)
		}
		step, ok := VerifyTOTP(rfcSecret, want6, tm, 0)
		if !ok || step != v.unix/30 {
			t.Errorf("VerifyTOTP at %d = %d, %v", v.unix, step, ok)
		}
	}
}

func TestHOTPRFC4226(t *testing.T) {
	// RFC 4226 appendix D.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(rfcSecret, uint64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
}

func TestVerifyTOTPWindow(t *testing.T) {
	secret := NewTOTPSecret()
	if len(secret) != 20 {
		t.Fatalf("secret of %d bytes", len(secret))
	}
	now := time.Date(2026, 3, 1, 12, 0, 15, 0, time.UTC)
	cur := totpStep(now)
	for d, wantOK := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code := TOTPCode(secret, now.Add(time.Duration(d)*30*time.Second))
		step, ok := VerifyTOTP(secret, code, now, 0)
		if ok != wantOK || ok && step != cur+d {
			t.Errorf("offset %d steps: %d, %v", d, step, ok)
		}
	}

	code := TOTPCode(secret, now)
	step, ok := VerifyTOTP(secret, code, now, cur-1)
	if !ok || step != cur {
		t.Fatal("current code refused")
	}
	if _, ok := VerifyTOTP(secret, code, now, step); ok {
		t.Error("code accepted twice")
	}
	if _, ok := VerifyTOTP(secret, code, now.Add(30*time.Second), step); ok {
		t.Error("code accepted again in the next step")
	}
	// A code of a step before the last accepted one is refused too.
	prev := TOTPCode(secret, now.Add(-30*time.Second))
	if _, ok := VerifyTOTP(secret, prev, now, cur); ok {
		t.Error("older code accepted after a newer one")
	}

	spaced := code[:3] + " " + code[3:]
	if _, ok := VerifyTOTP(secret, spaced, now, 0); !ok {
		t.Error("code with a space refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "12345a", "１２３４５６", code + "0"} {
		if _, ok := VerifyTOTP(secret, bad, now, 0); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
	if _, ok := VerifyTOTP(nil, code, now, 0); ok {
		t.Error("accepted with no secret")
	}
	other := NewTOTPSecret()
	if _, ok := VerifyTOTP(other, code, now, 0); ok && TOTPCode(other, now) != code {
		t.Error("code of another secret accepted")
	}
}

func TestTOTPURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	uri := TOTPURI(secret, "Custos: Acme", "jane@example.org")
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("uri %s", uri)
	}
	if want := "/Custos%3A%20Acme:jane@example.org"; u.EscapedPath() != want {
		t.Errorf("label %s, want %s", u.EscapedPath(), want)
	}
	label, _ := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/"))
	if label != "Custos: Acme:jane@example.org" {
		t.Errorf("label unescaped %q", label)
	}
	q := u.Query()
	for k, v := range map[string]string{
		"secret":    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"issuer":    "Custos: Acme",
		"algorithm": "SHA1",
		"digits":    "6",
		"period":    "30",
	} {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if strings.Contains(uri, "=") && strings.Contains(q.Get("secret"), "=") {
		t.Error("secret is padded")
	}
}
