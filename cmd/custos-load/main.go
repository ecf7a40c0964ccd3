// Command custos-load is the load generator behind docs/BENCHMARKS.md. It
// drives a running Custos server over HTTP/1.1 keep-alive connections and
// reports throughput, status codes and latency percentiles.
//
//	go run ./cmd/custos-load -scenario consent -c 64 -d 20s            # closed loop, as fast as it goes
//	go run ./cmd/custos-load -scenario consent -c 64 -d 20s -rate 10000 # open loop at a fixed rate
//	go run ./cmd/custos-load -scenario banner -c 64 -d 20s -pid $(pgrep -n custos)
//	go run ./cmd/custos-load -startup 7 -- /tmp/custos serve --demo --data /tmp/d
//
// Scenarios:
//
//   - consent: GETs the banner configuration once for the fingerprint and
//     the categories, then POSTs /api/v1/consents with valid bodies, each for
//     a new random subject, with a mix of accept_all, reject_all and custom.
//   - banner: GETs /api/v1/sites/{site}/banner.
//   - mixed: both, -mix of the requests being banner GETs.
//
// With -rate 0 (the default) every connection sends its next request as soon
// as the previous answer is in (closed loop): that measures the most the
// server does. With -rate R the requests are scheduled at R per second
// whatever the server does (open loop), and latency is measured from the
// time a request was due, not from when it was sent, so that a stalled
// server is charged for the requests it kept waiting (no coordinated
// omission).
//
// It refuses a target that is not a loopback address unless -allow-remote
// is given: the consent scenario writes signed records into an append-only,
// hash-chained ledger and audit trail that cannot be cleaned up afterwards
// without breaking the chain, and at full speed it is a denial of service.
// Point it at a throw-away server on the same machine.
//
// An open-loop run stops sending at the end of the window even when it is
// behind the schedule; the requests that were due but never sent are
// reported, and fail the run like errors do.
//
// It exits 1 if any request failed or answered other than 2xx, or an open
// loop did not keep its rate; 2 on bad usage.
package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type config struct {
	url         string
	scenario    string
	conns       int
	duration    time.Duration
	warmup      time.Duration
	rate        float64
	site        string
	mix         float64
	timeout     time.Duration
	pid         int
	sample      time.Duration
	jsonOut     bool
	waitQuiet   time.Duration
	dbComm      string
	allowRemote bool
	startup     int
	idle        time.Duration
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("custos-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: custos-load [flags]\n       custos-load -startup N [flags] -- /path/to/custos serve --demo --data DIR\n\n"+
			"Drives a local Custos server and reports throughput and latency. See docs/BENCHMARKS.md.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the server (loopback only, unless -allow-remote)")
	fs.StringVar(&c.scenario, "scenario", "consent", "consent, banner or mixed")
	fs.IntVar(&c.conns, "c", 64, "concurrent connections (one worker each)")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "measured duration, after the warm-up")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "warm-up before measuring; its requests are not counted, but their errors are")
	fs.Float64Var(&c.rate, "rate", 0, "requests per second over all connections; 0 = closed loop, as fast as the server answers")
	fs.StringVar(&c.site, "site", "demo", "site id")
	fs.Float64Var(&c.mix, "mix", 0.8, "mixed scenario: share of requests that are banner GETs (the rest are consent POSTs)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.IntVar(&c.pid, "pid", 0, "pid of the server: sample its VmRSS/VmHWM and CPU time from /proc during the run")
	fs.DurationVar(&c.sample, "sample", 100*time.Millisecond, "how often to sample /proc/<pid>/status with -pid")
	fs.BoolVar(&c.jsonOut, "json", false, "print the result as JSON on standard output (the summary then goes to standard error)")
	fs.DurationVar(&c.waitQuiet, "wait-quiet", 0, "first wait up to this long for the machine to be idle (under 10% busy over 1s), so that other work does not skew the run; 0 = do not wait")
	fs.StringVar(&c.dbComm, "db-comm", "", "command name of the database server's processes (e.g. postgres), to report their CPU use apart from everything else")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a non-loopback target (it writes real consent records; never aim it at a production server)")
	fs.IntVar(&c.startup, "startup", 0, "measure start-up instead: run the command after -- this many times (plus one unmeasured first start), timing exec to /readyz 200")
	fs.DurationVar(&c.idle, "idle", 2*time.Second, "with -startup: how long the server idles after ready before its VmRSS is read")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	base, err := checkTarget(c.url, c.allowRemote)
	if err != nil {
		fmt.Fprintln(stderr, "custos-load:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if c.startup > 0 {
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "custos-load: -startup needs the server command after --")
			return 2
		}
		return startup(ctx, c, base, fs.Args(), stdout, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "custos-load: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	switch {
	case c.scenario != "consent" && c.scenario != "banner" && c.scenario != "mixed":
		fmt.Fprintln(stderr, "custos-load: -scenario must be consent, banner or mixed")
		return 2
	case c.conns < 1:
		fmt.Fprintln(stderr, "custos-load: -c must be at least 1")
		return 2
	case c.duration <= 0 || c.warmup < 0 || c.rate < 0 || c.timeout <= 0:
		fmt.Fprintln(stderr, "custos-load: -d and -timeout must be positive, -warmup and -rate not negative")
		return 2
	case c.mix < 0 || c.mix > 1:
		fmt.Fprintln(stderr, "custos-load: -mix must be between 0 and 1")
		return 2
	}

	if c.waitQuiet > 0 {
		if busy, ok := waitQuiet(ctx, c.waitQuiet); !ok {
			fmt.Fprintf(stderr, "custos-load: warning: the machine was still %.0f%% busy after %s; other work may skew the results\n", 100*busy, c.waitQuiet)
		}
	}
	res, err := load(ctx, c, base)
	if err != nil {
		fmt.Fprintln(stderr, "custos-load:", err)
		return 1
	}
	summaryTo := stdout
	if c.jsonOut {
		summaryTo = stderr
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	}
	res.print(summaryTo)
	if !res.OK {
		return 1
	}
	return 0
}

