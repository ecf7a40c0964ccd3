// Package browsertest drives a real headless Chromium from Go tests, through
// the DevTools protocol (chromedp). One browser serves a whole test binary;
// every test gets its own browser context, with its own cookies and storage.
//
// Without a Chromium the tests skip, except in CI (CI=true), where a browser
// test that does not run is a failure: .ci/run installs Debian's chromium.
package browsertest

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var (
	once        sync.Once
	allocCtx    context.Context
	browserCtx  context.Context
	cancelAlloc context.CancelFunc
	startErr    error
)

// ExecPath returns the Chromium to run: $CUSTOS_CHROMIUM, else chromium or
// chromium-browser on the PATH, else "".
func ExecPath() string {
	if p := os.Getenv("CUSTOS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Options are the flags the browser runs with: headless, and without the
// background traffic to Google that a machine without internet refuses.
func Options(path string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 800),
	)
}

// New returns a context for a fresh browser context in the shared browser,
// closed when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found (install Debian's chromium, or set CUSTOS_CHROMIUM); browser tests must run in CI")
		}
		t.Skip("no Chromium found; install chromium or set CUSTOS_CHROMIUM to run browser tests")
	}
	once.Do(func() {
		allocCtx, cancelAlloc = chromedp.NewExecAllocator(context.Background(), Options(path)...)
		browserCtx, _ = chromedp.NewContext(allocCtx)
		startErr = chromedp.Do(browserCtx) // starts the browser
	})
	if startErr != nil {
		t.Fatalf("starting %s: %v", path, startErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	// A generous bound: a test that hangs fails instead of stalling CI.
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a browser context: %v", err)
	}
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	return ctx
}

// Close stops the shared browser; call it from TestMain after m.Run.
func Close() {
	if cancelAlloc != nil {
		cancelAlloc()
	}
}

// Screenshot takes a PNG of the viewport (or the full page) and writes it
// to $CUSTOS_SCREENSHOTS/name.png, or to the test's temporary directory when
// that is not set. The image is decoded to check it is one.
func Screenshot(t testing.TB, ctx context.Context, name string, fullPage bool) string {
	t.Helper()
	action := chromedp.CaptureScreenshot()
	if fullPage {
		action = chromedp.FullScreenshot(100)
	}
	buf, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("screenshot %s is only %v", name, b)
	}
	dir := os.Getenv("CUSTOS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
