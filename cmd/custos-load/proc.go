package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports (sysconf is out of reach
// without cgo).
const clockTicks = 100

// memKB returns VmRSS and VmHWM of pid in kB.
func memKB(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch name {
		case "VmRSS", "VmHWM":
			f := strings.Fields(val)
			if len(f) == 0 {
				continue
			}
			n, _ := strconv.ParseInt(f[0], 10, 64)
			if name == "VmRSS" {
				rss = n
			} else {
				hwm = n
			}
		}
	}
	return rss, hwm, nil
}

// procCPU returns the user+system CPU seconds pid has used, all threads.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state(0) ... utime is field 14 of the line, 12 here.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks, nil
}

// procWriteBytes returns write_bytes of /proc/<pid>/io: the bytes the
// process caused to be written to storage (WAL, database, checkpoints).
func procWriteBytes(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/io: no write_bytes", pid)
}

// commCPU returns the CPU seconds used so far by all processes whose
// command name is comm (e.g. the postgres server and its backends).
func commCPU(comm string) float64 {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total float64
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		if c, err := procCPU(pid); err == nil {
			total += c
		}
	}
	return total
}

// cpuTimes is the first line of /proc/stat: the machine's CPU time.
type cpuTimes struct{ busy, total float64 }

func readCPUTimes() cpuTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var t cpuTimes
	for i, s := range f[1:] {
		v, _ := strconv.ParseFloat(s, 64)
		if i >= 8 { // guest time is already in user
			break
		}
		t.total += v
		if i != 3 && i != 4 { // idle, iowait
			t.busy += v
		}
	}
	return t
}

func (t cpuTimes) busyShare(before cpuTimes) float64 {
	if d := t.total - before.total; d > 0 {
		return (t.busy - before.busy) / d
	}
	return 0
}

// waitQuiet waits until the machine is under 10 % busy over one second, or
// max has passed; it returns the last busy share seen and whether it was
// quiet.
func waitQuiet(ctx context.Context, max time.Duration) (float64, bool) {
	deadline := time.Now().Add(max)
	busy := 1.0
	for ctx.Err() == nil && time.Now().Before(deadline) {
		t0 := readCPUTimes()
		time.Sleep(time.Second)
		if busy = readCPUTimes().busyShare(t0); busy < 0.10 {
			return busy, true
		}
	}
	return busy, false
}

// procSampler samples the server's memory during a run.
type procSampler struct {
	pid               int
	rss0              int64 // before the run
	rssMax, hwm, rssN int64 // during the window, and VmHWM at its end
	cpu0, cpu1        float64
	wb0, wb1          int64 // write_bytes
	t0, t1            time.Time
}

type serverResult struct {
	PID         int     `json:"pid"`
	RSSBeforeMB float64 `json:"vmrss_before_mb"`
	RSSMaxMB    float64 `json:"vmrss_max_mb"` // largest VmRSS sampled during the measured window
	RSSEndMB    float64 `json:"vmrss_end_mb"`
	HWMMB       float64 `json:"vmhwm_mb"` // peak resident size since the server started
	CPU         float64 `json:"cpu_cores"`
	// WriteMBs is what the server wrote to storage per second during the
	// window (from /proc/<pid>/io write_bytes; 0 if unreadable).
	WriteMBs float64 `json:"disk_write_mb_per_s"`
}

func newProcSampler(pid int) (*procSampler, error) {
	rss, _, err := memKB(pid)
	if err != nil {
		return nil, fmt.Errorf("-pid %d: %w", pid, err)
	}
	return &procSampler{pid: pid, rss0: rss}, nil
}

func (p *procSampler) loop(window, end time.Time, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	started := false
	for {
		select {
		case <-stop:
			p.t1 = time.Now()
			p.cpu1, _ = procCPU(p.pid)
			p.wb1, _ = procWriteBytes(p.pid)
			p.rssN, p.hwm, _ = memKB(p.pid)
			return
		case now := <-t.C:
			if !started && !now.Before(window) {
				started = true
				p.t0 = now
				p.cpu0, _ = procCPU(p.pid)
				p.wb0, _ = procWriteBytes(p.pid)
			}
			if rss, _, err := memKB(p.pid); err == nil && started && now.Before(end) {
				p.rssMax = max(p.rssMax, rss)
			}
		}
	}
}

