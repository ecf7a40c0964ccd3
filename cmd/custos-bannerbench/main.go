// Command custos-bannerbench measures what the consent banner costs a page
// in a real browser: over N cold loads of the demo page, the time from
// navigation start until the banner is visible, against the same page
// without the banner (/?banner=off) until it is first painted.
//
// It starts custos serve --demo in-process on a free port (or uses -url)
// and drives Debian's Chromium headless. Every load is a first visit, as
// the visitors who see a banner are: the tab's cache and cookies are
// cleared before it (or, with -cold, it opens in a new browser context,
// which also starts a new renderer). Loads alternate between the two pages
// so that drift in the machine's load affects both alike.
//
//	go run ./cmd/custos-bannerbench -n 25
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/app"
	"github.com/custos-privacy/custos/internal/browsertest"
)

func main() {
	n := flag.Int("n", 25, "loads of each page")
	base := flag.String("url", "", "base URL of a running custos serve --demo (default: start one in-process)")
	flag.BoolVar(&cold, "cold", false, "open every load in a new browser context (a new renderer each time) instead of one tab with its cache and cookies cleared")
	flag.Parse()
	log.SetFlags(0)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if *base == "" {
		addr, err := serve(ctx)
		if err != nil {
			log.Fatal(err)
		}
		*base = "http://" + addr
	}
	path := browsertest.ExecPath()
	if path == "" {
		log.Fatal("no Chromium found: install chromium or set CUSTOS_CHROMIUM")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, browsertest.Options(path)...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		log.Fatal(err)
	}
	version, _ := chromedp.Run(browser, chromedp.Evaluate[string](`navigator.userAgent`))

	// One warm-up load of each, not counted: the first load pays for
	// starting the renderer and the server's first banner rendering.
	for _, u := range []string{*base + "/", *base + "/?banner=off"} {
		if _, err := load(browser, u, u == *base+"/"); err != nil {
			log.Fatal(err)
		}
	}
	var withBanner, bannerFCP, without, script, dcl, dcl0 []float64
	for i := range *n {
		m, err := retry(browser, *base+"/", true)
		if err != nil {
			log.Fatalf("load %d with banner: %v", i, err)
		}
		withBanner = append(withBanner, m.visible)
		bannerFCP = append(bannerFCP, m.fcp)
		script = append(script, m.script)
		dcl = append(dcl, m.dcl)
		b, err := retry(browser, *base+"/?banner=off", false)
		if err != nil {
			log.Fatalf("load %d without banner: %v", i, err)
		}
		without = append(without, b.fcp)
		dcl0 = append(dcl0, b.dcl)
	}
	mb, mf, m0 := median(withBanner), median(bannerFCP), median(without)
	fmt.Printf("date:      %s\n", time.Now().UTC().Format(time.DateOnly))
	fmt.Printf("machine:   %s/%s, %d CPUs\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("browser:   %s\n", version)
	how := "first visits in a running browser: one tab, cache and cookies cleared before each"
	if cold {
		how = "cold: a new browser context, and so a new renderer, for each"
	}
	fmt.Printf("loads:     %d of each page, %s\n", *n, how)
	fmt.Printf("baseline:  page without banner, first contentful paint: median %.1f ms (min %.1f, max %.1f)\n", m0, slices.Min(without), slices.Max(without))
	fmt.Printf("banner:    page with banner, banner visible:            median %.1f ms (min %.1f, max %.1f)\n", mb, slices.Min(withBanner), slices.Max(withBanner))
	fmt.Printf("           page with banner, first contentful paint:    median %.1f ms\n", mf)
	fmt.Printf("           banner script received:                     median %.1f ms\n", median(script))
	fmt.Printf("           DOMContentLoaded, with / without banner:    median %.1f / %.1f ms\n", median(dcl), median(dcl0))
	verdict := "MET"
	if mb-m0 > 30 {
		verdict = "MISSED"
	}
	fmt.Printf("cost:      +%.1f ms over the baseline (target at most +30 ms: %s)\n", mb-m0, verdict)
}

// cold makes every load start in a fresh browser context.
var cold bool

// retry loads again when the DevTools protocol loses track of the page
// (its JavaScript context replaced during the navigation, which happens
// now and then); a page that does not load fails all three times.
func retry(tab context.Context, url string, banner bool) (metrics, error) {
	var err error
	for range 3 {
		var m metrics
		if m, err = load(tab, url, banner); err == nil {
			return m, nil
		}
		log.Printf("retrying %s: %v", url, err)
	}
	return metrics{}, err
}

type metrics struct{ visible, fcp, script, dcl float64 }

// load opens url in a fresh browser context and returns, in milliseconds
// from navigation start, when the banner became visible (its
// "custos:visible" performance mark, set in the frame after it is drawn)
// and the first contentful paint.
func load(tab context.Context, url string, banner bool) (metrics, error) {
	if cold {
		var cancel context.CancelFunc
		tab, cancel = chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
		defer cancel()
	}
	ctx, cancelTimeout := context.WithTimeout(tab, 30*time.Second)
	defer cancelTimeout()
	// A first visit: nothing cached, no consent cookie.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		return metrics{}, err
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return metrics{}, err
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		return metrics{}, err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return metrics{}, err
	}
	fcp := `performance.getEntriesByName("first-contentful-paint")[0]?.startTime`
	want := fcp
	if banner {
		want = `performance.getEntriesByName("custos:visible")[0]?.startTime`
	}
	var m metrics
	var err error
	m.fcp, err = chromedp.Run(ctx, chromedp.Poll[float64](fcp, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		return m, fmt.Errorf("first contentful paint: %w", err)
	}
	m.visible, err = chromedp.Run(ctx, chromedp.Poll[float64](want, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		return m, fmt.Errorf("banner visible: %w", err)
	}
	// Where the time goes: when the script arrived, and when the page's
	// HTML was parsed.
	m.script, _ = chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByType("resource").find(e => e.name.includes("/banner/"))?.responseEnd ?? 0`))
	m.dcl, _ = chromedp.Run(ctx, chromedp.Poll[float64](`performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd`))
	return m, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// serve starts custos serve --demo in-process and returns its address.
func serve(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "custos-bannerbench")
	if err != nil {
		return "", err
	}
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr strings.Builder
	a := &app.App{
		Stdout: io.Discard, Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Ready:  func(addr string) { ready <- addr },
	}
	go func() {
		done <- a.Main(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error"})
		os.RemoveAll(dir)
	}()
	select {
	case addr := <-ready:
		return addr, nil
	case code := <-done:
		return "", fmt.Errorf("custos serve exited with %d: %s", code, stderr.String())
	}
}
