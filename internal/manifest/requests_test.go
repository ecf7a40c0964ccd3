package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePeriod(t *testing.T) {
	good := map[string]Period{
		"1mo": {1, Months}, "45d": {45, Days}, "10bd": {10, BusinessDays}, "366d": {366, Days}, "12mo": {12, Months},
	}
	for s, want := range good {
		got, err := ParsePeriod(s)
		if err != nil || got != want || got.String() != s {
			t.Errorf("ParsePeriod(%q) = %v (%q), %v; want %v", s, got, got.String(), err, want)
		}
	}
	bad := map[string]string{
		"":            `invalid period "": ` + periodHelp,
		"0d":          `invalid period "0d": a period must be longer than zero`,
		"010d":        `invalid period "010d": write 010 without leading zeros`,
		"2w":          `invalid period "2w": unknown unit "w"; ` + periodHelp,
		"1y":          `invalid period "1y": unknown unit "y"; ` + periodHelp,
		"1mo15d":      `invalid period "1mo15d": unknown unit "mo15d"; ` + periodHelp,
		"30 days":     `invalid period "30 days": write 30d`,
		"10 business": `invalid period "10 business": write 10bd`,
		"367d":        `invalid period "367d": longer than a year`,
		"13mo":        `invalid period "13mo": longer than a year`,
		"99999d":      `invalid period "99999d": longer than a year`,
		"d":           `invalid period "d": ` + periodHelp,
	}
	for s, want := range bad {
		if _, err := ParsePeriod(s); err == nil || err.Error() != want {
			t.Errorf("ParsePeriod(%q) error = %v, want %s", s, err, want)
		}
	}
}

