package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
)

var killRounds = flag.Int("kill-rounds", 5, "rounds of the SIGKILL durability test (100 for a long run)")

// buildCustos builds the real binary once per test run.
var buildCustos = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "custos-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "custos")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// server is a custos serve process.
type server struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

// startServer starts custos serve on a free port and waits until it logs
// that it listens (the condition, not a delay).
func startServer(t *testing.T, bin, data string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CUSTOS_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: new(bytes.Buffer)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Bytes()
			s.logs.Write(append(line, '\n'))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				ready <- rec.Addr
			}
		}
		close(ready)
	}()
	select {
	case addr, ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("custos exited before listening:\n%s", s.logs)
		}
		s.addr = addr
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("custos did not start within 30s:\n%s", s.logs)
	}
	return s
}

type banner struct {
	Fingerprint string
	Categories  []struct {
		ID       string
		Required bool
	}
}

type acked struct{ id, subject, receipt string }

// TestKillDurability drives consent writes at full speed, kills the server
// with SIGKILL at a random moment, restarts it and checks that every write
// answered 201 is there, verifies, and that the audit chain holds.
//
// SIGKILL leaves the kernel's page cache intact, so this proves that no
// answer goes out before its commit; that the commit reaches the disk is
// up to synchronous=FULL, which the store's settings test pins.
func TestKillDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bin, err := buildCustos()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	var all []acked
	for round := range *killRounds {
		srv := startServer(t, bin, data)
		base := "http://" + srv.addr

		// Every write acknowledged before the restart must be there now.
		checkPresent(t, client, base, all)

		var b banner
		getJSON(t, client, base+"/api/v1/sites/demo/banner", &b)

		// Kill after a random number of acknowledged writes, so the kill
		// lands at a different point of the group-commit cycle each round.
		killAfter := int64(50 + rand.IntN(1500))
		var (
			mu       sync.Mutex
			got      []acked
			n        atomic.Int64
			failures atomic.Int64
			wg       sync.WaitGroup
			killed   = make(chan struct{})
			killOne  sync.Once
		)
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-killed:
						return
					default:
					}
					choices := map[string]bool{}
					for _, c := range b.Categories {
						choices[c.ID] = c.Required || i%2 == 0
					}
					method := "reject_all"
					if i%2 == 0 {
						method = "accept_all"
					}
					subject := fmt.Sprintf("kill-subject-r%03d-w%02d-%06d", round, w, i)
					body, _ := json.Marshal(map[string]any{
						"site": "demo", "subject": subject,
						"choices": choices, "method": method, "manifest_fingerprint": b.Fingerprint,
					})
					resp, err := client.Post(base+"/api/v1/consents", "application/json", bytes.NewReader(body))
					if err != nil {
						return // the server is gone
					}
					rb, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						// Nothing was promised, but a server that refuses
						// every write is a failure, not a reason to spin.
						if failures.Add(1) > 100 {
							t.Errorf("more than 100 writes answered %d: %s", resp.StatusCode, rb)
							killOne.Do(func() {
								srv.cmd.Process.Signal(syscall.SIGKILL)
								close(killed)
							})
							return
						}
						continue
					}
					var c struct{ ID, Receipt string }
					if json.Unmarshal(rb, &c) != nil {
						continue
					}
					mu.Lock()
					got = append(got, acked{c.ID, subject, c.Receipt})
					mu.Unlock()
					if n.Add(1) == killAfter {
						killOne.Do(func() {
							srv.cmd.Process.Signal(syscall.SIGKILL)
							close(killed)
						})
					}
				}
			}()
		}
		wg.Wait()
		srv.cmd.Wait()
		all = append(all, got...)
		t.Logf("round %d: killed after %d acknowledged writes (%d in all)", round, len(got), len(all))
	}

	// Final restart: everything present, then a clean stop and the chain check.
	srv := startServer(t, bin, data)
	checkPresent(t, client, "http://"+srv.addr, all)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.cmd.Wait(); err != nil {
		t.Errorf("clean shutdown failed: %v\n%s", err, srv.logs)
	}
	out, err := exec.Command(bin, "audit", "verify", "--data", data).CombinedOutput()
	// A write can commit and be cut off before its 201 reaches us, so the
	// ledger may hold more than was acknowledged, never less.
	var entries, consents int
	if err != nil || !strings.Contains(string(out), "intact") {
		t.Fatalf("custos audit verify: %v\n%s", err, out)
	}
	if _, err := fmt.Sscanf(string(out), "audit trail intact: %d entries; %d consents match their receipts", &entries, &consents); err != nil {
		t.Fatalf("unexpected audit verify output %q: %v", out, err)
	}
	if consents < len(all) {
		t.Errorf("the ledger holds %d consents, fewer than the %d acknowledged", consents, len(all))
	}
}

// checkPresent fetches each acknowledged receipt and verifies it against
// the server's published keys.
func checkPresent(t *testing.T, client *http.Client, base string, want []acked) {
	t.Helper()
	if len(want) == 0 {
		return
	}
	var keys consent.JWKS
	getJSON(t, client, base+"/.well-known/jwks.json", &keys)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	missing := 0
	for _, a := range want {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/receipts/"+a.id+"?format=jws", nil)
		req.Header.Set("Custos-Subject", a.subject)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != a.receipt {
			missing++
			if missing <= 5 {
				t.Errorf("receipt %s answered 201 but is missing or differs after restart: %d", a.id, resp.StatusCode)
			}
			continue
		}
		if _, err := consent.VerifyReceipt(string(b), keys); err != nil {
			t.Errorf("receipt %s does not verify: %v", a.id, err)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged receipts lost", missing, len(want))
	}
}

func getJSON(t *testing.T, client *http.Client, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
