package manifest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in     string
		want   Duration
		approx time.Duration
	}{
		{"session", Duration{Session: true}, 0},
		{"45s", Duration{Clock: 45 * time.Second}, 45 * time.Second},
		{"30m", Duration{Clock: 30 * time.Minute}, 30 * time.Minute},
		{"24h", Duration{Clock: 24 * time.Hour}, 24 * time.Hour},
		{"182d", Duration{Days: 182}, 182 * 24 * time.Hour},
		{"2w", Duration{Days: 14, text: "2w"}, 14 * 24 * time.Hour},
		{"13mo", Duration{Months: 13}, 13 * 30 * 24 * time.Hour},
		{"2y", Duration{Years: 2}, 2 * 365 * 24 * time.Hour},
		{"1y6mo", Duration{Years: 1, Months: 6}, (365 + 180) * 24 * time.Hour},
		{"2y12h", Duration{Years: 2, Clock: 12 * time.Hour}, 2*365*24*time.Hour + 12*time.Hour},
		{"1h30m", Duration{Clock: 90 * time.Minute}, 90 * time.Minute},
		{"90m", Duration{Clock: 90 * time.Minute, text: "90m"}, 90 * time.Minute},
		{"1w2d", Duration{Days: 9, text: "1w2d"}, 9 * 24 * time.Hour},
		{"999999999s", Duration{Clock: 999999999 * time.Second, text: "999999999s"}, 999999999 * time.Second},
		{"292y", Duration{Years: 292}, 292 * 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDuration(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseDuration(%q).String() = %q", tt.in, s)
		}
		if a := got.Approx(); a != tt.approx {
			t.Errorf("ParseDuration(%q).Approx() = %v, want %v", tt.in, a, tt.approx)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `invalid duration "": write "session" or a number and a unit, such as 30m, 24h, 182d, 13mo or 2y`},
		{"Session", `invalid duration "Session": write "session" or a number and a unit, such as 30m, 24h, 182d, 13mo or 2y`},
		{"30", `invalid duration "30": 30 needs a unit: s, m (minutes), h, d, w, mo (months) or y`},
		{"13 months", `invalid duration "13 months": write 13mo`},
		{"2years", `invalid duration "2years": write 2y`},
		{"5x", `invalid duration "5x": unknown unit "x"; use s, m (minutes), h, d, w, mo (months) or y`},
		{"2M", `invalid duration "2M": unknown unit "M"; use s, m (minutes), h, d, w, mo (months) or y`},
		{"0d", `invalid duration "0d": a period must be longer than zero`},
		{"07d", `invalid duration "07d": write 07 without leading zeros`},
		{"-1d", `invalid duration "-1d": write "session" or a number and a unit, such as 30m, 24h, 182d, 13mo or 2y`},
		{"1.5y", `invalid duration "1.5y": unknown unit "."; use s, m (minutes), h, d, w, mo (months) or y`},
		{"6mo1y", `invalid duration "6mo1y": write each unit once, from the largest to the smallest, as in 1y6mo`},
		{"1d1d", `invalid duration "1d1d": write each unit once, from the largest to the smallest, as in 1y6mo`},
		{"300y", `invalid duration "300y": too long`},
		{"99999999d", `invalid duration "99999999d": too long`},
		{"1000000000s", `invalid duration "1000000000s": too long`},
		{"999999999y999999999mo", `invalid duration "999999999y999999999mo": too long`},
		{" 2y", `invalid duration " 2y": write "session" or a number and a unit, such as 30m, 24h, 182d, 13mo or 2y`},
	}
	for _, tt := range tests {
		_, err := ParseDuration(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseDuration(%q) error = %v, want %s", tt.in, err, tt.want)
		}
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		d    Duration
		want string
	}{
		{Duration{}, ""},
		{Duration{Session: true}, "session"},
		{Duration{Days: 14}, "14d"},
		{Duration{Years: 1, Months: 6, Days: 3}, "1y6mo3d"},
		{Duration{Clock: 90*time.Minute + 5*time.Second}, "1h30m5s"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.d, got, tt.want)
		}
		if tt.want == "" || tt.want == "session" {
			continue
		}
		// Go-built durations print in a form that parses back to them.
		if back, err := ParseDuration(tt.want); err != nil || back != tt.d {
			t.Errorf("ParseDuration(%q) = %#v, %v; want %#v", tt.want, back, err, tt.d)
		}
	}
}

func TestDurationAddTo(t *testing.T) {
	jan31 := time.Date(2025, 1, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"session", jan31},
		{"1mo", time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)}, // AddDate normalises Feb 31
		{"1y", time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)},
		{"2w", time.Date(2025, 2, 14, 10, 0, 0, 0, time.UTC)},
		{"1d12h", time.Date(2025, 2, 1, 22, 0, 0, 0, time.UTC)},
		{"30m", time.Date(2025, 1, 31, 10, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.AddTo(jan31); !got.Equal(tt.want) {
			t.Errorf("%s.AddTo(%v) = %v, want %v", tt.in, jan31, got, tt.want)
		}
	}
	// Calendar days, not 24-hour periods: across a DST change a day is 23h.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone data")
	}
	before := time.Date(2025, 3, 29, 12, 0, 0, 0, paris)
	if got := (Duration{Days: 1}).AddTo(before); got.Hour() != 12 || got.Day() != 30 {
		t.Errorf("1d after %v = %v, want noon the next day", before, got)
	}
}

func TestDurationEncoding(t *testing.T) {
	var v struct {
		D Duration `yaml:"d" json:"d"`
	}
	if err := yaml.Unmarshal([]byte("d: 13mo\n"), &v); err != nil || v.D != (Duration{Months: 13}) {
		t.Fatalf("yaml.Unmarshal = %#v, %v", v.D, err)
	}
	if err := yaml.Unmarshal([]byte("d: [1]\n"), &v); err == nil || !strings.Contains(err.Error(), "expected a duration such as 13mo, got a list") {
		t.Errorf("yaml.Unmarshal of a list: %v", err)
	}
	out, err := yaml.Marshal(v)
	if err != nil || string(out) != "d: 13mo\n" {
		t.Errorf("yaml.Marshal = %q, %v", out, err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"d":"13mo"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	v.D = Duration{}
	if err := json.Unmarshal([]byte(`{"d":"2w"}`), &v); err != nil || v.D.String() != "2w" {
		t.Errorf("json.Unmarshal = %#v, %v", v.D, err)
	}
	if err := json.Unmarshal([]byte(`{"d":null}`), &v); err != nil || !v.D.IsZero() {
		t.Errorf("json.Unmarshal(null) = %#v, %v", v.D, err)
	}
	if err := json.Unmarshal([]byte(`{"d":"soon"}`), &v); err == nil {
		t.Error(`json.Unmarshal("soon") succeeded`)
	}
	if b, _ := json.Marshal(struct{ D Duration }{}); string(b) != `{"D":""}` {
		t.Errorf("zero Duration marshals as %s", b)
	}
}
