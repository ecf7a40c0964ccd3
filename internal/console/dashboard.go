package console

import (
	"context"
	"html/template"
	"slices"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// dashboard holds the aggregate figures of one period: counts only, never
// a record about one person (the analyst role sees this and nothing else).
type dashboard struct {
	From, To      time.Time
	Site, Region  string
	Total         int
	Accept        int
	Reject        int
	Custom        int
	Other         int // closed, GPC, withdrawals, API
	LeftOut       int // rows whose person asked for restriction of processing (GDPR Art. 18)
	Days          []dayBar
	Categories    []rateBar
	ConsentsChart template.HTML
	RatesChart    template.HTML
}

func (d *dashboard) Share(n int) float64 {
	if d.Total == 0 {
		return 0
	}
	return float64(n) / float64(d.Total) * 100
}

// maxDashboardDays bounds the period a dashboard covers.
const maxDashboardDays = 366

// dashboardSource is what the dashboard reads: the ledger, and which
// consent ids are under a restriction of processing.
type dashboardSource interface {
	custos.ConsentReports
	RestrictedSubjects(ctx context.Context, site string) ([]custos.SiteSubject, error)
}

// buildDashboard walks the ledger rows of the period once. The rows of
// consent ids under a restriction of processing are left out (and
// counted in LeftOut): the restrictions in force are few, and read first.
func buildDashboard(ctx context.Context, reports dashboardSource, m *manifest.Manifest, t *messages,
	site, region string, from, to time.Time) (*dashboard, error) {
	d := &dashboard{From: from, To: to, Site: site, Region: region}
	list, err := reports.RestrictedSubjects(ctx, site)
	if err != nil {
		return nil, err
	}
	restricted := make(map[custos.SiteSubject]bool, len(list))
	for _, ss := range list {
		restricted[ss] = true
	}
	index := map[string]int{} // day → index in d.Days
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		index[day.Format(time.DateOnly)] = len(d.Days)
		d.Days = append(d.Days, dayBar{Day: day, Counts: make([]int, 4)})
	}
	granted := map[string]int{}
	asked := map[string]int{}
	err = reports.WalkConsents(ctx, site, from, to, func(c *custos.Consent) error {
		if region != "" && c.Region != region && c.Jurisdiction != region {
			return nil
		}
		if len(restricted) > 0 && restricted[custos.SiteSubject{Site: c.Site, Subject: c.Subject}] {
			d.LeftOut++
			return nil
		}
		d.Total++
		k := 3
		switch c.Method {
		case custos.MethodAcceptAll:
			d.Accept++
			k = 0
		case custos.MethodRejectAll:
			d.Reject++
			k = 1
		case custos.MethodCustom:
			d.Custom++
			k = 2
		default:
			d.Other++
		}
		if i, ok := index[c.IssuedAt.UTC().Format(time.DateOnly)]; ok {
			d.Days[i].Counts[k]++
		}
		for cat, v := range c.Choices {
			asked[cat]++
			if v {
				granted[cat]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Opt-in rates of the optional categories, named as the manifest names
	// them in the staff member's language.
	names := map[string]string{}
	required := map[string]bool{}
	for _, s := range m.Sites {
		if site != "" && s.ID != site {
			continue
		}
		for _, c := range s.Categories {
			if _, ok := names[c.ID]; !ok {
				names[c.ID] = s.TextIn(c.Text, t.Lang).Name
			}
			required[c.ID] = required[c.ID] || c.Required
		}
	}
	cats := make([]string, 0, len(asked))
	for cat := range asked {
		if !required[cat] {
			cats = append(cats, cat)
		}
	}
	slices.Sort(cats)
	for _, cat := range cats {
		name := names[cat]
		if name == "" {
			name = cat // a category no longer in the manifest
		}
		d.Categories = append(d.Categories, rateBar{Label: name, Rate: float64(granted[cat]) / float64(asked[cat]), Of: asked[cat]})
	}
	ss := []series{
		{t.S("accept_all"), "s-accept"}, {t.S("reject_all"), "s-reject"},
		{t.S("custom"), "s-custom"}, {t.S("other"), "s-other"},
	}
	d.ConsentsChart = stackedBars(t.S("consents_per_day"), ss, d.Days)
	d.RatesChart = rateBars(t.S("opt_in_rate"), d.Categories)
	return d, nil
}
