package custos

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var plainFieldRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// FieldName renders a client-supplied key (an unknown JSON member, a map
// key) for use in a FieldError: as it is when it looks like an id, else
// quoted with non-ASCII escaped and cut to 64 bytes at a character
// boundary, so arbitrary client text never reaches a log or a page as it
// was sent.
func FieldName(k string) string {
	if plainFieldRE.MatchString(k) {
		return k
	}
	if len(k) <= 64 {
		return strconv.QuoteToASCII(k)
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(k[cut]) {
		cut--
	}
	// The ellipsis goes inside the quotes unescaped, marking the cut.
	q := strconv.QuoteToASCII(k[:cut])
	return strings.TrimSuffix(q, `"`) + `…"`
}
