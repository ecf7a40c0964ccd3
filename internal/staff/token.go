package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// lowerB32 is unpadded base32 in lowercase: no characters that need
// escaping in a cookie, a URL or a shell, and a token selects with one
// double-click.
var lowerB32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenBytes is the randomness of a token: 256 bits.
const tokenBytes = 32

// NewToken returns a new random token, prefix followed by 52 lowercase
// base32 characters (256 bits), and its hash for storage (see HashToken).
// It serves session cookies, set-up links and the secret part of API
// tokens.
func NewToken(prefix string) (token, hash string) {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	token = prefix + lowerB32.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of token, the form in which tokens are
// stored and looked up. A token has 256 bits of randomness, so a fast hash
// is enough: there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// hashesEqual compares two hex hashes in constant time.
func hashesEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// newID returns prefix followed by 26 random lowercase base32 characters
// (128 bits): "st_..." for staff, "tk_..." for API tokens.
func newID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + lowerB32.EncodeToString(b)
}

// APITokenPrefix starts every API token: "custos_tk_<26>_<52>", the middle
// being the token's id, so that a leaked token is recognisable (secret
// scanners) and its owner found without the secret being stored.
const APITokenPrefix = "custos_"

// newAPIToken returns a new API token for id and its hash.
func newAPIToken(id string) (token, hash string) {
	return NewToken(APITokenPrefix + id + "_")
}

// APITokenID returns the id printed in an API token ("tk_..."), or "" if
// token does not have the form of one. It checks the form only.
func APITokenID(token string) string {
	rest, ok := strings.CutPrefix(token, APITokenPrefix+"tk_")
	if !ok {
		return ""
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 26 || len(secret) != 52 || !isLowerB32(id) || !isLowerB32(secret) {
		return ""
	}
	return "tk_" + id
}

func isLowerB32(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
