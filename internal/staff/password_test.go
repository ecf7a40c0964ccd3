package staff

import (
	"regexp"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
)

func TestDefaultParams(t *testing.T) {
	// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
	if defaultParams != (argonParams{memory: 19456, time: 2, threads: 1}) {
		t.Errorf("defaultParams = %+v", defaultParams)
	}
	// One hash at full cost, so that the real parameters are exercised.
	old := params
	params = defaultParams
	defer func() { params = old }()
	h, err := HashPassword("a real-cost password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %s", h)
	}
	if !CheckPassword(h, "a real-cost password") || NeedsRehash(h) {
		t.Error("real-cost hash does not check or needs a rehash")
	}
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	h1, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse")
	if !phcRE.MatchString(h1) {
		t.Errorf("hash %q is not a PHC string", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, h := range []string{h1, h2} {
		if !CheckPassword(h, "correct horse") {
			t.Error("right password rejected")
		}
		for _, wrong := range []string{"correct horsE", "correct hors", "", "correct horse "} {
			if CheckPassword(h, wrong) {
				t.Errorf("wrong password %q accepted", wrong)
			}
		}
	}
	if NeedsRehash(h1) {
		t.Error("fresh hash needs rehash")
	}

	for _, pw := range []string{"", strings.Repeat("x", MaxPasswordBytes+1)} {
		_, err := HashPassword(pw)
		if custos.ErrorCode(err) != custos.EINVALID || custos.ErrorFields(err)[0].Field != "password" {
			t.Errorf("HashPassword(len %d) = %v", len(pw), err)
		}
	}
	long := strings.Repeat("é", MaxPasswordBytes/2)
	h, err := HashPassword(long)
	if err != nil || !CheckPassword(h, long) {
		t.Errorf("password of %d bytes: %v", len(long), err)
	}
}

func TestCheckPasswordOtherParams(t *testing.T) {
	old := params
	params = argonParams{memory: 128, time: 2, threads: 2}
	h, _ := HashPassword("pw of yesteryear")
	params = old
	if !CheckPassword(h, "pw of yesteryear") {
		t.Error("hash with other parameters does not check")
	}
	if !NeedsRehash(h) {
		t.Error("hash with other parameters does not need a rehash")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("pw")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, h := range []string{
		"",
		"pw",
		"$2a$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, // 4 GiB
		"$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=-1,t=1,p=1$" + salt + "$" + key,
	} {
		if CheckPassword(h, "pw") {
			t.Errorf("malformed hash %q accepted", h)
		}
		if !NeedsRehash(h) {
			t.Errorf("malformed hash %q does not need rehash", h)
		}
	}
	if !CheckPassword(good, "pw") {
		t.Error("good hash rejected")
	}
}

func TestBurnPasswordCheck(t *testing.T) {
	// It must not panic whatever it is given.
	for _, pw := range []string{"", "x", strings.Repeat("y", 1000)} {
		burnPasswordCheck(pw)
	}
	if !phcRE.MatchString(dummyHash()) {
		t.Errorf("dummy hash %q", dummyHash())
	}
}
