package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/custos-privacy/custos/internal/custos"
)

// argonParams are the cost parameters of argon2id.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
}

// defaultParams follow the OWASP Password Storage Cheat Sheet
// (https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html):
// "Use Argon2id with a minimum configuration of 19 MiB of memory, an
// iteration count of 2, and 1 degree of parallelism." The low memory keeps
// a burst of concurrent sign-ins affordable on a small server.
var defaultParams = argonParams{memory: 19 * 1024, time: 2, threads: 1}

// params are the parameters of new hashes. Tests lower them to stay fast;
// nothing else changes them.
var params = defaultParams

const (
	saltLen = 16 // bytes
	keyLen  = 32 // bytes

	// MaxPasswordBytes is the longest password accepted, in bytes.
	MaxPasswordBytes = 256
	// MinPasswordRunes is the shortest password accepted, in characters.
	MinPasswordRunes = 12
)

// Limits on the parameters read back from a stored hash, so that a damaged
// or hostile row cannot make a check take unbounded memory or time.
const (
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 16
	maxThreads = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id hash of pw as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, salt and hash in unpadded
// standard base64. It does not apply the password policy (see
// CheckPasswordPolicy); it only refuses an empty or over-long password.
func HashPassword(pw string) (string, error) {
	if pw == "" || len(pw) > MaxPasswordBytes {
		return "", custos.Invalid(custos.FieldError{Field: "password",
			Message: fmt.Sprintf("must be between 1 and %d bytes long", MaxPasswordBytes)})
	}
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand since Go 1.24)
	p := params
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, keyLen)
	return encodePHC(p, salt, key), nil
}

func encodePHC(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodePHC parses an argon2id PHC string. ok is false for anything else,
// including parameters outside sane limits.
func decodePHC(hash string) (p argonParams, salt, key []byte, ok bool) {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, false
	}
	var m, t, th uint64
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, found := strings.Cut(kv, "=")
		if !found {
			return p, nil, nil, false
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, false
		}
		switch k {
		case "m":
			m, seen = n, seen|1
		case "t":
			t, seen = n, seen|2
		case "p":
			th, seen = n, seen|4
		default:
			return p, nil, nil, false
		}
	}
	if seen != 7 || th < 1 || th > maxThreads || t < 1 || t > maxTime || m < 8*th || m > maxMemory {
		return p, nil, nil, false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, false
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, false
	}
	return argonParams{memory: uint32(m), time: uint32(t), threads: uint8(th)}, salt, key, true
}

// CheckPassword reports whether pw matches hash, a PHC string made by
// HashPassword (with any parameters within sane limits). The comparison of
// the derived keys is in constant time. A malformed hash matches nothing.
func CheckPassword(hash, pw string) bool {
	p, salt, key, ok := decodePHC(hash)
	if !ok {
		return false
	}
	if pw == "" || len(pw) > MaxPasswordBytes {
		// The same work as a real check, so that an empty password tells
		// nothing by its speed about whether the account exists.
		argon2.IDKey([]byte("x"), salt, p.time, p.memory, p.threads, uint32(len(key)))
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether hash was made with other parameters than the
// current ones (or is not an argon2id hash at all), so that it should be
// replaced by a new hash after the next successful sign-in.
func NeedsRehash(hash string) bool {
	p, _, key, ok := decodePHC(hash)
	return !ok || p != params || len(key) != keyLen
}

// dummyHash is checked against when there is no real hash to check (an
// unknown e-mail address, a disabled or locked account), so that a failed
// sign-in takes as long whatever the reason. It is made on first use, with
// the parameters in force then.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(rand.Text())
	if err != nil {
		panic(err) // a 26-byte password is always accepted
	}
	return h
})

// burnPasswordCheck spends the time of one password check.
func burnPasswordCheck(pw string) {
	if pw == "" || len(pw) > MaxPasswordBytes {
		pw = "x"
	}
	CheckPassword(dummyHash(), pw)
}
