package staff

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
)

// common-passwords.txt is Openwall's password.lst (3,546 passwords most often
// seen, compiled by Solar Designer 1996–2011, "assumed to be in the public
// domain" by its header), as shipped in Debian's john-data package.
//
//go:embed common-passwords.txt
var commonPasswordsTxt string

// weak-words.txt is our own list of weak passwords and password bases.
//
//go:embed weak-words.txt
var weakWordsTxt string

// weakSet is every entry of both lists, lowercased.
var weakSet = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 4200)
	for _, txt := range []string{commonPasswordsTxt, weakWordsTxt} {
		sc := bufio.NewScanner(strings.NewReader(txt))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			m[strings.ToLower(line)] = true
		}
	}
	return m
})

func policyError(format string, args ...any) error {
	return custos.Invalid(custos.FieldError{Field: "password", Message: fmt.Sprintf(format, args...)})
}

// CheckPasswordPolicy returns an EINVALID error (field "password") if pw is
// not acceptable as the password of the account with the given e-mail
// address ("" to skip that check). A password must
//
//   - be valid UTF-8, at least MinPasswordRunes characters and at most
//     MaxPasswordBytes bytes long;
//   - not be, or be built around, a common password: it is lowercased,
//     stripped of digits and symbols at both ends and of common letter
//     substitutions ("P@ssw0rd2024!" is "password"), and looked up in an
//     embedded list of about 4,000 common passwords and weak words;
//   - not be a repetition of a short or common unit ("abcabc...");
//   - not be mostly one character or a handful of characters;
//   - not follow keyboard rows or columns, the alphabet or digits
//     ("1qaz2wsx3edc", "qwertyuiop12");
//   - not contain the local part of the e-mail address (or a part of it of
//     four characters or more, split at . _ - +).
//
// Messages never repeat the password.
func CheckPasswordPolicy(pw, email string) error {
	if !utf8.ValidString(pw) {
		return policyError("must be valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(pw); n < MinPasswordRunes {
		return policyError("must be at least %d characters long", MinPasswordRunes)
	}
	if len(pw) > MaxPasswordBytes {
		return policyError("must be at most %d bytes long", MaxPasswordBytes)
	}
	lower := strings.ToLower(pw)
	if isCommon(lower) {
		return policyError("is a common password or built around one; choose a longer passphrase of unrelated words")
	}
	if unit, ok := repeatedUnit(lower); ok && (utf8.RuneCountInString(unit) <= 6 || isCommon(unit)) {
		return policyError("repeats a short pattern; choose a longer passphrase of unrelated words")
	}
	if tooFewCharacters(lower) {
		return policyError("repeats the same characters too much")
	}
	if isKeyboardPattern(lower) {
		return policyError("follows a keyboard pattern or a sequence; choose a longer passphrase of unrelated words")
	}
	if containsEmail(lower, email) {
		return policyError("must not contain the e-mail address or its name")
	}
	return nil
}

// isCommon reports whether the lowercased password s is in the weak set,
// directly or once stripped of non-letters at its ends, of separators, or of
// leetspeak.
func isCommon(s string) bool {
	set := weakSet()
	if set[s] {
		return true
	}
	core := strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if core == "" {
		// No letters: reject one that contains a common run of eight digits
		// or symbols or more ("123456789012", "147258369147").
		joined := removeSeparators(s)
		for _, w := range weakNoLetters() {
			if strings.Contains(s, w) || strings.Contains(joined, w) {
				return true
			}
		}
		return false
	}
	candidates := []string{core, removeSeparators(core)}
	for _, c := range candidates[:2] {
		candidates = append(candidates, unleet(c, 'i'), unleet(c, 'l'))
	}
	// Substitutions at the ends too: "p@ssw0rd" trims to itself, but
	// "@dmin1234..." only reads as "admin" once undone before trimming.
	for _, c := range []string{unleet(s, 'i'), unleet(s, 'l')} {
		candidates = append(candidates, strings.TrimFunc(c, func(r rune) bool { return !unicode.IsLetter(r) }))
	}
	for _, c := range candidates {
		if len(c) >= 3 && set[c] {
			return true
		}
	}
	return false
}

// weakNoLetters are the entries of the weak set without letters that are
// eight characters or longer.
var weakNoLetters = sync.OnceValue(func() []string {
	var ws []string
	for w := range weakSet() {
		if len(w) >= 8 && strings.IndexFunc(w, unicode.IsLetter) < 0 {
			ws = append(ws, w)
		}
	}
	return ws
})

func removeSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '.', '+', ',':
			return -1
		}
		return r
	}, s)
}