func TestRequestProblems(t *testing.T) {
	const eu = "        regions: [EU, EEA]\n        mode: opt_in\n"
	block := func(s string) []edit { return []edit{{eu, eu + s}} }
	tests := []struct {
		name  string
		edits []edit
		want  string
	}{
		{"unknown unit", block("        requests: {answer: ‸1 month}\n"),
			`sites[0].jurisdictions[0].requests.answer: invalid period "1 month": write 1mo`},
		{"empty block", block("        requests:‸ \n"),
			`sites[0].jurisdictions[0].requests: empty; give at least answer, such as answer: 1mo, or remove the block to use the defaults`},
		{"answer missing", block("        requests: ‸{acknowledge: 10bd}\n"),
			`sites[0].jurisdictions[0].requests.answer: missing; give the time limit for answering, such as 1mo or 45d`},
		{"target missing", block("        requests: ‸{without_delay: true}\n"),
			`sites[0].jurisdictions[0].requests.answer: missing; give the target for answering without delay, such as 14d`},
		{"acknowledge too long", block("        requests: {answer: 15d, acknowledge: ‸20bd}\n"),
			`sites[0].jurisdictions[0].requests.acknowledge: 20bd is longer than the time limit for answering (15d)`},
		{"extension without period", block("        requests: {answer: 1mo, extension: ‸{reason: true}}\n"),
			`sites[0].jurisdictions[0].requests.extension.period: missing; give how much longer the answer may take, such as 2mo`},
		{"tell too late", block("        requests: {answer: 1mo, extension: {period: 2mo, tell_within: ‸2mo}}\n"),
			`sites[0].jurisdictions[0].requests.extension.tell_within: the person must hear of the extension before the answer is due (1mo), not later`},
		{"without delay extended", block("        requests: {answer: 14d, without_delay: true, extension: ‸{period: 14d}}\n"),
			`sites[0].jurisdictions[0].requests.extension: an answer without delay cannot be extended; remove extension or without_delay`},
		{"opt-out without answer", block("        requests: {answer: 45d, opt_out: ‸{verify: false}}\n"),
			`sites[0].jurisdictions[0].requests.opt_out.answer: missing; give the time limit for opt-out requests, such as 15bd`},
		{"unknown key", block("        requests: {answer: 45d, ‸optout: {answer: 15bd}}\n"),
			`sites[0].jurisdictions[0].requests: unknown key "optout" (did you mean "opt_out"?)`},
		{"time zone", []edit{{"      name: Example SA\n", "      name: Example SA\n      timezone: ‸Europe/Pariss\n"}},
			`sites[0].controller.timezone: "Europe/Pariss" is not an IANA time zone name, such as Europe/Paris or America/Los_Angeles`},
		{"local time zone", []edit{{"      name: Example SA\n", "      name: Example SA\n      timezone: ‸Local\n"}},
			`sites[0].controller.timezone: name the time zone, such as Europe/Paris: the server's own may change`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col, src := position(t, apply(t, base, tt.edits...))
			got := problems(t, "test.yaml", src)
			if diff := cmp.Diff([]string{at(line, col, tt.want)}, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestDeadlinesDefaults(t *testing.T) {
	tests := []struct {
		regions []string
		mode    string
		law     string
	}{
		{[]string{"EU", "EEA", "GB", "CH"}, ModeOptIn, LawFADP}, // 30 days before one month
		{[]string{"EU", "EEA", "GB"}, ModeOptIn, LawGDPR},
		{[]string{"CH"}, ModeOptIn, LawFADP},
		{[]string{"NO"}, ModeNotice, LawGDPR},
		{[]string{"FR-75"}, ModeOptIn, LawGDPR},
		{[]string{"US-CA", "US-VA"}, ModeOptOut, LawCCPA},
		{[]string{"US-CA"}, ModeOptIn, LawOther}, // not an opt-out state set-up
		{[]string{"BR"}, ModeOptIn, LawLGPD},
		{[]string{"MX"}, ModeNotice, LawMexico},
		{[]string{"JP"}, ModeNotice, LawJapan},
		{[]string{"*"}, ModeOptIn, LawOther},
		{[]string{"AR", "*"}, ModeOptIn, LawOther},
		{[]string{"DE", "BR"}, ModeOptIn, LawLGPD},   // the shortest time limit wins
		{[]string{"MX", "EU"}, ModeOptIn, LawMexico}, // 20 days before one month
	}
	for _, tt := range tests {
		j := &Jurisdiction{ID: "x", Regions: tt.regions, Mode: tt.mode}
		if got := j.RequestDeadlines().Law; got != tt.law {
			t.Errorf("%v %s: law %s, want %s", tt.regions, tt.mode, got, tt.law)
		}
	}

	gdpr := (&Jurisdiction{Regions: []string{"EU"}}).RequestDeadlines()
	want := Requests{Answer: Period{1, Months}, Extension: &Extension{Period{2, Months}, true, Period{1, Months}}, Law: LawGDPR}
	if diff := cmp.Diff(want, gdpr); diff != "" {
		t.Errorf("GDPR defaults (-want +got):\n%s", diff)
	}
	ccpa := (&Jurisdiction{Regions: []string{"US-CA"}, Mode: ModeOptOut}).RequestDeadlines()
	want = Requests{
		Acknowledge: Period{10, BusinessDays}, Answer: Period{45, Days},
		Extension: &Extension{Period{45, Days}, true, Period{45, Days}},
		OptOut:    &OptOutRequests{Answer: Period{15, BusinessDays}}, Law: LawCCPA,
	}
	if diff := cmp.Diff(want, ccpa); diff != "" {
		t.Errorf("CCPA defaults (-want +got):\n%s", diff)
	}
	// The defaults are copies: changing one changes nothing else.
	ccpa.OptOut.Answer = Period{1, Days}
	if again := (&Jurisdiction{Regions: []string{"US-CA"}, Mode: ModeOptOut}).RequestDeadlines(); again.OptOut.Answer != (Period{15, BusinessDays}) {
		t.Error("RequestDeadlines shares its defaults with the caller")
	}
	if got := (*Jurisdiction)(nil).RequestDeadlines().Law; got != LawOther {
		t.Errorf("nil jurisdiction: law %s, want %s", got, LawOther)
	}
}

func TestRequestsBlock(t *testing.T) {
	const eu = "        regions: [EU, EEA]\n        mode: opt_in\n"
	src := apply(t, base, edit{eu, eu + "        requests:\n          answer: 20d\n          act: 15d\n          acknowledge: 5bd\n" +
		"          extension: {period: 20d}\n          opt_out: {answer: 15bd, verify: true}\n"},
		edit{"      name: Example SA\n", "      name: Example SA\n      timezone: America/Mexico_City\n"})
	m := mustParse(t, src)
	s := m.Sites[0]
	got := s.Jurisdictions[0].RequestDeadlines()
	want := Requests{
		Answer: Period{20, Days}, Act: Period{15, Days}, Acknowledge: Period{5, BusinessDays},
		Extension: &Extension{Period: Period{20, Days}}, OptOut: &OptOutRequests{Period{15, BusinessDays}, true},
		Law: LawManifest,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if s.Controller.Timezone != "America/Mexico_City" {
		t.Errorf("timezone %q", s.Controller.Timezone)
	}
	// Deadlines do not change what a visitor consents to.
	if plain := mustParse(t, base).Sites[0]; plain.Fingerprint() != s.Fingerprint() {
		t.Error("a requests block and a time zone change the fingerprint")
	} else if plain.ContentHash() == s.ContentHash() {
		t.Error("a requests block does not change the content hash")
	}
}
