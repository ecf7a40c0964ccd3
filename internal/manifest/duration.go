package manifest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a period written in the manifest as "session" (cookies only),
// or numbers with units: "30m", "24h", "182d", "2w", "13mo", "2y", or several
// from the largest unit to the smallest, as in "1y6mo" or "2y12h". Months and
// years are calendar months and years (AddTo uses time.AddDate).
//
// Two Durations compare equal when they hold the same period written the same
// way: ParseDuration("182d") == Duration{Days: 182}, but "2w" keeps its text
// and so differs from Duration{Days: 14}.
type Duration struct {
	Session bool
	Years   int
	Months  int
	Days    int
	Clock   time.Duration // hours, minutes, seconds
	text    string        // as written, when the fields would print differently
}

// durationUnits are the units of a Duration, from the largest to the
// smallest; a duration names each at most once, in this order, so that every
// period has one way to be written.
var durationUnits = []struct {
	name    string
	seconds int64 // as Approx counts them
	add     func(d *Duration, n int)
}{
	{"y", 365 * day, func(d *Duration, n int) { d.Years += n }},
	{"mo", 30 * day, func(d *Duration, n int) { d.Months += n }},
	{"w", 7 * day, func(d *Duration, n int) { d.Days += 7 * n }},
	{"d", day, func(d *Duration, n int) { d.Days += n }},
	{"h", 3600, func(d *Duration, n int) { d.Clock += time.Duration(n) * time.Hour }},
	{"m", 60, func(d *Duration, n int) { d.Clock += time.Duration(n) * time.Minute }},
	{"s", 1, func(d *Duration, n int) { d.Clock += time.Duration(n) * time.Second }},
}

const day = 24 * 60 * 60 // seconds

// maxSeconds is the longest period Approx can return.
const maxSeconds = int64(1<<63-1) / int64(time.Second)

const durationHelp = `write "session" or a number and a unit, such as 30m, 24h, 182d, 13mo or 2y`

// ParseDuration parses the manifest form of a duration.
func ParseDuration(s string) (Duration, error) {
	if s == "session" {
		return Duration{Session: true}, nil
	}
	fail := func(format string, args ...any) (Duration, error) {
		return Duration{}, fmt.Errorf("invalid duration %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail(durationHelp)
	}
	type term struct{ unit, n int }
	var terms []term
	var seconds int64
	next := 0 // index in durationUnits of the smallest unit still allowed
	for rest := s; rest != ""; {
		i := 0
		for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return fail(durationHelp)
		}
		digits := rest[:i]
		rest = rest[i:]
		// A billion seconds is 31 years; the cap keeps the sum of seconds
		// below from overflowing before it is checked.
		if len(digits) > 9 {
			return fail("too long")
		}
		if digits[0] == '0' {
			if digits == "0" {
				return fail("a period must be longer than zero")
			}
			return fail("write %s without leading zeros", digits)
		}
		n, _ := strconv.Atoi(digits)
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		if unit == "" {
			return fail("%s needs a unit: s, m (minutes), h, d, w, mo (months) or y", digits)
		}
		u := unitIndex(unit)
		if u < 0 {
			if short, ok := unitWords[strings.ToLower(strings.TrimSpace(unit))]; ok {
				return fail("write %s%s", digits, short)
			}
			return fail("unknown unit %q; use s, m (minutes), h, d, w, mo (months) or y", unit)
		}
		if u < next {
			return fail("write each unit once, from the largest to the smallest, as in 1y6mo")
		}
		next = u + 1
		terms = append(terms, term{u, n})
		seconds += int64(n) * durationUnits[u].seconds
	}
	if seconds > maxSeconds {
		return fail("too long")
	}
	var d Duration
	for _, t := range terms {
		durationUnits[t.unit].add(&d, t.n)
	}
	if d.canonical() != s {
		d.text = s
	}
	return d, nil
}

// unitWords are the spelled-out units people write, for a helpful message.
var unitWords = map[string]string{
	"year": "y", "years": "y", "month": "mo", "months": "mo", "week": "w", "weeks": "w",
	"day": "d", "days": "d", "hour": "h", "hours": "h", "min": "m", "minute": "m",
	"minutes": "m", "sec": "s", "second": "s", "seconds": "s",
}

func unitIndex(name string) int {
	for i, u := range durationUnits {
		if u.name == name {
			return i
		}
	}
	return -1
}

// String returns the duration as written in the manifest, or, for a
// Duration built in Go, in its canonical form ("1y6mo", "1h30m"). The zero
// Duration is "".
func (d Duration) String() string {
	if d.text != "" {
		return d.text
	}
	return d.canonical()
}

// canonical writes d from its fields alone, ignoring how it was written, so
// that "2w" and "14d" have the same canonical form.
func (d Duration) canonical() string {
	if d.Session {
		return "session"
	}
	var b strings.Builder
	term := func(n int64, unit string) {
		if n != 0 {
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteString(unit)
		}
	}
	term(int64(d.Years), "y")
	term(int64(d.Months), "mo")
	term(int64(d.Days), "d")
	term(int64(d.Clock/time.Hour), "h")
	term(int64(d.Clock%time.Hour/time.Minute), "m")
	term(int64(d.Clock%time.Minute/time.Second), "s")
	return b.String()
}

// IsZero reports whether d was not set.
func (d Duration) IsZero() bool { return d == Duration{} }

// AddTo returns t + d. A session duration adds nothing.
func (d Duration) AddTo(t time.Time) time.Time {
	if d.Session {
		return t
	}
	return t.AddDate(d.Years, d.Months, d.Days).Add(d.Clock)
}

// Approx returns d as a time.Duration, counting a month as 30 days and a
// year as 365, for display and comparisons only. A session is 0.
func (d Duration) Approx() time.Duration {
	if d.Session {
		return 0
	}
	const oneDay = 24 * time.Hour
	return time.Duration(d.Years)*365*oneDay + time.Duration(d.Months)*30*oneDay +
		time.Duration(d.Days)*oneDay + d.Clock
}

// UnmarshalYAML reads a duration from a scalar node. An empty value leaves
// d zero, so that a missing required duration is reported as missing.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a duration such as 13mo, got %s", describe(n))
	}
	if n.ShortTag() == "!!null" || n.Value == "" {
		*d = Duration{}
		return nil
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes d in its manifest form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes d as a JSON string in its manifest form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string in the manifest form; null and "" leave
// d zero.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil || *s == "" {
		*d = Duration{}
		return nil
	}
	v, err := ParseDuration(*s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
