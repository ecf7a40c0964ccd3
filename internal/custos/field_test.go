package custos_test

import (
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
)

func TestFieldName(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	cases := map[string]string{
		"marketing":             "marketing",
		"choices.a_b-c:d":       "choices.a_b-c:d",
		"<script>":              `"<script>"`,
		"line\nbreak":           `"line\nbreak"`,
		"café":                  `"caf\u00e9"`,
		long:                    `"` + strings.Repeat(`\u00e9`, 32) + `…"`,
		strings.Repeat("a", 65): `"` + strings.Repeat("a", 64) + `…"`,
	}
	for in, want := range cases {
		if got := custos.FieldName(in); got != want {
			t.Errorf("FieldName(%q) = %s, want %s", in, got, want)
		}
	}
}
