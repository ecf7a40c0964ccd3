package manifest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // controller.timezone is checked, and deadlines counted, the same on hosts without a zoneinfo database

	"go.yaml.in/yaml/v3"
)

// Period is a legal time limit for answering a data subject request:
// a whole number of calendar days ("45d"), business days ("10bd", Monday to
// Friday) or calendar months ("1mo"), one unit only. It is a type of its own
// rather than a Duration because business days make sense for time limits
// and for nothing else the manifest holds (a cookie does not live for ten
// business days), and because a time limit in months is counted the way the
// law counts it — 31 January plus one month is the last day of February —
// while Duration.AddTo follows time.AddDate (3 March). internal/deadline
// does the counting.
type Period struct {
	N    int
	Unit PeriodUnit
}

// PeriodUnit is the unit of a Period.
type PeriodUnit uint8

// Units of a Period.
const (
	Days         PeriodUnit = iota + 1 // calendar days, "d"
	BusinessDays                       // Monday to Friday, "bd"
	Months                             // calendar months, "mo"
)

var periodUnits = map[string]PeriodUnit{"d": Days, "bd": BusinessDays, "mo": Months}

func (u PeriodUnit) String() string {
	switch u {
	case Days:
		return "d"
	case BusinessDays:
		return "bd"
	case Months:
		return "mo"
	}
	return ""
}

const periodHelp = "write a number and a unit: d (days), bd (business days) or mo (months), such as 45d, 10bd or 1mo"

// ParsePeriod parses the manifest form of a time limit. A period is at most
// a year (366 days, 262 business days or 12 months): a longer time limit
// for answering a person is a typo.
func ParsePeriod(s string) (Period, error) {
	fail := func(format string, args ...any) (Period, error) {
		return Period{}, fmt.Errorf("invalid period %q: %s", s, fmt.Sprintf(format, args...))
	}
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	digits, unit := s[:i], s[i:]
	switch {
	case digits == "" || unit == "":
		return fail(periodHelp)
	case len(digits) > 4:
		return fail("longer than a year")
	case digits == "0":
		return fail("a period must be longer than zero")
	case digits[0] == '0':
		return fail("write %s without leading zeros", digits)
	}
	u, ok := periodUnits[unit]
	if !ok {
		if short, ok := unitWords[strings.ToLower(strings.TrimSpace(unit))]; ok && (short == "d" || short == "mo") {
			return fail("write %s%s", digits, short)
		}
		if strings.Contains(strings.ToLower(unit), "business") || strings.Contains(strings.ToLower(unit), "working") {
			return fail("write %sbd", digits)
		}
		return fail("unknown unit %q; %s", unit, periodHelp)
	}
	n, _ := strconv.Atoi(digits)
	if limit := map[PeriodUnit]int{Days: 366, BusinessDays: 262, Months: 12}[u]; n > limit {
		return fail("longer than a year")
	}
	return Period{N: n, Unit: u}, nil
}

// String returns p in its manifest form, "" for the zero Period.
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	return strconv.Itoa(p.N) + p.Unit.String()
}

// IsZero reports whether p was not set.
func (p Period) IsZero() bool { return p == Period{} }

// Approx returns p in days, counting a month as 30 days and a business day
// as 7/5 of a day, for comparisons only.
func (p Period) Approx() float64 {
	switch p.Unit {
	case BusinessDays:
		return float64(p.N) * 7 / 5
	case Months:
		return float64(p.N) * 365.25 / 12
	}
	return float64(p.N)
}

// UnmarshalYAML reads a period from a scalar node; an empty value leaves p
// zero.
func (p *Period) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a period such as 1mo, 45d or 10bd, got %s", describe(n))
	}
	if n.ShortTag() == "!!null" || n.Value == "" {
		*p = Period{}
		return nil
	}
	v, err := ParsePeriod(n.Value)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// MarshalYAML writes p in its manifest form.
func (p Period) MarshalYAML() (any, error) { return p.String(), nil }

