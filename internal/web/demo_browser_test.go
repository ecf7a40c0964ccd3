package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/demo"
)

// TestBrowserDemo walks the demo site as a newcomer sees it after the
// README's first command, and saves the screenshots the docs show: both
// layers, desktop and mobile, in English, French and German.
func TestBrowserDemo(t *testing.T) {
	be := newBrowserEnv(t, func(o *options) { o.pages, o.pagePatterns = demo.Handler(), demo.Patterns })
	for _, lang := range []string{"en", "fr", "de"} {
		for _, dev := range []struct {
			name string
			w, h int64
		}{{"desktop", 1280, 800}, {"mobile", 390, 844}} {
			tb := be.open(t, visit{lang: lang, url: be.srv.URL + "/"})
			tb.do(chromedp.EmulateViewport(dev.w, dev.h))
			tb.firstLayer()
			if got := eval[string](tb, in("#ct")+`.parentNode.parentNode.host.lang`); got != lang {
				t.Errorf("%s: banner language %q", lang, got)
			}
			if got := eval[string](tb, `[...document.querySelectorAll("[data-state]")].map(e => e.dataset.state).join()`); got == "" || containsState(got, "running") {
				t.Errorf("%s: before any choice the demo's gated examples show %q", lang, got)
			}
			tb.settled()
			browsertest.Screenshot(t, tb.ctx, fmt.Sprintf("demo-%s-%s-first", dev.name, lang), false)
			tb.click(in(`[data-a=custom]`))
			tb.wait(in(".pc"))
			// Open the first optional category's vendors, as a visitor would.
			tb.click(in(`section:nth-of-type(2) summary`))
			tb.settled()
			browsertest.Screenshot(t, tb.ctx, fmt.Sprintf("demo-%s-%s-preferences", dev.name, lang), false)
			if lang == "en" && dev.name == "desktop" {
				tb.click(in(`[data-a=accept]`))
				tb.wait(`[...document.querySelectorAll("[data-state]")].every(e => e.dataset.state == "running")`)
				tb.recorded()
				tb.noViolations()
				browsertest.Screenshot(t, tb.ctx, "demo-desktop-en-accepted", true)
			}
		}
	}
	// The privacy notices and the cookie declaration the banner links to.
	for _, path := range []string{"/en/privacy", "/fr/vie-privee", "/de/datenschutz", "/privacy/demo/cookies?locale=fr"} {
		code, _, _ := be.do("GET", path, nil)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
	}
}

func containsState(states, want string) bool {
	return slices.Contains(strings.Split(states, ","), want)
}

// TestBrowserGatedElementsParsedLate: a returning visitor's banner can run
// before the page is fully parsed; gated elements further down must still
// run.
func TestBrowserGatedElementsParsedLate(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	tb.click(in(`[data-a=accept]`))
	tb.recorded()
	tb.do(chromedp.Navigate(be.site.URL + "/slow?region=DE"))
	tb.wait(`window.ran && ran.includes("late")`)
}

// settled waits until the banner's entrance animation has finished, so a
// screenshot shows it as the visitor sees it.
func (tb *tab) settled() {
	tb.t.Helper()
	tb.wait(`!` + shadow + `.getAnimations().some(a => a.playState == "running")`)
}
