package staff

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"
)

func TestNewToken(t *testing.T) {
	tok, hash := NewToken("")
	if !regexp.MustCompile(`^[a-z2-7]{52}$`).MatchString(tok) {
		t.Errorf("token %q", tok)
	}
	sum := sha256.Sum256([]byte(tok))
	if hash != hex.EncodeToString(sum[:]) || HashToken(tok) != hash {
		t.Error("hash is not the hex SHA-256 of the token")
	}
	tok2, hash2 := NewToken("")
	if tok == tok2 || hash == hash2 {
		t.Error("two tokens are equal")
	}
	p, ph := NewToken("pre_")
	if p[:4] != "pre_" || len(p) != 56 || ph != HashToken(p) {
		t.Errorf("prefixed token %q", p)
	}
}

func TestNewID(t *testing.T) {
	re := regexp.MustCompile(`^st_[a-z2-7]{26}$`)
	a, b := newID("st_"), newID("st_")
	if !re.MatchString(a) || a == b {
		t.Errorf("ids %q %q", a, b)
	}
}

func TestAPITokenForm(t *testing.T) {
	id := newID("tk_")
	tok, hash := newAPIToken(id)
	if !regexp.MustCompile(`^custos_tk_[a-z2-7]{26}_[a-z2-7]{52}$`).MatchString(tok) {
		t.Errorf("token %q", tok)
	}
	if hash != HashToken(tok) {
		t.Error("hash is not of the whole token")
	}
	if got := APITokenID(tok); got != id {
		t.Errorf("APITokenID = %q, want %q", got, id)
	}
	for _, bad := range []string{"", "custos_tk_", tok[:len(tok)-1], tok + "a", "custos_st_" + tok[10:], "Custos" + tok[6:], tok[:20] + "_" + tok[21:]} {
		if APITokenID(bad) != "" {
			t.Errorf("APITokenID(%q) != \"\"", bad)
		}
	}
}