// MarshalJSON writes p as a JSON string in its manifest form.
func (p Period) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a JSON string in the manifest form; null and "" leave
// p zero.
func (p *Period) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil || *s == "" {
		*p = Period{}
		return nil
	}
	v, err := ParsePeriod(*s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Requests holds the time limits for data subject requests in a
// jurisdiction. Every period runs from the day the request is received,
// unless said otherwise.
type Requests struct {
	// Answer is the time limit for answering; with Act, for deciding. With
	// WithoutDelay, it is the controller's own target.
	Answer Period `yaml:"answer" json:"answer"`
	// Acknowledge is the time limit for confirming receipt; zero if the law
	// asks for none.
	Acknowledge Period `yaml:"acknowledge" json:"acknowledge,omitzero"`
	// Act, when set, splits the answer in two: decide within Answer, then
	// carry the decision out within Act of telling it to the person (Mexico).
	Act Period `yaml:"act" json:"act,omitzero"`
	// WithoutDelay records that the law sets no number of days but asks for
	// an answer without delay (Japan); Answer is then a target.
	WithoutDelay bool `yaml:"without_delay" json:"without_delay,omitempty"`
	// Extension is how much longer the answer may take when necessary; nil
	// if it may not be extended.
	Extension *Extension `yaml:"extension" json:"extension,omitempty"`
	// OptOut, when set, gives requests to opt out of the sale or sharing of
	// personal data a time limit of their own (California).
	OptOut *OptOutRequests `yaml:"opt_out" json:"opt_out,omitempty"`

	// Law names where the deadlines come from: "manifest" for a requests
	// block, or the law whose defaults apply. Not part of the YAML.
	Law string `yaml:"-" json:"-"`
}

// Extension is the extension of the time limit for answering.
type Extension struct {
	// Period is added to the answer's time limit.
	Period Period `yaml:"period" json:"period"`
	// Reason: the person must be told the reason for the extension.
	Reason bool `yaml:"reason" json:"reason,omitempty"`
	// TellWithin is the time limit, from receipt, for telling the person of
	// the extension; zero means within the answer's time limit.
	TellWithin Period `yaml:"tell_within" json:"tell_within,omitzero"`
}

// OptOutRequests are the time limits of requests to opt out of the sale or
// sharing of personal data.
type OptOutRequests struct {
	Answer Period `yaml:"answer" json:"answer"`
	// Verify: the person's identity must be verified first. California
	// forbids asking for it (CCPA regulations §7026(d)), hence false by
	// default.
	Verify bool `yaml:"verify" json:"verify,omitempty"`
}

// DefaultJapanTarget is the target, when the law says "without delay"
// (Japan) and the manifest gives none: 14 days.
var DefaultJapanTarget = Period{14, Days}

// Laws whose deadlines are the defaults, as Requests.Law names them.
const (
	LawManifest = "manifest"
	LawGDPR     = "GDPR"
	LawCCPA     = "CCPA"
	LawLGPD     = "LGPD"
	LawMexico   = "LFPDPPP"
	LawFADP     = "FADP"
	LawJapan    = "APPI"
	LawOther    = "other"
)

// defaultRequests are the deadlines of each law, used for a jurisdiction
// with no requests block.
var defaultRequests = map[string]Requests{
	// GDPR Art. 12(3): "without undue delay and in any event within one
	// month of receipt of the request. That period may be extended by two
	// further months where necessary [...]. The controller shall inform the
	// data subject of any such extension within one month of receipt of the
	// request, together with the reasons for the delay." The UK GDPR is
	// treated alike.
	LawGDPR: {
		Answer:    Period{1, Months},
		Extension: &Extension{Period: Period{2, Months}, Reason: true, TellWithin: Period{1, Months}},
		Law:       LawGDPR,
	},
	// CCPA, Civil Code §1798.130(a)(2)(A): disclose and deliver within 45
	// days of receiving a verifiable consumer request, extendable once by 45
	// days when reasonably necessary, with notice within the first 45 days.
	// CCPA regulations (Cal. Code Regs. tit. 11) §7021(a): confirm receipt
	// within 10 business days; §7021(b): the 45 calendar days begin on the
	// day the request is received; §7026(f): comply with a request to opt
	// out of sale/sharing no later than 15 business days from receipt;
	// §7026(d): an opt-out request need not be a verifiable consumer
	// request.
	LawCCPA: {
		Acknowledge: Period{10, BusinessDays},
		Answer:      Period{45, Days},
		Extension:   &Extension{Period: Period{45, Days}, Reason: true, TellWithin: Period{45, Days}},
		OptOut:      &OptOutRequests{Answer: Period{15, BusinessDays}},
		Law:         LawCCPA,
	},
	// LGPD (Lei 13.709/2018) Art. 19 II: a clear and complete declaration
	// within 15 days of the data subject's request.
	LawLGPD: {Answer: Period{15, Days}, Law: LawLGPD},
	// LFPDPPP of 20 March 2025 (DOF), Art. 31: the controller tells the
	// holder its decision within 20 business days (días hábiles) of
	// receiving the request, and carries it out within 15 business days of
	// telling it; each period may be extended once by as much again, with
	// justification. Custos extends the first; the second's extension is
	// not modelled (act sooner). Business days skip weekends, not Mexican
	// holidays, so the dates come a day or two early, never late.
	LawMexico: {Answer: Period{20, BusinessDays}, Act: Period{15, BusinessDays},
		Extension: &Extension{Period: Period{20, BusinessDays}, Reason: true}, Law: LawMexico},
	// Swiss FADP (DSG) Art. 25(7) and its ordinance (DSV) Art. 18: access
	// within 30 days of receipt; when that cannot be done, the person is
	// told within the 30 days, and told by when. The law sets no cap on
	// the delay: Custos allows two more months, as the GDPR does, and asks
	// for the reason, which the GDPR needs and the FADP does not forbid, so
	// that the Swiss default also satisfies the GDPR in a shared
	// jurisdiction.
	LawFADP: {Answer: Period{30, Days},
		Extension: &Extension{Period: Period{2, Months}, Reason: true, TellWithin: Period{30, Days}}, Law: LawFADP},
	// APPI Art. 33(2) (Art. 28 before the 2020 amendments): disclose
	// "without delay" (遅滞なく); the law sets no number of days, so the
	// target is the controller's, 14 days by default.
	LawJapan: {Answer: DefaultJapanTarget, WithoutDelay: true, Law: LawJapan},
	// Anywhere else: one month, the GDPR's limit without its extension — a
	// common and cautious choice where the law sets none that Custos knows.
	LawOther: {Answer: Period{1, Months}, Law: LawOther},
}

// lawOf returns the law whose default deadlines govern a region of a
// jurisdiction, or "".
func lawOf(region, mode string) string {
	country, _, _ := strings.Cut(region, "-")
	switch {
	case country == "CH":
		return LawFADP
	case region == GroupEU || region == GroupEEA || eeaMembers[country] || country == "GB":
		return LawGDPR
	case country == "US" && mode == ModeOptOut:
		return LawCCPA
	case country == "BR":
		return LawLGPD
	case country == "MX":
		return LawMexico
	case country == "JP":
		return LawJapan
	}
	return ""
}

// RequestDeadlines returns the time limits for data subject requests in j:
// its requests block, or else the defaults of the law of its regions —
// GDPR for EU, EEA and GB; the FADP for CH; the CCPA for US regions in
// opt_out mode; LGPD for BR; LFPDPPP for MX; APPI for JP; one month
// elsewhere. When the regions fall under several of these laws, the one
// with the shortest time limit for answering applies. The result shares
// nothing with j that the caller could change.
func (j *Jurisdiction) RequestDeadlines() Requests {
	return j.RequestDeadlinesFor("")
}

// RequestDeadlinesFor is RequestDeadlines for a request from region: with
// no requests block, the law of region itself applies when Custos knows
// it (a Swiss request in a jurisdiction of Europe gets the FADP, a German
// one the GDPR), else that of the jurisdiction's regions.
func (j *Jurisdiction) RequestDeadlinesFor(region string) Requests {
	if j == nil {
		return cloneRequests(defaultRequests[LawOther])
	}
	if j.Requests != nil {
		r := cloneRequests(*j.Requests)
		r.Law = LawManifest
		return r
	}
	if law := lawOf(strings.ToUpper(region), j.Mode); law != "" && region != "" {
		return cloneRequests(defaultRequests[law])
	}
	best := ""
	for _, r := range j.Regions {
		law := lawOf(r, j.Mode)
		if law == "" {
			continue
		}
		if best == "" || defaultRequests[law].Answer.Approx() < defaultRequests[best].Answer.Approx() {
			best = law
		}
	}
	if best == "" {
		best = LawOther
	}
	return cloneRequests(defaultRequests[best])
}

func cloneRequests(r Requests) Requests {
	if r.Extension != nil {
		e := *r.Extension
		r.Extension = &e
	}
	if r.OptOut != nil {
		o := *r.OptOut
		r.OptOut = &o
	}
	return r
}

// checkRequests checks a jurisdiction's requests block.
func (l *loader) checkRequests(path string, r *Requests) {
	if r == nil {
		return
	}
	if !l.has(path) {
		l.errorf(path, "empty; give at least answer, such as answer: 1mo, or remove the block to use the defaults")
		return
	}
	if r.Answer.IsZero() {
		what := "the time limit for answering, such as 1mo or 45d"
		if r.WithoutDelay {
			what = "the target for answering without delay, such as 14d"
		}
		l.errorf(field(path, "answer"), "missing; give %s", what)
	}
	longer := func(p Period, what string) {
		if !p.IsZero() && !r.Answer.IsZero() && p.Approx() > r.Answer.Approx() {
			l.errorf(field(path, what), "%s is longer than the time limit for answering (%s)", p, r.Answer)
		}
	}
	longer(r.Acknowledge, "acknowledge")
	if r.WithoutDelay && r.Extension != nil {
		l.errorf(field(path, "extension"), "an answer without delay cannot be extended; remove extension or without_delay")
	}
	if e := r.Extension; e != nil {
		ep := field(path, "extension")
		if e.Period.IsZero() {
			l.errorf(field(ep, "period"), "missing; give how much longer the answer may take, such as 2mo")
		}
		if !e.TellWithin.IsZero() && !r.Answer.IsZero() && e.TellWithin.Approx() > r.Answer.Approx() {
			l.errorf(field(ep, "tell_within"), "the person must hear of the extension before the answer is due (%s), not later", r.Answer)
		}
	}
	if o := r.OptOut; o != nil && o.Answer.IsZero() {
		l.errorf(field(field(path, "opt_out"), "answer"), "missing; give the time limit for opt-out requests, such as 15bd")
	}
}

// checkTimezone checks controller.timezone.
func (l *loader) checkTimezone(path, tz string) {
	if tz == "" {
		return
	}
	if tz == "Local" || strings.EqualFold(tz, "local") {
		l.errorf(path, "name the time zone, such as Europe/Paris: the server's own may change")
		return
	}
	if _, err := time.LoadLocation(tz); err != nil {
		l.errorf(path, "%q is not an IANA time zone name, such as Europe/Paris or America/Los_Angeles", tz)
	}
}