// checkTarget parses the base URL and refuses any host that does not
// resolve to loopback addresses only, unless allowRemote.
func checkTarget(raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want http://host:port", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if allowRemote {
		return u, nil
	}
	host := u.Hostname()
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("-url: resolving %s: %w", host, err)
		}
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("-url: %s is not a loopback address; custos-load writes real, undeletable consent records "+
				"and runs at denial-of-service rates, so it only targets a local server unless -allow-remote is given", host)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("-url: %s has no address", host)
	}
	return u, nil
}

// op kinds
const (
	opBanner = iota
	opConsent
	nOps
)

var opNames = [nOps]string{"banner", "consent"}

// bannerInfo is what the consent scenario needs of the banner
// configuration.
type bannerInfo struct {
	Fingerprint string   `json:"fingerprint"`
	Locales     []string `json:"locales"`
	Categories  []struct {
		ID       string `json:"id"`
		Required bool   `json:"required"`
	} `json:"categories"`
}

// workerStats is one worker's tally; workers share nothing while running.
type workerStats struct {
	lat      [nOps]*hist
	lag      *hist // open loop: actual send time minus due time
	status   [nOps]map[int]uint64
	errs     map[string]uint64
	warmErrs map[string]uint64 // failures during the warm-up
	unsent   uint64            // open loop: due before the end, never sent
	perSec   []uint64          // answers per second of the window, by completion time
	last     time.Time         // completion of the last measured request
}

type runner struct {
	c          config
	client     *http.Client
	base       string
	bannerURL  string
	consentURL string
	prefix     []byte   // consent body up to the subject
	catKeys    [][]byte // each category id as a JSON string and a colon
	info       bannerInfo

	start, window, end time.Time // run start, measurement start, measurement end
	interval           float64   // open loop: ns between requests
	next               atomic.Int64
	stats              []workerStats
}

