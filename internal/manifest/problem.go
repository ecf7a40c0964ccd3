package manifest

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a manifest, at a position in its file.
type Problem struct {
	File    string
	Line    int // 1-based; 0 if unknown
	Col     int // 1-based; 0 if unknown
	Message string
}

// String formats p as file:line:col: message. As in the Go toolchain, an
// unknown column or line is left out ("file:line: message", "file: message"),
// which happens only for YAML syntax errors and problems with the file as a
// whole.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		if p.File != "" {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Col))
		}
	}
	if b.Len() == 0 {
		return p.Message
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// ProblemsError is returned by Parse and LoadFile when the manifest has
// problems. It lists all of them, sorted by position.
type ProblemsError struct{ Problems []Problem }

// Error returns the problems one per line.
func (e *ProblemsError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
		)
	})
}
