package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
)

// restrict files a restriction request for consent id subject, approves it
// in the console as the officer with token, and returns the request.
func (h *harness) restrict(token, subject, region string) *custos.Request {
	h.t.Helper()
	r := h.newRequest(dsr.Submission{Type: custos.RequestRestriction, Region: region, ConsentID: subject})
	_, _, body := h.request("GET", "/console/requests/"+r.ID, token, nil)
	h.post(token, r.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	return r
}

// lift lifts the restriction request r set, in the console.
func (h *harness) lift(token string, r *custos.Request) {
	h.t.Helper()
	_, _, body := h.request("GET", "/console/requests/"+r.ID, token, nil)
	m := regexp.MustCompile(`name="mark" value="([0-9]+)"`).FindStringSubmatch(body)
	if m == nil {
		h.t.Fatal("no restriction to lift on the request's page")
	}
	h.post(token, r.ID, "lift", url.Values{"mark": {m[1]}}, "lifted")
}

// TestConsentPageShowsRestriction: the page of a consent record whose
// person asked for restriction of processing says so, since when, and
// links to the request for those who may open it; until it is lifted.
func TestConsentPageShowsRestriction(t *testing.T) {
	h := newHarness(t, nil)
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	rec := h.recordConsent(nil, nil)
	other := h.recordConsent(nil, nil)
	page := func(token, id, lang string) string {
		t.Helper()
		path := "/console/consents/" + id
		if lang != "" {
			path += "?lang=" + lang
		}
		status, _, body := h.request("GET", path, token, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		if live := liveMarkup(body); live != "" {
			t.Errorf("GET %s: %s", path, live)
		}
		return body
	}
	if body := page(officer, rec.ID, ""); strings.Contains(body, "Processing restricted") {
		t.Error("a record shows a restriction before any")
	}

	r := h.restrict(officer, rec.Subject, "FR")
	paris, err := time.LoadLocation("Europe/Paris") // the demo controller's time zone
	if err != nil {
		t.Fatal(err)
	}
	since := h.clock().In(paris).Format(time.DateOnly)
	link := `<a href="/console/requests/` + r.ID + `">`
	for _, token := range []string{officer, auditor} {
		body := page(token, rec.ID, "")
		containsAll(t, "the restricted record's page", body,
			"Processing restricted (GDPR Art. 18) since "+since, "do not otherwise process it until the restriction is lifted", link)
	}
	containsAll(t, "the page in French", page(officer, rec.ID, "fr"), "Traitement limité (RGPD art. 18) depuis le "+since, link)
	containsAll(t, "the page in German", page(officer, rec.ID, "de"), "Verarbeitung eingeschränkt (DSGVO Art. 18) seit "+since, link)
	if body := page(officer, other.ID, ""); strings.Contains(body, "Processing restricted") {
		t.Error("another person's record shows the restriction")
	}

	h.lift(officer, r)
	if body := page(officer, rec.ID, ""); strings.Contains(body, "Processing restricted") || strings.Contains(body, link) {
		t.Error("the record still shows the restriction once it is lifted")
	}
}

// TestConsentPageRestrictionWithoutRequests: with no request service the
// notice stands, without a link to a page that is not there.
func TestConsentPageRestrictionWithoutRequests(t *testing.T) {
	h := newHarness(t, nil)
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	rec := h.recordConsent(nil, nil)
	r := h.restrict(officer, rec.Subject, "FR")
	h.con.Requests = nil
	_, _, body := h.request("GET", "/console/consents/"+rec.ID, officer, nil)
	if !strings.Contains(body, "Processing restricted (GDPR Art. 18) since") || strings.Contains(body, "/console/requests/"+r.ID) {
		t.Errorf("without requests: the notice is missing, or links to the request")
	}
}

// TestDashboardLeavesOutRestricted: the dashboard's figures leave out the
// records of a person under a restriction of processing, says so, and
// counts them again once it is lifted. A selection made only of such
// records is too small for an analyst.
func TestDashboardLeavesOutRestricted(t *testing.T) {
	h := newHarness(t, nil)
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, analyst := h.staffUser(custos.RoleAnalyst, "analyst@example.com")
	// Eleven people in Germany; one person in France, with two records.
	for range 11 {
		h.recordConsent(nil, nil)
	}
	const subject = "restricted-subject-0123456789"
	for range 2 {
		h.recordConsent(func(c *custos.Consent) { c.Subject, c.Region = subject, "FR" }, nil)
	}
	total := regexp.MustCompile(`<span class="n">([0-9]+)</span>`)
	const note = "are left out of these figures"
	dashboard := func(token, query string) (string, string) {
		t.Helper()
		status, _, body := h.request("GET", "/console/"+query, token, nil)
		if status != http.StatusOK {
			t.Fatalf("dashboard%s: %d", query, status)
		}
		m := total.FindStringSubmatch(body)
		if m == nil {
			return "", body
		}
		return m[1], body
	}
	if n, body := dashboard(officer, ""); n != "13" || strings.Contains(body, note) {
		t.Errorf("before: %s choices, or a note of records left out", n)
	}

	r := h.restrict(officer, subject, "FR")
	for _, token := range []string{officer, analyst} {
		if n, body := dashboard(token, ""); n != "11" || !strings.Contains(body, note) {
			t.Errorf("restricted: %s choices, or no note of the records left out", n)
		}
	}
	if n, body := dashboard(officer, "?region=FR"); n != "0" || !strings.Contains(body, note) {
		t.Errorf("restricted, France, officer: %s choices, or no note", n)
	}
	if _, body := dashboard(analyst, "?region=FR"); strings.Contains(body, note) || !strings.Contains(body, "fewer than 10") {
		t.Error("an analyst learns of records left out in a selection of two")
	}

	h.lift(officer, r)
	if n, body := dashboard(officer, ""); n != "13" || strings.Contains(body, note) {
		t.Errorf("lifted: %s choices, or a note of records left out", n)
	}
	list, err := h.db.RestrictedSubjects(context.Background(), "")
	if err != nil || len(list) != 0 {
		t.Errorf("RestrictedSubjects after lifting: %v, %v", list, err)
	}
}
