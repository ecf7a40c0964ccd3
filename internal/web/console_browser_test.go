package web_test

import (
	"context"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/console"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// clock is a test clock the staff service reads: TOTP codes are accepted
// once per 30-second step, and the walkthrough needs two of them.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) step()          { c.mu.Lock(); c.now = c.now.Add(31 * time.Second); c.mu.Unlock() }

// TestBrowserConsoleWalkthrough sets up the first admin through the
// one-time link, enrols a second factor, signs in with a TOTP code, walks
// every page of the console and saves screenshots of each.
func TestBrowserConsoleWalkthrough(t *testing.T) {
	db := storetest.Open(t)
	clk := &clock{now: time.Now()}
	svc := &staff.Service{Store: db, Audit: db, Now: clk.Now}
	e := newEnv(t, db, func(o *options) {
		o.console = func(db *store.DB, signer *consent.Signer, current func() *manifest.Manifest) interface{ Register(*http.ServeMux) } {
			return &console.Console{Staff: svc, Store: db, Signer: signer, Manifest: current, Source: "demo",
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		}
	})
	seedLedger(t, db, e)

	const email, password = "first.admin@example.com", "plum-Kettle-orbit-7-Tundra"
	_, setup, err := svc.CreateUser(context.Background(), email, custos.RoleAdmin, "cli")
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	tb := &tab{t: t, ctx: ctx}
	shot := func(name string) {
		t.Helper()
		browsertest.Screenshot(t, ctx, "console-"+name, true)
	}
	tb.do(chromedp.EmulateViewport(1280, 900))

	// The one-time link: choose a password.
	tb.do(chromedp.Navigate(e.srv.URL + "/console/setup?token=" + setup))
	tb.do(chromedp.SendKeys(chromedp.ID("password"), password), chromedp.SendKeys(chromedp.ID("password2"), password))
	tb.do(chromedp.Submit(chromedp.ID("password")))
	tb.wait(`document.querySelector("main p.card") != null`)

	// First sign-in: an admin is sent to enrol a second factor.
	tb.do(chromedp.Navigate(e.srv.URL + "/console/sign-in"))
	shot("sign-in")
	tb.do(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	tb.do(chromedp.Submit(chromedp.ID("email")))
	tb.wait(`location.pathname == "/console/enroll" && location.search == "" && document.querySelector("#secret-shown")`) // the one-time token is not in the URL
	secretText := eval[string](tb, `document.querySelector("#secret-shown").textContent`)
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secretText)
	if err != nil {
		t.Fatalf("the enrolment page shows %q, not a base32 key: %v", secretText, err)
	}
	tb.do(chromedp.SendKeys(chromedp.ID("code"), staff.TOTPCode(secret, clk.Now())))
	tb.do(chromedp.Submit(chromedp.ID("code")))
	tb.wait(`document.querySelectorAll(".codes li").length >= 8`)
	shot("recovery-codes")

	// Sign in with the password and a fresh code.
	clk.step()
	tb.do(chromedp.Navigate(e.srv.URL + "/console/sign-in"))
	tb.do(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("code"), staff.TOTPCode(secret, clk.Now())))
	tb.do(chromedp.Submit(chromedp.ID("email")))
	tb.wait(`location.pathname == "/console/" && document.querySelector("svg.chart rect.s-accept")`)
	if n := eval[int](tb, `document.querySelectorAll("svg.chart rect.s-accept, svg.chart rect.s-reject").length`); n < 10 {
		t.Errorf("the dashboard chart has %d bars", n)
	}
	shot("dashboard")

	// Every page in the navigation, as the admin sees it.
	hrefs := eval[[]string](tb, `[...document.querySelectorAll("header nav a")].map(a => a.getAttribute("href")).filter(h => h.startsWith("/console/"))`)
	for _, want := range []string{"/console/", "/console/consents", "/console/audit", "/console/manifest"} {
		if !contains(hrefs, want) {
			t.Errorf("the admin's navigation lacks %s: %v", want, hrefs)
		}
	}
	for _, h := range hrefs {
		tb.do(chromedp.Navigate(e.srv.URL + h))
		tb.wait(`document.querySelector("main h1")`)
		if eval[bool](tb, `document.querySelector("p.error") != null && !location.pathname.startsWith("/console/audit")`) {
			t.Errorf("%s shows an error: %s", h, eval[string](tb, `document.querySelector("p.error").textContent`))
		}
		name := strings.Trim(strings.TrimPrefix(h, "/console/"), "/")
		if name == "" {
			continue
		}
		shot(name)
	}

	// A record about one person: its signature checked, its opening audited.
	tb.do(chromedp.Navigate(e.srv.URL + "/console/consents"))
	tb.click(`document.querySelector("main table tbody a")`)
	tb.wait(`location.pathname.startsWith("/console/consents/") && document.querySelector("p.ok")`)
	shot("record")
	tb.do(chromedp.Navigate(e.srv.URL + "/console/audit?action=record.viewed"))
	tb.wait(`document.querySelector("main table tbody tr")`)
	if !eval[bool](tb, `document.querySelector("p.ok").textContent.includes("verif")`) {
		t.Error("the audit page does not show the chain as verified")
	}
	shot("audit-access")

	// The console in French and German.
	for _, lang := range []string{"fr", "de"} {
		tb.do(chromedp.Navigate(e.srv.URL + "/console/?lang=" + lang))
		tb.wait(`document.documentElement.lang == "` + lang + `"`)
		shot("dashboard-" + lang)
	}
	tb.do(chromedp.Navigate(e.srv.URL + "/console/?lang=en"))
	tb.wait(`document.documentElement.lang == "en"`)

	// Keyboard: the skip link is the first stop and leads to the content.
	tb.do(chromedp.KeyEvent("\t"))
	if got := eval[string](tb, `document.activeElement.className`); got != "skip" {
		t.Errorf("the first Tab stop is %q, want the skip link", got)
	}

	// Sign out ends the session.
	tb.click(`document.querySelector("header .me button")`)
	tb.wait(`location.pathname == "/console/sign-in"`)
	tb.do(chromedp.Navigate(e.srv.URL + "/console/"))
	tb.wait(`location.pathname == "/console/sign-in"`)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// seedLedger records consents over the last 30 days, signed as the
// server signs them, so the dashboard has something to draw.
func seedLedger(t *testing.T, db *store.DB, e *env) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	methods := []custos.Method{custos.MethodAcceptAll, custos.MethodAcceptAll, custos.MethodRejectAll, custos.MethodCustom, custos.MethodClose}
	regions := []string{"DE", "FR", "US-CA", "BR"}
	now := time.Now().UTC()
	for i := range 240 {
		m := methods[r.IntN(len(methods))]
		c := &custos.Consent{
			ID: fmt.Sprintf("0193%028x", i), Site: "demo", Subject: fmt.Sprintf("seed-subject-%012d", i),
			Choices: map[string]bool{}, Method: m, ManifestFingerprint: e.site.Fingerprint(), Locale: "en",
			Region: regions[r.IntN(len(regions))], Jurisdiction: "eu", Mode: manifest.ModeOptIn, IPPrefix: "192.0.0.0/16",
			IssuedAt: now.Add(-time.Duration(r.IntN(30*24)) * time.Hour),
		}
		c.ExpiresAt = c.IssuedAt.AddDate(0, 6, 0)
		for _, cat := range e.site.Categories {
			c.Choices[cat.ID] = cat.Required || m == custos.MethodAcceptAll || m == custos.MethodCustom && r.IntN(2) == 0
		}
		jws, err := e.signer.Sign(consent.ReceiptFor(c, "http://custos.test"))
		if err != nil {
			t.Fatal(err)
		}
		c.Receipt = jws
		if _, _, err := db.RecordConsent(context.Background(), c, nil); err != nil {
			t.Fatal(err)
		}
	}
}
