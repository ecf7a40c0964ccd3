package staff

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
)

func TestWeakSetLoaded(t *testing.T) {
	set := weakSet()
	if len(set) < 3600 {
		t.Errorf("weak set has %d entries, want the Openwall list and ours", len(set))
	}
	for _, w := range []string{"123456", "password", "winniethepooh", "summer", "qwertyuiop", "custos"} {
		if !set[w] {
			t.Errorf("%q not in weak set", w)
		}
	}
	for w := range set {
		if strings.HasPrefix(w, "#") || w != strings.ToLower(w) {
			t.Errorf("bad entry %q", w)
		}
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	const email = "Jane.Doe+staff@example.org"
	for _, c := range []struct {
		pw   string
		want string // substring of the message; "" for accepted
	}{
		// accepted
		{"correct horse battery", ""},
		{"Tr0ub4dor&3xyz", ""},
		{"kettle-orbit-lantern", ""},
		{"zq8#Lw2!vN0p", ""},
		{"ünïcödé pässwörd", ""},
		{"春眠不覚暁处处闻啼鸟夜来风雨", ""},
		{strings.Repeat("the mouse ate cheese; ", 11) + "tom was asleep", ""}, // 256 bytes
		{"my dog is named Rufus", ""},

		// length
		{"", "at least 12 characters"},
		{"short pass", "at least 12 characters"},
		{"日本語のパスワード", "at least 12 characters"}, // 9 runes, 27 bytes
		{strings.Repeat("the mouse ate cheese; ", 11) + "tom was asleep!", "at most 256 bytes"},
		{"valid length \xff\xfe", "valid UTF-8"},

		// common passwords and passwords built around one
		{"winniethepooh", "common"},
		{"password1234", "common"},
		{"Password1234!", "common"},
		{"P@ssw0rd2024!", "common"},
		{"p4$$w0rd12345", "common"},
		{"Summer2024!!", "common"},
		{"2025Winter!!!", "common"},
		{"autumn 2023 !!", "common"},
		{"Welcome123456", "common"},
		{"!!letmein!!2024", "common"},
		{"iloveyou12345", "common"},
		{"administrator1", "common"},
		{"@dministrator", "common"},
		{"Custos2025!!", "common"},
		{"Correct-Horse-Battery-Staple", "common"},
		{"trustno1trustno1", "short pattern"}, // a repeated common password
		{"ch4ngem3n0w!!", "common"},

		// repetitions
		{"passwordpassword", "common"},
		{"hello1hello1", "short pattern"},
		{"Xy7!Xy7!Xy7!", "short pattern"},

		// few characters
		{"aaaaaaaaaaaaaaab", "same characters"},
		{"abababababababab", "short pattern"},
		{"aaaaaaaaXq7!", "same characters"},
		{"1111222233334444", "same characters"},

		// keyboard walks and sequences
		{"qwertyuiop12", "common"},
		{"1qaz2wsx3edc", "common"},
		{"zaq1xsw2cde3", "keyboard"},
		{"!QAZ@WSX#EDC", "keyboard"},
		{"mnbvcxzlkjhg", "keyboard"},
		{"poiuytrewq99", "keyboard"},
		{"abcdefghijklm", "keyboard"},
		{"abcdefghijkl", "common"},
		{"nopqrstuvwxy", "keyboard"},
		{"1234567890-=", "common"},
		{"5tgb6yhn7ujm", "keyboard"},
		{"0987654321qwe", "keyboard"},
		{"147258369147", "common"},
		{"123456789012", "common"},
		{"9999-1234-5678", "common"},
		{"8306-1947-2215", ""},

		// the e-mail address
		{"jane.doe+staff is me", "e-mail"},
		{"JANE.DOE+STAFF@example", "e-mail"},
		{"my name is jane smith", "e-mail"},
		{"hello from doe land", ""}, // "doe" is shorter than four
	} {
		err := CheckPasswordPolicy(c.pw, email)
		if c.want == "" {
			if err != nil {
				t.Errorf("%q rejected: %v", c.pw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q accepted, want %q", c.pw, c.want)
			continue
		}
		fs := custos.ErrorFields(err)
		if custos.ErrorCode(err) != custos.EINVALID || len(fs) != 1 || fs[0].Field != "password" {
			t.Errorf("%q: error %v, want one EINVALID field password", c.pw, err)
			continue
		}
		if !strings.Contains(fs[0].Message, c.want) {
			t.Errorf("%q: message %q, want %q", c.pw, fs[0].Message, c.want)
		}
		if c.pw != "" && (strings.Contains(err.Error(), c.pw) || strings.Contains(fs[0].Message, c.pw)) {
			t.Errorf("%q: error repeats the password", c.pw)
		}
		if strings.Contains(strings.ToLower(fs[0].Message), "jane") {
			t.Errorf("%q: error repeats the e-mail address", c.pw)
		}
	}
}

func TestCheckPasswordPolicyNoEmail(t *testing.T) {
	if err := CheckPasswordPolicy("jane.doe+staff is me", ""); err != nil {
		t.Errorf("without an address: %v", err)
	}
	if err := CheckPasswordPolicy("jane.doe+staff is me", "not an address"); err != nil {
		t.Errorf("with a malformed address: %v", err)
	}
}

func TestUnleet(t *testing.T) {
	if got := unleet("p@$$w0rd", 'i'); got != "password" {
		t.Errorf("unleet = %q", got)
	}
	if got := unleet("h3110", 'l'); got != "hello" {
		t.Errorf("unleet = %q", got)
	}
}

func TestRepeatedUnit(t *testing.T) {
	for s, want := range map[string]string{"abab": "ab", "aaaa": "a", "abcabcabc": "abc", "abcab": "", "a": "", "": ""} {
		got, ok := repeatedUnit(s)
		if got != want || ok != (want != "") {
			t.Errorf("repeatedUnit(%q) = %q, %v", s, got, ok)
		}
	}
}

func TestCheckPasswordPolicyRandom(t *testing.T) {
	// Random passwords pass: the pattern checks do not misfire. The source
	// is seeded so that a run is repeatable: about one random password in a
	// million really does repeat a character too often, and one in about
	// 80,000 holds the address's name in some case.
	src := rand.NewChaCha8([32]byte{'c', 'u', 's', 't', 'o', 's'})
	for i := 0; i < 2000; i++ {
		b := make([]byte, 12)
		src.Read(b)
		pw := base64.RawURLEncoding.EncodeToString(b)
		if err := CheckPasswordPolicy(pw, "jane@example.org"); err != nil && !strings.Contains(strings.ToLower(pw), "jane") {
			t.Errorf("random %q rejected: %v", pw, err)
		}
	}
}
