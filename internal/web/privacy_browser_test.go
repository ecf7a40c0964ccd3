package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/custos"
)

// TestBrowserPrivacyCentre walks the privacy centre as a visitor: the
// centre (where the banner records a choice), the request form with this
// browser's consent choices included, the code page with the code from the
// e-mail, and the status page; it saves the screenshots the docs show.
func TestBrowserPrivacyCentre(t *testing.T) {
	be := newBrowserEnv(t, withRequests)
	tb := be.open(t, visit{lang: "en", url: be.srv.URL + "/privacy/demo"})
	tb.do(chromedp.EmulateViewport(1280, 900))
	shot := func(name string) {
		t.Helper()
		browsertest.Screenshot(t, tb.ctx, name, true)
	}

	// The centre loads the banner, which asks first; refuse, then reopen
	// the preference centre from the page's own button.
	tb.firstLayer()
	tb.click(in(`[data-a=reject]`))
	c, _ := tb.recorded()
	tb.wait(`!` + in(".b"))
	tb.click(`document.querySelector("[data-custos-open]")`)
	tb.wait(in(".pc"))
	tb.click(in(`.pc [data-a=back]`))
	tb.wait(`!` + in(".pc"))
	if got := eval[string](tb, `document.querySelector("#notice-link").href`); !strings.HasSuffix(got, "/en/privacy") {
		t.Errorf("notice link %q", got)
	}
	if got := eval[string](tb, `document.querySelector("#cookies-link").getAttribute("href")`); got != "/privacy/demo/cookies?locale=en" {
		t.Errorf("cookie declaration link %q", got)
	}
	tb.noViolations()
	shot("privacy-centre")

	// The form: an access request, with this browser's consent choices.
	tb.click(`document.querySelector("#request-link")`)
	tb.wait(`location.pathname == "/privacy/demo/requests/new" && document.querySelector("#consent-choice") && !document.querySelector("#consent-choice").hidden`)
	if eval[bool](tb, `document.querySelector("#website").getBoundingClientRect().right > 0`) {
		t.Error("the honeypot field is on screen")
	}
	tb.do(chromedp.Click(chromedp.ID("type-access")))
	tb.do(chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"))
	tb.do(chromedp.SendKeys(chromedp.ID("region"), "FR"))
	if got := eval[string](tb, `document.querySelector("#consent-id").value`); got != "" {
		t.Errorf("the consent id is filled before the box is ticked: %q", got)
	}
	tb.do(chromedp.Click(chromedp.ID("include-consent")))
	if got := eval[string](tb, `document.querySelector("#consent-id").value`); got != c.ID {
		t.Errorf("the consent id filled is %q, the cookie's is %q", got, c.ID)
	}
	tb.noViolations()
	shot("request-form")
	tb.do(chromedp.Submit(chromedp.ID("email")))

	// The code page: the code from the e-mail.
	tb.wait(`location.pathname == "/privacy/demo/requests/code" && document.querySelector("#code")`)
	if got := eval[string](tb, `document.activeElement.id`); got != "code" {
		t.Errorf("the code page's focus is on %q", got)
	}
	shot("request-code")
	tb.do(chromedp.SendKeys(chromedp.ID("code"), be.codeFor("ada@example.com", "verify")))
	tb.do(chromedp.Submit(chromedp.ID("code")))

	// The status page.
	tb.wait(`location.pathname.startsWith("/privacy/demo/requests/rq_") && document.querySelector("#request-state")`)
	if got := eval[string](tb, `document.querySelector("#request-state").textContent`); got != "Received; waiting to be dealt with" {
		t.Errorf("state %q", got)
	}
	tb.noViolations()
	shot("request-status")

	rs := be.requestList()
	if len(rs) != 1 || rs[0].State != custos.StateOpen || rs[0].ConsentSubject != c.ID || rs[0].Region != "FR" {
		t.Errorf("the request: %+v", rs)
	}
}