// unleet undoes the common substitutions of digits and symbols for letters;
// one is read as "i" or as "l" (the caller tries both).
func unleet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1', '!', '|':
			return one
		case '3':
			return 'e'
		case '4', '@':
			return 'a'
		case '5', '$':
			return 's'
		case '7', '+':
			return 't'
		case '8':
			return 'b'
		case '9':
			return 'g'
		}
		return r
	}, s)
}

// repeatedUnit returns u if s is u repeated twice or more.
func repeatedUnit(s string) (string, bool) {
	r := []rune(s)
	for n := 1; n <= len(r)/2; n++ {
		if len(r)%n != 0 {
			continue
		}
		unit := string(r[:n])
		if strings.Repeat(unit, len(r)/n) == s {
			return unit, true
		}
	}
	return "", false
}

// tooFewCharacters reports whether one character makes up half of s or
// more, or s has fewer than five distinct characters.
func tooFewCharacters(s string) bool {
	count := map[rune]int{}
	n := 0
	for _, r := range s {
		count[r]++
		n++
	}
	if len(count) < 5 {
		return true
	}
	for _, c := range count {
		if 2*c >= n {
			return true
		}
	}
	return false
}

// sequenceLines are runs of characters that people type in order: the
// alphabet, digits, keyboard rows (QWERTY, QWERTZ, AZERTY, shifted digits)
// and keyboard columns. Two characters next to each other on a line, in
// either direction, are a predictable step.
var sequenceLines = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890",
	"`1234567890-=",
	"~!@#$%^&*()_+",
	"qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
	"qwertzuiopü", "asdfghjklöä", "yxcvbnm",
	"azertyuiop", "qsdfghjklm", "wxcvbn",
	"1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/",
	"!qaz", "@wsx", "#edc", "$rfv", "%tgb", "^yhn", "&ujm", "*ik<", "(ol>", ")p:?",
	"147", "258", "369", "789", "456", "123", "159", "357",
}

var adjacent = sync.OnceValue(func() map[[2]rune]bool {
	m := map[[2]rune]bool{}
	for _, line := range sequenceLines {
		r := []rune(line)
		for i := 0; i+1 < len(r); i++ {
			m[[2]rune{r[i], r[i+1]}] = true
			m[[2]rune{r[i+1], r[i]}] = true
		}
	}
	return m
})

// isKeyboardPattern reports whether at least three quarters of the steps
// from one character of s to the next are predictable: the same character
// again, or a neighbour on one of the sequenceLines.
func isKeyboardPattern(s string) bool {
	adj := adjacent()
	r := []rune(s)
	predictable := 0
	for i := 0; i+1 < len(r); i++ {
		if r[i] == r[i+1] || adj[[2]rune{r[i], r[i+1]}] {
			predictable++
		}
	}
	return 4*predictable >= 3*(len(r)-1)
}

// containsEmail reports whether the lowercased password s contains the
// local part of email, or a part of it of at least four characters.
func containsEmail(s, email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return false
	}
	local := email[:at]
	if utf8.RuneCountInString(local) >= 3 && strings.Contains(s, local) {
		return true
	}
	for _, part := range strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune("._-+", r) }) {
		if utf8.RuneCountInString(part) >= 4 && strings.Contains(s, part) {
			return true
		}
	}
	return false
}