func load(ctx context.Context, c config, base *url.URL) (*result, error) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:     c.conns,
		MaxIdleConns:        c.conns,
		MaxIdleConnsPerHost: c.conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	defer tr.CloseIdleConnections()
	r := &runner{
		c:          c,
		client:     &http.Client{Transport: tr, Timeout: c.timeout},
		base:       base.String(),
		bannerURL:  base.String() + "/api/v1/sites/" + url.PathEscape(c.site) + "/banner",
		consentURL: base.String() + "/api/v1/consents",
	}
	if c.scenario != "banner" {
		if err := r.fetchBanner(ctx); err != nil {
			return nil, err
		}
	}

	var proc *procSampler
	if c.pid > 0 {
		var err error
		if proc, err = newProcSampler(c.pid); err != nil {
			return nil, err
		}
	}
	r.stats = make([]workerStats, c.conns)
	for i := range r.stats {
		s := &r.stats[i]
		for k := range nOps {
			s.lat[k] = newHist()
			s.status[k] = map[int]uint64{}
		}
		s.lag = newHist()
		s.perSec = make([]uint64, int((c.duration+time.Second-1)/time.Second))
		s.errs = map[string]uint64{}
		s.warmErrs = map[string]uint64{}
	}
	if c.rate > 0 {
		r.interval = 1e9 / c.rate
	}
	r.start = time.Now()
	r.window = r.start.Add(c.warmup)
	r.end = r.window.Add(c.duration)
	// Every request is cut off by the hard deadline, so the run ends by
	// itself even if the server hangs.
	hard, cancel := context.WithDeadline(ctx, r.end.Add(c.timeout+time.Second))
	defer cancel()

	var sampleDone chan struct{}
	stopSampling := make(chan struct{})
	if proc != nil {
		sampleDone = make(chan struct{})
		go func() {
			defer close(sampleDone)
			proc.loop(r.window, r.end, c.sample, stopSampling)
		}()
	}
	var ru0 syscall.Rusage
	var cpu0 cpuTimes
	var wg sync.WaitGroup
	for i := range c.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(hard, i)
		}()
	}
	// Snapshot the generator's and the machine's CPU time at the start of
	// the window.
	if d := time.Until(r.window); d > 0 {
		select {
		case <-time.After(d):
		case <-hard.Done():
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	cpu0 = readCPUTimes()
	var db0 float64
	if c.dbComm != "" {
		db0 = commCPU(c.dbComm)
	}
	wg.Wait()
	finished := time.Now()
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu1 := readCPUTimes()
	var db1 float64
	if c.dbComm != "" {
		db1 = commCPU(c.dbComm)
	}
	close(stopSampling)
	if sampleDone != nil {
		<-sampleDone
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted")
	}

	res := r.result()
	elapsed := finished.Sub(r.window).Seconds()
	res.GeneratorCPU = round2((tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)) / elapsed)
	res.MachineBusy = round2(cpu1.busyShare(cpu0))
	res.Cores = runtime.NumCPU()
	if c.dbComm != "" {
		res.DatabaseCPU = round2((db1 - db0) / elapsed)
	}
	if proc != nil {
		res.Server = proc.result()
		res.OtherCPU = round2(max(0, res.MachineBusy*float64(res.Cores)-res.GeneratorCPU-res.Server.CPU-res.DatabaseCPU))
	}
	return res, nil
}

func (r *runner) fetchBanner(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "GET", r.bannerURL, nil)
	if err != nil {
		return err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching the banner configuration: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching the banner configuration: %s: %.200s", resp.Status, body)
	}
	if err := json.Unmarshal(body, &r.info); err != nil {
		return fmt.Errorf("decoding the banner configuration: %w", err)
	}
	if r.info.Fingerprint == "" || len(r.info.Categories) == 0 {
		return fmt.Errorf("the banner configuration has no fingerprint or no categories")
	}
	locale := ""
	if len(r.info.Locales) > 0 {
		locale = r.info.Locales[0]
	}
	// The body is assembled by hand so that the generator spends its share
	// of the two cores on HTTP, not on encoding/json.
	r.prefix = fmt.Appendf(nil, `{"site":%s,"manifest_fingerprint":%s,"locale":%s,"subject":"`,
		jsonString(r.c.site), jsonString(r.info.Fingerprint), jsonString(locale))
	for _, cat := range r.info.Categories {
		r.catKeys = append(r.catKeys, append(jsonString(cat.ID), ':'))
	}
	return nil
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// consentBody appends a valid body for a new random subject: 128 random bits
// as 22 base64url characters. The methods mix as visitors' might: 45 %
// accept_all, 35 % reject_all, 20 % custom with random optional choices.
func (r *runner) consentBody(b []byte, rng *rand.Rand) []byte {
	b = append(b, r.prefix...)
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], rng.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], rng.Uint64())
	b = base64.RawURLEncoding.AppendEncode(b, raw[:])
	var method string
	switch p := rng.IntN(100); {
	case p < 45:
		method = "accept_all"
	case p < 80:
		method = "reject_all"
	default:
		method = "custom"
	}
	b = append(b, `","method":"`...)
	b = append(b, method...)
	b = append(b, `","choices":{`...)
	for i, cat := range r.info.Categories {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.catKeys[i]...)
		v := cat.Required || method == "accept_all" || (method == "custom" && rng.IntN(2) == 0)
		b = strconv.AppendBool(b, v)
	}
	return append(b, "}}"...)
}

