package main

// Who used the CPU during the measurement: the machine may be shared, so
// the report says how busy it was, and how much of that was the
// benchmark, PostgreSQL, MariaDB and everything else (from /proc, in
// clock ticks).

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const hz = 100 // USER_HZ: the unit of /proc's CPU times on Linux

// cpuSnap is the CPU time used so far: by the whole machine (busy, not
// idle or waiting for I/O) and by process groups.
type cpuSnap struct {
	at    time.Time
	busy  int64
	procs map[int]procTime
}

type procTime struct {
	group string // "postgres", "mariadb", "bench"
	ticks int64
}

func machineBusy() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var total int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is counted in user already
			break
		}
		total += n
	}
	return total
}

func procTicks(pid string) (int64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, _ := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st, true
}

func snapshot() cpuSnap {
	s := cpuSnap{at: time.Now(), busy: machineBusy(), procs: map[int]procTime{}}
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		var group string
		if pid == self {
			group = "bench"
		} else {
			comm, err := os.ReadFile(d + "/comm")
			if err != nil {
				continue
			}
			switch strings.TrimSpace(string(comm)) {
			case "postgres":
				group = "postgres"
			case "mariadbd", "mysqld":
				group = "mariadb"
			default:
				continue
			}
		}
		if t, ok := procTicks(filepath.Base(d)); ok {
			s.procs[pid] = procTime{group, t}
		}
	}
	return s
}

// cpuUse is the CPU used between two snapshots, in cores.
type cpuUse struct {
	secs                                  float64
	busy, bench, postgres, mariadb, other float64
}

func used(a, b cpuSnap) cpuUse {
	secs := b.at.Sub(a.at).Seconds()
	u := cpuUse{secs: secs}
	if secs <= 0 {
		return u
	}
	groups := map[string]int64{}
	for pid, p := range b.procs {
		d := p.ticks - a.procs[pid].ticks // a process started since counts whole
		if q, ok := a.procs[pid]; ok && q.group != p.group {
			d = p.ticks
		}
		groups[p.group] += d
	}
	cores := func(t int64) float64 { return float64(t) / hz / secs }
	u.busy = cores(b.busy - a.busy)
	u.bench, u.postgres, u.mariadb = cores(groups["bench"]), cores(groups["postgres"]), cores(groups["mariadb"])
	u.other = max(0, u.busy-u.bench-u.postgres-u.mariadb)
	return u
}

func (u cpuUse) String() string {
	return fmt.Sprintf("%.2f cores busy over %.0f s: the benchmark %.2f, PostgreSQL %.2f, MariaDB %.2f, other processes %.2f",
		u.busy, u.secs, u.bench, u.postgres, u.mariadb, u.other)
}

// waitQuiet waits until the machine is less than 15 % busy over 2 s, at
// most limit, and returns how busy it was at the end of the wait.
func waitQuiet(ctx context.Context, limit time.Duration) (quiet bool, last cpuUse) {
	deadline := time.Now().Add(limit)
	for {
		a := snapshot()
		select {
		case <-ctx.Done():
			return false, last
		case <-time.After(2 * time.Second):
		}
		last = used(a, snapshot())
		ncpu := float64(runtime.NumCPU())
		if last.busy/ncpu < 0.15 {
			return true, last
		}
		if time.Now().After(deadline) {
			return false, last
		}
		log.Printf("waiting for a quieter machine: %s", last)
		select {
		case <-ctx.Done():
			return false, last
		case <-time.After(8 * time.Second):
		}
	}
}