func (p *procSampler) result() *serverResult {
	r := &serverResult{
		PID:         p.pid,
		RSSBeforeMB: mb(p.rss0),
		RSSMaxMB:    mb(max(p.rssMax, p.rssN)),
		RSSEndMB:    mb(p.rssN),
		HWMMB:       mb(p.hwm),
	}
	if d := p.t1.Sub(p.t0).Seconds(); d > 0 && !p.t0.IsZero() {
		r.CPU = round2((p.cpu1 - p.cpu0) / d)
		r.WriteMBs = round2(float64(p.wb1-p.wb0) / d / (1 << 20))
	}
	return r
}

func mb(kb int64) float64 { return round2(float64(kb) / 1024) }

// startup runs the server command n+1 times against an existing (after the
// first start) database and reports, for the last n, the time from exec to
// the first 200 from /readyz (polled every 200 µs over a fresh connection)
// and to the "listening" log line, and the VmRSS after idling.
func startup(ctx context.Context, c config, base *url.URL, argv []string, stdout, stderr io.Writer) int {
	ready := base.String() + "/readyz"
	client := &http.Client{
		Timeout:   100 * time.Millisecond,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	probe := func() bool {
		resp, err := client.Get(ready)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if probe() {
		fmt.Fprintf(stderr, "custos-load: something already answers %s; stop it first\n", ready)
		return 2
	}
	var readyMS, logMS, rssMB, hwmMB []float64
	fmt.Fprintf(stdout, "custos-load: start-up of %s, %d measured starts after one unmeasured first start\n", strings.Join(argv, " "), c.startup)
	fmt.Fprintf(stdout, "  %-5s %12s %14s %12s %12s\n", "run", "ready (ms)", "listening (ms)", "VmRSS (MB)", "VmHWM (MB)")
	for i := 0; i <= c.startup; i++ {
		if ctx.Err() != nil {
			return 1
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		pr, err := cmd.StderrPipe()
		if err != nil {
			fmt.Fprintln(stderr, "custos-load:", err)
			return 1
		}
		cmd.Stdout = io.Discard
		var (
			mu      sync.Mutex
			logAt   time.Time
			logTail []string
		)
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(stderr, "custos-load:", err)
			return 1
		}
		scanDone := make(chan struct{})
		go func() {
			defer close(scanDone)
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				line := sc.Text()
				mu.Lock()
				if logAt.IsZero() && (strings.Contains(line, "msg=listening") || strings.Contains(line, `"msg":"listening"`)) {
					logAt = time.Now()
				}
				logTail = append(logTail, line)
				if len(logTail) > 20 {
					logTail = logTail[1:]
				}
				mu.Unlock()
			}
		}()
		exited := make(chan error, 1)
		go func() {
			<-scanDone
			exited <- cmd.Wait()
		}()
		var readyAt time.Time
		deadline := t0.Add(30 * time.Second)
	poll:
		for time.Now().Before(deadline) {
			select {
			case err := <-exited:
				mu.Lock()
				fmt.Fprintf(stderr, "custos-load: the server exited before it was ready (%v):\n%s\n", err, strings.Join(logTail, "\n"))
				mu.Unlock()
				return 1
			default:
			}
			if probe() {
				readyAt = time.Now()
				break poll
			}
			time.Sleep(200 * time.Microsecond)
		}
		if readyAt.IsZero() {
			cmd.Process.Kill()
			fmt.Fprintln(stderr, "custos-load: the server was not ready within 30s")
			return 1
		}
		time.Sleep(c.idle)
		rss, hwm, _ := memKB(cmd.Process.Pid)
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		mu.Lock()
		la := logAt
		mu.Unlock()
		r := ms(readyAt.Sub(t0))
		l := -1.0
		if !la.IsZero() {
			l = ms(la.Sub(t0))
		}
		label := strconv.Itoa(i)
		if i == 0 {
			label = "first"
		} else {
			readyMS = append(readyMS, r)
			logMS = append(logMS, l)
			rssMB = append(rssMB, mb(rss))
			hwmMB = append(hwmMB, mb(hwm))
		}
		fmt.Fprintf(stdout, "  %-5s %12.1f %14.1f %12.1f %12.1f\n", label, r, l, mb(rss), mb(hwm))
	}
	fmt.Fprintf(stdout, "  median: ready %.1f ms, listening %.1f ms, idle VmRSS %.1f MB (after %s idle), VmHWM %.1f MB\n",
		median(readyMS), median(logMS), median(rssMB), c.idle, median(hwmMB))
	return 0
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
