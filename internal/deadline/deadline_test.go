package deadline

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/manifest"
)

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// day returns the end of a day in loc, as Dates hold deadlines.
func day(s string, loc *time.Location) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		panic(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
}

func at(s string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func juris(mode string, regions ...string) *manifest.Jurisdiction {
	return &manifest.Jurisdiction{ID: "j", Regions: regions, Mode: mode}
}

var (
	gdpr   = For(juris(manifest.ModeOptIn, "EU", "EEA", "GB"))
	fadp   = For(juris(manifest.ModeOptIn, "CH"))
	ccpa   = For(juris(manifest.ModeOptOut, "US-CA"))
	lgpd   = For(juris(manifest.ModeOptIn, "BR"))
	mexico = For(juris(manifest.ModeNotice, "MX"))
	japan  = For(juris(manifest.ModeNotice, "JP"))
	other  = For(juris(manifest.ModeOptIn, "*"))
)

func TestDue(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		name     string
		policy   Policy
		kind     Kind
		received time.Time
		want     Dates
	}{
		{"GDPR: 31 January + 1 month = 28 February", gdpr, Access, at("2025-01-31 10:00:00", utc), Dates{
			AnswerBy: day("2025-02-28", utc), ExtendedBy: day("2025-04-30", utc),
			TellExtensionBy: day("2025-02-28", utc), ExtensionReason: true, Verify: true}},
		{"GDPR: leap year, 31 January + 1 month = 29 February", gdpr, Erasure, at("2024-01-31 23:30:00", utc), Dates{
			AnswerBy: day("2024-02-29", utc), ExtendedBy: day("2024-04-30", utc),
			TellExtensionBy: day("2024-02-29", utc), ExtensionReason: true, Verify: true}},
		{"GDPR: 30 November + 3 months ends 28 February", gdpr, Objection, at("2025-11-30 08:00:00", utc), Dates{
			AnswerBy: day("2025-12-30", utc), ExtendedBy: day("2026-02-28", utc),
			TellExtensionBy: day("2025-12-30", utc), ExtensionReason: true, Verify: true}},
		{"GDPR: 5 May + 1 month = 5 June", gdpr, Information, at("2025-05-05 12:00:00", utc), Dates{
			AnswerBy: day("2025-06-05", utc), ExtendedBy: day("2025-08-05", utc),
			TellExtensionBy: day("2025-06-05", utc), ExtensionReason: true, Verify: true}},
		{"GDPR: the controller's day, not UTC's", gdpr.In(paris), Access, at("2025-01-31 23:30:00", utc), Dates{
			// 00:30 on 1 February in Paris: the month runs from 1 February.
			AnswerBy: day("2025-03-01", paris), ExtendedBy: day("2025-05-01", paris),
			TellExtensionBy: day("2025-03-01", paris), ExtensionReason: true, Verify: true}},
		{"GDPR: across the change to summer time in Paris", gdpr.In(paris), Access, at("2025-03-15 09:00:00", paris), Dates{
			AnswerBy: day("2025-04-15", paris), ExtendedBy: day("2025-06-15", paris),
			TellExtensionBy: day("2025-04-15", paris), ExtensionReason: true, Verify: true}},
		{"GDPR: received on the night clocks go back", gdpr.In(paris), Access, at("2025-10-26 02:30:00", paris), Dates{
			AnswerBy: day("2025-11-26", paris), ExtendedBy: day("2026-01-26", paris),
			TellExtensionBy: day("2025-11-26", paris), ExtensionReason: true, Verify: true}},
		// The CCPA's periods begin on the day of receipt, which counts.
		{"CCPA: received on a Friday, its first day: 10 business days, 45 days, 45 more", ccpa, Access, at("2025-01-03 16:00:00", utc), Dates{
			AcknowledgeBy: day("2025-01-16", utc), AnswerBy: day("2025-02-16", utc), ExtendedBy: day("2025-04-02", utc),
			TellExtensionBy: day("2025-02-16", utc), ExtensionReason: true, Verify: true}},
		{"CCPA: received on a Saturday, business days start on Monday", ccpa, Rectification, at("2025-01-04 10:00:00", utc), Dates{
			AcknowledgeBy: day("2025-01-17", utc), AnswerBy: day("2025-02-17", utc), ExtendedBy: day("2025-04-03", utc),
			TellExtensionBy: day("2025-02-17", utc), ExtensionReason: true, Verify: true}},
		{"CCPA: opt-out in 15 business days, no verification", ccpa, OptOut, at("2025-01-03 16:00:00", utc), Dates{
			AnswerBy: day("2025-01-23", utc), Verify: false}},
		{"CCPA: 15 business days across the spring DST change in Los Angeles", ccpa.In(mustLoad("America/Los_Angeles")), OptOut,
			at("2025-03-07 17:00:00", mustLoad("America/Los_Angeles")), Dates{
				AnswerBy: day("2025-03-27", mustLoad("America/Los_Angeles")), Verify: false}},
		{"GDPR: an opt-out is an objection like any other", gdpr, OptOut, at("2025-01-31 10:00:00", utc), Dates{
			AnswerBy: day("2025-02-28", utc), ExtendedBy: day("2025-04-30", utc),
			TellExtensionBy: day("2025-02-28", utc), ExtensionReason: true, Verify: true}},
		{"LGPD: 15 days, across a month end", lgpd, Access, at("2025-02-20 10:00:00", utc), Dates{
			AnswerBy: day("2025-03-07", utc), Verify: true}},
		{"LGPD: leap year", lgpd, Access, at("2024-02-20 10:00:00", utc), Dates{
			AnswerBy: day("2024-03-06", utc), Verify: true}},
		{"Mexico: 20 business days to decide, 15 to act, extendable once", mexico, Rectification, at("2025-01-10 10:00:00", utc), Dates{
			AnswerBy: day("2025-02-07", utc), ExtendedBy: day("2025-03-07", utc), TellExtensionBy: day("2025-02-07", utc),
			ExtensionReason: true, ActBy: day("2025-02-28", utc), Verify: true}},
		{"Switzerland: 30 days, not one month", fadp, Access, at("2025-01-31 10:00:00", utc), Dates{
			AnswerBy: day("2025-03-02", utc), ExtendedBy: day("2025-05-02", utc), TellExtensionBy: day("2025-03-02", utc),
			ExtensionReason: true, Verify: true}},
		{"Japan: without delay, target 14 days", japan, Access, at("2025-12-25 10:00:00", utc), Dates{
			AnswerBy: day("2026-01-08", utc), WithoutDelay: true, Verify: true}},
		{"elsewhere: one month", other, ConsentWithdrawal, at("2025-08-31 10:00:00", utc), Dates{
			AnswerBy: day("2025-09-30", utc), Verify: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Due(tt.kind, tt.received)
			tt.want.Received = tt.received.In(tt.policy.location())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Due (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndOfDayAcrossDST(t *testing.T) {
	// The last day of a period is a whole day in the controller's zone: on
	// 30 March 2025 Paris has 23 hours, and the deadline is still 23:59:59
	// local, 21:59:59 UTC (summer time, UTC+2).
	got := gdpr.In(paris).Due(Access, at("2025-02-28 12:00:00", paris)).AnswerBy
	if want := time.Date(2025, 3, 28, 22, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("28 February + 1 month in Paris = %v, want %v", got.UTC(), want)
	}
	got = lgpd.In(paris).Due(Access, at("2025-03-15 12:00:00", paris)).AnswerBy
	if want := time.Date(2025, 3, 30, 21, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("15 March + 15 days in Paris = %v, want %v", got.UTC(), want)
	}
}

func TestActBy(t *testing.T) {
	told := at("2025-01-15 18:00:00", time.UTC)
	// Wednesday 15 January + 15 business days.
	if got, want := mexico.ActBy(told), day("2025-02-05", time.UTC); !got.Equal(want) {
		t.Errorf("ActBy = %v, want %v", got, want)
	}
	if got := gdpr.ActBy(told); !got.IsZero() {
		t.Errorf("GDPR ActBy = %v, want zero", got)
	}
}

func TestExtensionInOtherUnits(t *testing.T) {
	p := Policy{Answer: manifest.Period{N: 1, Unit: manifest.Months}, Extension: manifest.Period{N: 10, Unit: manifest.BusinessDays}}
	got := p.Due(Access, at("2025-01-31 10:00:00", time.UTC))
	// 28 February is a Friday; 10 business days later is Friday 14 March.
	if want := day("2025-03-14", time.UTC); !got.ExtendedBy.Equal(want) {
		t.Errorf("ExtendedBy = %v, want %v", got.ExtendedBy, want)
	}
	if !got.TellExtensionBy.Equal(got.AnswerBy) {
		t.Errorf("TellExtensionBy = %v, want the answer's deadline %v", got.TellExtensionBy, got.AnswerBy)
	}
}

// TestPure checks that the dates depend on the inputs only: the same policy,
// kind and instant give the same dates, whatever zone the instant is
// written in, and however often they are computed.
func TestPure(t *testing.T) {
	instant := at("2025-03-29 23:30:00", time.UTC) // 00:30 on 30 March in Paris, the night of the change
	for _, p := range []Policy{gdpr, ccpa, lgpd, mexico, japan, other, gdpr.In(paris), ccpa.In(paris)} {
		for _, k := range Kinds() {
			first := p.Due(k, instant)
			for _, loc := range []*time.Location{time.UTC, paris, mustLoad("Asia/Tokyo"), time.FixedZone("odd", -3*3600-1800)} {
				again := p.Due(k, instant.In(loc))
				if diff := cmp.Diff(first, again); diff != "" {
					t.Errorf("%s %s: dates differ when received is in %s (-first +again):\n%s", p.Law, k, loc, diff)
				}
			}
		}
	}
}

func TestForSite(t *testing.T) {
	m := manifest.Demo()
	s := m.Sites[0]
	p := ForSite(s, "DE")
	if p.Law != manifest.LawGDPR || p.Location.String() != "Europe/Paris" {
		t.Errorf("ForSite(demo, DE) = law %s in %s, want GDPR in Europe/Paris", p.Law, p.Location)
	}
	for region, law := range map[string]string{"US-CA": manifest.LawCCPA, "BR": manifest.LawLGPD, "JP": manifest.LawJapan,
		"CH": manifest.LawFADP, "": manifest.LawOther} {
		if got := ForSite(s, region).Law; got != law {
			t.Errorf("ForSite(demo, %q).Law = %s, want %s", region, got, law)
		}
	}
}

func TestRegionLaw(t *testing.T) {
	europe := juris(manifest.ModeOptIn, "EU", "EEA", "GB", "CH")
	for region, law := range map[string]string{"DE": manifest.LawGDPR, "CH": manifest.LawFADP, "GB": manifest.LawGDPR,
		"": manifest.LawFADP, "XX": manifest.LawFADP} {
		if got := ForRegion(europe, region).Law; got != law {
			t.Errorf("ForRegion(europe, %q).Law = %s, want %s", region, got, law)
		}
	}
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds() {
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	if Kind("delete").Valid() {
		t.Error(`"delete" is valid`)
	}
}