func (r *runner) worker(ctx context.Context, id int) {
	var seed [32]byte
	crand.Read(seed[:])
	rng := rand.New(rand.NewChaCha8(seed))
	st := &r.stats[id]
	var body []byte
	resp := bytes.NewBuffer(make([]byte, 0, 4096))
	for ctx.Err() == nil {
		var due time.Time
		if r.interval > 0 {
			i := r.next.Add(1) - 1
			due = r.start.Add(time.Duration(float64(i) * r.interval))
			if !due.Before(r.end) {
				return
			}
			if !time.Now().Before(r.end) {
				// Due before the end but not sent by then: the server
				// (or the generator) fell behind the schedule.
				st.unsent++
				continue
			}
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
		} else {
			due = time.Now()
			if !due.Before(r.end) {
				return
			}
		}
		kind := opConsent
		switch r.c.scenario {
		case "banner":
			kind = opBanner
		case "mixed":
			if rng.Float64() < r.c.mix {
				kind = opBanner
			}
		}
		sent := time.Now()
		var req *http.Request
		if kind == opBanner {
			req, _ = http.NewRequestWithContext(ctx, "GET", r.bannerURL, nil)
		} else {
			body = r.consentBody(body[:0], rng)
			req, _ = http.NewRequestWithContext(ctx, "POST", r.consentURL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		status, err := r.do(req, kind, resp)
		done := time.Now()
		if due.Before(r.window) {
			if err != nil {
				st.warmErrs[errClass(err)]++
			} else if status == 0 {
				st.warmErrs["2xx without a receipt"]++
			} else if status < 200 || status > 299 {
				st.warmErrs["HTTP "+strconv.Itoa(status)]++
			}
			continue
		}
		if err != nil {
			st.errs[errClass(err)]++
		} else {
			st.status[kind][status]++
		}
		st.lat[kind].record(done.Sub(due))
		if sec := int(done.Sub(r.window) / time.Second); sec >= 0 && sec < len(st.perSec) {
			st.perSec[sec]++
		}
		if r.interval > 0 {
			st.lag.record(sent.Sub(due))
		}
		st.last = done
	}
}

// do sends req and reads the whole answer, so the connection is reused. A
// 201 to a consent must carry a receipt; one that does not is reported as
// status 0 ("2xx without a receipt").
func (r *runner) do(req *http.Request, kind int, buf *bytes.Buffer) (int, error) {
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if kind == opConsent {
		buf.Reset()
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return 0, err
		}
		if resp.StatusCode == http.StatusCreated && !bytes.Contains(buf.Bytes(), []byte(`"receipt":"ey`)) {
			return 0, nil
		}
		return resp.StatusCode, nil
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// errClass names a transport error without the URL, so that equal errors
// are counted together.
func errClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed (EOF)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local port (EADDRNOTAVAIL)"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// result is what a run measured; -json prints it as is.
type result struct {
	Scenario     string         `json:"scenario"`
	URL          string         `json:"url"`
	Conns        int            `json:"connections"`
	Rate         float64        `json:"target_rate"` // 0: closed loop
	Warmup       string         `json:"warmup"`
	Duration     string         `json:"duration"`
	Elapsed      float64        `json:"elapsed_s"` // measurement start to the last measured answer
	Requests     uint64         `json:"requests"`
	Throughput   float64        `json:"throughput_rps"`
	Ops          []opResult     `json:"ops"`
	PerSecond    []uint64       `json:"per_second"` // answers in each second of the window
	Errors       map[string]int `json:"errors,omitempty"`
	WarmupErrors map[string]int `json:"warmup_errors,omitempty"`
	SendLag      *latencies     `json:"send_lag,omitempty"` // open loop: how late the generator sent
	Unsent       uint64         `json:"unsent,omitempty"`   // open loop: requests due before the end that were never sent
	GeneratorCPU float64        `json:"generator_cpu_cores"`
	MachineBusy  float64        `json:"machine_busy_share"` // of all cores, during the window
	Cores        int            `json:"machine_cores"`
	DatabaseCPU  float64        `json:"database_cpu_cores,omitempty"` // with -db-comm
	OtherCPU     float64        `json:"other_cpu_cores,omitempty"`    // with -pid: busy cores less the server, the database and the generator
	Server       *serverResult  `json:"server,omitempty"`
	OK           bool           `json:"ok"`
}

type opResult struct {
	Op         string            `json:"op"`
	Requests   uint64            `json:"requests"`
	Throughput float64           `json:"throughput_rps"`
	Status     map[string]uint64 `json:"status"`
	Latency    latencies         `json:"latency"`
}

func (r *runner) result() *result {
	last := r.window
	var lat [nOps]*hist
	lag := newHist()
	status := [nOps]map[int]uint64{{}, {}}
	errs, warmErrs := map[string]int{}, map[string]int{}
	var unsent uint64
	perSec := make([]uint64, int((r.c.duration+time.Second-1)/time.Second))
	for k := range nOps {
		lat[k] = newHist()
	}
	for i := range r.stats {
		s := &r.stats[i]
		for k := range nOps {
			lat[k].merge(s.lat[k])
			for code, n := range s.status[k] {
				status[k][code] += n
			}
		}
		lag.merge(s.lag)
		unsent += s.unsent
		for i, n := range s.perSec {
			perSec[i] += n
		}
		for e, n := range s.errs {
			errs[e] += int(n)
		}
		for e, n := range s.warmErrs {
			warmErrs[e] += int(n)
		}
		if s.last.After(last) {
			last = s.last
		}
	}
	// A closed loop runs to the end of the window and a little past it
	// (requests in flight); an open loop's last request is due just before
	// the end. Either way the rate is over the span actually covered.
	span := max(last.Sub(r.window), r.c.duration).Seconds()
	if r.interval == 0 {
		span = last.Sub(r.window).Seconds()
	}
	res := &result{
		Scenario: r.c.scenario,
		URL:      r.base,
		Conns:    r.c.conns,
		Rate:     r.c.rate,
		Warmup:   r.c.warmup.String(),
		Duration: r.c.duration.String(),
		Elapsed:  round2(span),
		OK:       true,
	}
	for k := range nOps {
		if lat[k].n == 0 {
			continue
		}
		o := opResult{Op: opNames[k], Requests: lat[k].n, Status: map[string]uint64{}, Latency: lat[k].summary()}
		for code, n := range status[k] {
			name := strconv.Itoa(code)
			if code == 0 {
				name = "2xx without a receipt"
			}
			o.Status[name] = n
			if code < 200 || code > 299 {
				res.OK = false
			}
		}
		if span > 0 {
			o.Throughput = round2(float64(o.Requests) / span)
		}
		res.Requests += o.Requests
		res.Ops = append(res.Ops, o)
	}
	if span > 0 {
		res.Throughput = round2(float64(res.Requests) / span)
	}
	if len(errs) > 0 {
		res.Errors, res.OK = errs, false
	}
	if len(warmErrs) > 0 {
		res.WarmupErrors, res.OK = warmErrs, false
	}
	// Only whole seconds: a last partial second would read as a dip.
	if r.c.duration%time.Second != 0 {
		perSec = perSec[:len(perSec)-1]
	}
	res.PerSecond = perSec
	if r.interval > 0 {
		s := lag.summary()
		res.SendLag = &s
		if res.Unsent = unsent; unsent > 0 {
			res.OK = false
		}
	}
	if res.Requests == 0 {
		res.OK = false
	}
	return res
}

func (res *result) print(w io.Writer) {
	mode := "closed loop (as fast as answered)"
	if res.Rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f req/s (latency from the due time)", res.Rate)
	}
	fmt.Fprintf(w, "custos-load: %s against %s, %d connections, %s\n", res.Scenario, res.URL, res.Conns, mode)
	fmt.Fprintf(w, "  measured %s after %s warm-up: %d requests in %.2fs = %.0f req/s\n",
		res.Duration, res.Warmup, res.Requests, res.Elapsed, res.Throughput)
	fmt.Fprintf(w, "  %-8s %9s %10s %8s %8s %8s %8s %8s %8s  %s\n", "op", "requests", "req/s", "mean", "p50", "p90", "p99", "p99.9", "max", "status")
	for _, o := range res.Ops {
		l := o.Latency
		var codes []string
		for code, n := range o.Status {
			codes = append(codes, fmt.Sprintf("%s×%d", code, n))
		}
		slices.Sort(codes)
		fmt.Fprintf(w, "  %-8s %9d %10.0f %8s %8s %8s %8s %8s %8s  %s\n", o.Op, o.Requests, o.Throughput,
			fmtMS(l.Mean), fmtMS(l.P50), fmtMS(l.P90), fmtMS(l.P99), fmtMS(l.P999), fmtMS(l.Max), strings.Join(codes, " "))
	}
	if len(res.PerSecond) > 1 {
		lo, hi := slices.Min(res.PerSecond), slices.Max(res.PerSecond)
		fmt.Fprintf(w, "  answers per second over the window: min %d, max %d; first %d, last %d\n",
			lo, hi, res.PerSecond[0], res.PerSecond[len(res.PerSecond)-1])
	}
	fmt.Fprintf(w, "  latencies in ms")
	if res.SendLag != nil {
		fmt.Fprintf(w, "; the generator sent late by p50 %s, p99 %s, max %s ms", fmtMS(res.SendLag.P50), fmtMS(res.SendLag.P99), fmtMS(res.SendLag.Max))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  CPU: generator %.2f cores; machine %.0f%% busy of %d cores", res.GeneratorCPU, 100*res.MachineBusy, res.Cores)
	if s := res.Server; s != nil {
		fmt.Fprintf(w, "; server %.2f cores", s.CPU)
		if res.DatabaseCPU > 0 {
			fmt.Fprintf(w, "; database %.2f cores", res.DatabaseCPU)
		}
		fmt.Fprintf(w, "; everything else (kernel threads, other processes) %.2f cores\n", res.OtherCPU)
		fmt.Fprintf(w, "  server pid %d: VmRSS %.1f MB before the run, max %.1f MB during it; VmHWM %.1f MB; wrote %.1f MB/s to storage",
			s.PID, s.RSSBeforeMB, s.RSSMaxMB, s.HWMMB, s.WriteMBs)
		if res.Throughput > 0 && s.WriteMBs > 0 {
			fmt.Fprintf(w, " (%.1f kB per request)", s.WriteMBs*1024/res.Throughput)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w)
	}
	if res.Unsent > 0 {
		fmt.Fprintf(w, "  RATE NOT SUSTAINED: %d requests due before the end were never sent, because answers came slower than the rate\n", res.Unsent)
	}
	for _, e := range sortedKeys(res.Errors) {
		fmt.Fprintf(w, "  ERROR %s: %d\n", e, res.Errors[e])
	}
	for _, e := range sortedKeys(res.WarmupErrors) {
		fmt.Fprintf(w, "  ERROR during warm-up %s: %d\n", e, res.WarmupErrors[e])
	}
	if res.OK {
		fmt.Fprintln(w, "  ok: every request answered 2xx")
	} else {
		fmt.Fprintln(w, "  FAILED: some requests failed, answered other than 2xx, or the rate was not sustained")
	}
}

func fmtMS(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
