package staff

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strings"
	"time"
)

// TOTP as in RFC 6238 with the parameters every authenticator app supports:
// HMAC-SHA-1, six digits, 30-second steps. A code is accepted for the step
// before and after the current one too, to allow for clock drift.
const (
	totpDigits = 6
	totpPeriod = 30 // seconds
	totpSkew   = 1  // steps either side
	// TOTPSecretLen is the length of a new secret in bytes (160 bits, the
	// HMAC-SHA-1 key length RFC 4226 recommends).
	TOTPSecretLen = 20
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random TOTP secret of TOTPSecretLen bytes.
func NewTOTPSecret() []byte {
	s := make([]byte, TOTPSecretLen)
	rand.Read(s)
	return s
}

// TOTPURI returns the otpauth:// URI of secret, in the Google Authenticator
// key URI format, for a QR code or to copy into an authenticator app:
//
//	otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Colons in issuer or account are percent-encoded, as the label may not
// contain one of its own.
func TOTPURI(secret []byte, issuer, account string) string {
	esc := func(s string) string { return strings.ReplaceAll(url.PathEscape(s), ":", "%3A") }
	label := esc(account)
	if issuer != "" {
		label = esc(issuer) + ":" + label
	}
	q := url.Values{}
	q.Set("secret", b32.EncodeToString(secret))
	if issuer != "" {
		q.Set("issuer", issuer)
	}
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// totpStep returns the RFC 6238 time step of t.
func totpStep(t time.Time) int64 {
	u := t.Unix()
	s := u / totpPeriod
	if u < 0 && u%totpPeriod != 0 {
		s-- // floor, for completeness
	}
	return s
}

// hotp is the HOTP value of RFC 4226 (HMAC-SHA-1, dynamic truncation) with
// the given number of digits, zero-padded.
func hotp(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	code := make([]byte, digits)
	v := bin % mod
	for i := digits - 1; i >= 0; i-- {
		code[i] = byte('0' + v%10)
		v /= 10
	}
	return string(code)
}

// TOTPCode returns the six-digit code of secret at t.
func TOTPCode(secret []byte, t time.Time) string {
	return hotp(secret, uint64(totpStep(t)), totpDigits)
}

// normaliseTOTPCode drops the spaces apps show in the middle of a code; ok
// is false unless six ASCII digits remain.
func normaliseTOTPCode(code string) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, code)
	if len(code) != totpDigits {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code, true
}

// VerifyTOTP reports whether code is the code of secret at t, or one step
// before or after, for a step later than lastStep (the last step accepted,
// so that no code is ever accepted twice). It returns the step matched, to
// be stored as the next lastStep. Every candidate step is computed and
// compared in constant time.
func VerifyTOTP(secret []byte, code string, t time.Time, lastStep int64) (step int64, ok bool) {
	code, valid := normaliseTOTPCode(code)
	if !valid || len(secret) == 0 {
		return 0, false
	}
	now := totpStep(t)
	for s := now - totpSkew; s <= now+totpSkew; s++ {
		match := subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(s), totpDigits)), []byte(code)) == 1
		if match && s > lastStep {
			step, ok = s, true
		}
	}
	return step, ok
}
