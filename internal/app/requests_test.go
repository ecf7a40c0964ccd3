package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/mail/mailtest"
)

// TestRequestOverSMTPAcrossRestart files a request through the API of the
// whole program, reads the code from the e-mail a real SMTP server
// received, restarts the program, and verifies: nothing of the request
// was lost, and the acknowledgement arrives by SMTP too.
func TestRequestOverSMTPAcrossRestart(t *testing.T) {
	smtp := mailtest.NewServer(t)
	data := t.TempDir()
	args := []string{"--smtp-host", smtp.Host(), "--smtp-port", strconv.Itoa(smtp.Port()), "--smtp-tls", "none",
		"--smtp-from", "Privacy team <privacy@example.com>"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	srv := startServe(t, data, args...)
	var ticket struct {
		Challenge string `json:"challenge"`
		Verify    bool   `json:"verify"`
	}
	postJSON(t, "http://"+srv.addr+"/api/v1/requests", map[string]any{
		"site": "demo", "type": "access", "email": "ada@example.com", "region": "FR", "locale": "de",
	}, http.StatusAccepted, &ticket)
	if !ticket.Verify || ticket.Challenge == "" {
		t.Fatalf("ticket %+v", ticket)
	}
	msgs, err := smtp.WaitFor(ctx, 1)
	if err != nil {
		t.Fatalf("no verification e-mail arrived: %v", err)
	}
	first := msgs[0]
	if len(first.To) != 1 || first.To[0] != "ada@example.com" {
		t.Fatalf("the e-mail went to %v", first.To)
	}
	code := regexp.MustCompile(`\b[0-9]{6}\b`).FindString(first.Text)
	if code == "" {
		t.Fatalf("no code in the e-mail:\n%s", first.Text)
	}
	logs := srv.stop()

	// A restart between filing and verifying loses nothing.
	srv = startServe(t, data, args...)
	var verified struct {
		Request struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"request"`
		StatusURL string `json:"status_url"`
	}
	postJSON(t, "http://"+srv.addr+"/api/v1/requests/verify", map[string]any{"challenge": ticket.Challenge, "code": code},
		http.StatusOK, &verified)
	if verified.Request.State != "open" || !strings.Contains(verified.StatusURL, verified.Request.ID) {
		t.Fatalf("verified: %+v", verified)
	}
	msgs, err = smtp.WaitFor(ctx, 2)
	if err != nil {
		t.Fatalf("no acknowledgement arrived: %v", err)
	}
	if ack := msgs[1]; !strings.Contains(ack.Text, verified.Request.ID) {
		t.Errorf("the acknowledgement does not name the request:\n%s", ack.Text)
	}
	// The status link works on the restarted server (its path; the host
	// in the link is the one the first server listened on).
	path := verified.StatusURL[strings.Index(verified.StatusURL, "/privacy/"):]
	resp, err := http.Get("http://" + srv.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(verified.Request.ID)) {
		t.Errorf("status page: %d", resp.StatusCode)
	}
	logs += srv.stop()
	if strings.Contains(logs, "ada@example.com") || strings.Contains(logs, code) {
		t.Error("the log holds the address or the code")
	}
}

func postJSON(t *testing.T, url string, body any, want int, into any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, answer)
	}
	if err := json.Unmarshal(answer, into); err != nil {
		t.Fatalf("POST %s: %v in %s", url, err, answer)
	}
}
