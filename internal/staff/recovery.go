package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// recoveryAlphabet is Crockford's base32 alphabet in lowercase: 32
// characters without i, l, o and u, so that a code read from paper is not
// misread. A code is 12 characters (60 bits) shown as "xxxx-xxxx-xxxx".
const (
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	recoveryLen      = 12
	// RecoveryCodeCount is how many recovery codes a second factor comes with.
	RecoveryCodeCount = 10
)

// NewRecoveryCodes returns n new recovery codes to show once, and their
// hashes to store (hex SHA-256 of the normalised code).
func NewRecoveryCodes(n int) (codes []string, hashes []string) {
	codes = make([]string, n)
	hashes = make([]string, n)
	for i := range n {
		b := make([]byte, recoveryLen)
		rand.Read(b)
		var sb strings.Builder
		for j, c := range b {
			if j > 0 && j%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[c&31]) // 256 is a multiple of 32: no bias
		}
		codes[i] = sb.String()
		hashes[i] = hashRecoveryCode(normaliseRecoveryCode(codes[i]))
	}
	return codes, hashes
}

// normaliseRecoveryCode lowercases code, drops dashes and spaces and reads
// the letters Crockford's alphabet leaves out as the digits they look like
// (i and l as 1, o as 0). It returns "" unless 12 characters of the
// alphabet remain.
func normaliseRecoveryCode(code string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(code) {
		switch r {
		case '-', ' ', '\t':
			continue
		case 'i', 'l':
			r = '1'
		case 'o':
			r = '0'
		}
		if r > 0x7f || !strings.ContainsRune(recoveryAlphabet, r) {
			return ""
		}
		sb.WriteRune(r)
		if sb.Len() > recoveryLen {
			return ""
		}
	}
	if sb.Len() != recoveryLen {
		return ""
	}
	return sb.String()
}

func hashRecoveryCode(normalised string) string {
	sum := sha256.Sum256([]byte(normalised))
	return hex.EncodeToString(sum[:])
}

// looksLikeRecoveryCode tells a recovery code from a TOTP code.
func looksLikeRecoveryCode(code string) bool { return normaliseRecoveryCode(code) != "" }

// UseRecoveryCode reports whether code is one of the unused recovery codes
// whose hashes are given, and returns the hashes that remain once it is
// used. Case, dashes and spaces do not matter. Every hash is compared, in
// constant time. The hashes slice is not modified.
func UseRecoveryCode(hashes []string, code string) (remaining []string, ok bool) {
	n := normaliseRecoveryCode(code)
	if n == "" {
		return hashes, false
	}
	h := []byte(hashRecoveryCode(n))
	found := -1
	for i, x := range hashes {
		if subtle.ConstantTimeCompare(h, []byte(x)) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return hashes, false
	}
	remaining = make([]string, 0, len(hashes)-1)
	remaining = append(remaining, hashes[:found]...)
	remaining = append(remaining, hashes[found+1:]...)
	return remaining, true
}
