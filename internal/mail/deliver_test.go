package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	custosmail "github.com/custos-privacy/custos/internal/mail"
	"github.com/custos-privacy/custos/internal/mail/mailtest"
)

// fakeQueue is an outbox in memory, as the store keeps it.
type fakeQueue struct {
	mu     sync.Mutex
	mails  []*custos.Mail
	polled chan struct{} // a signal after each PendingMails, if set
	err    error         // returned by every method, if set
}

func (q *fakeQueue) add(m *custos.Mail) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m.ID = int64(len(q.mails) + 1)
	q.mails = append(q.mails, m)
}

func (q *fakeQueue) get(id int64) custos.Mail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.mails[id-1]
}

func (q *fakeQueue) PendingMails(_ context.Context, now time.Time, limit int) ([]*custos.Mail, error) {
	q.mu.Lock()
	var due []*custos.Mail
	for _, m := range q.mails {
		if m.SentAt.IsZero() && !m.NextAt.After(now) && len(due) < limit {
			c := *m
			due = append(due, &c)
		}
	}
	err := q.err
	q.mu.Unlock()
	if q.polled != nil {
		select {
		case q.polled <- struct{}{}:
		default:
		}
	}
	return due, err
}

func (q *fakeQueue) MailSent(_ context.Context, id int64, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.mails[id-1].SentAt = at
	return q.err
}

func (q *fakeQueue) MailFailed(_ context.Context, id int64, errText string, next time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.mails[id-1]
	m.Attempts++
	m.LastError, m.NextAt = errText, next
	return q.err
}

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newDeliverer(t *testing.T, q custosmail.Queue, s custosmail.Sender, log *bytes.Buffer) *custosmail.Deliverer {
	var h slog.Handler = slog.NewTextHandler(t.Output(), nil)
	if log != nil {
		h = slog.NewTextHandler(log, nil)
	}
	return &custosmail.Deliverer{Queue: q, Sender: s, Log: slog.New(h), Now: func() time.Time { return now }, Interval: time.Hour}
}

func TestDelivererSendsPending(t *testing.T) {
	srv := mailtest.NewServer(t)
	q := &fakeQueue{}
	for i := range 3 {
		m := testMail()
		m.Subject = "mail " + string(rune('A'+i))
		q.add(m)
	}
	q.mails[2].NextAt = now.Add(time.Minute) // not due yet
	d := newDeliverer(t, q, newSMTP(t, srv, "", ""), nil)
	d.Batch = 1 // two batches

	sent, failed, err := d.DeliverOnce(t.Context())
	if err != nil || sent != 2 || failed != 0 {
		t.Fatalf("DeliverOnce = %d, %d, %v", sent, failed, err)
	}
	msgs := waitFor(t, srv, 2)
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, m.Subject)
	}
	if !slices.Equal(subjects, []string{"mail A", "mail B"}) {
		t.Errorf("received %q", subjects)
	}
	for id, want := range map[int64]time.Time{1: now, 2: now, 3: {}} {
		if got := q.get(id).SentAt; !got.Equal(want) {
			t.Errorf("mail %d: SentAt = %v, want %v", id, got, want)
		}
	}
	if sent, failed, err := d.DeliverOnce(t.Context()); sent+failed != 0 || err != nil {
		t.Errorf("second round = %d, %d, %v", sent, failed, err)
	}
}

func TestDelivererServerDown(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSMTP(t, srv, "", "")
	srv.Close()
	q := &fakeQueue{}
	q.add(testMail())
	var log bytes.Buffer
	d := newDeliverer(t, q, s, &log)

	sent, failed, err := d.DeliverOnce(t.Context())
	if err != nil || sent != 0 || failed != 1 {
		t.Fatalf("DeliverOnce = %d, %d, %v", sent, failed, err)
	}
	m := q.get(1)
	if m.Attempts != 1 || !m.SentAt.IsZero() {
		t.Errorf("mail = %+v", m)
	}
	if wait := m.NextAt.Sub(now); wait < 54*time.Second || wait > 66*time.Second {
		t.Errorf("next attempt in %v, want about a minute", wait)
	}
	if !strings.Contains(m.LastError, "connect") {
		t.Errorf("LastError = %q", m.LastError)
	}
	assertNoPersonalData(t, m.LastError, testMail())
	assertNoPersonalData(t, log.String(), testMail())

	// Not due again until then.
	if sent, failed, _ := d.DeliverOnce(t.Context()); sent+failed != 0 {
		t.Errorf("retried at once: %d, %d", sent, failed)
	}
}

func TestDelivererRejectedRecipient(t *testing.T) {
	srv := mailtest.NewServer(t)
	srv.FailRcpt(errors.New("no mailbox for " + recipient))
	q := &fakeQueue{}
	q.add(testMail())
	var log bytes.Buffer
	d := newDeliverer(t, q, newSMTP(t, srv, "", ""), &log)
	if _, failed, err := d.DeliverOnce(t.Context()); failed != 1 || err != nil {
		t.Fatalf("failed %d, %v", failed, err)
	}
	m := q.get(1)
	if !strings.Contains(m.LastError, "rcpt to: 451") {
		t.Errorf("LastError = %q", m.LastError)
	}
	assertNoPersonalData(t, m.LastError, testMail())
	assertNoPersonalData(t, log.String(), testMail())
}

// leakySender fails with an error that repeats the mail, as a careless
// Sender might.
type leakySender struct{}

func (leakySender) Send(_ context.Context, m *custos.Mail) error {
	return errors.New("refused mail to " + strings.ToUpper(m.To) + " <" + m.To + ">")
}

func TestDelivererScrubsErrors(t *testing.T) {
	q := &fakeQueue{}
	q.add(testMail())
	d := newDeliverer(t, q, leakySender{}, nil)
	if _, _, err := d.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := q.get(1)
	if !strings.HasPrefix(m.LastError, "refused mail to ") {
		t.Errorf("LastError = %q", m.LastError)
	}
	assertNoPersonalData(t, m.LastError, testMail())
}

func TestDelivererGivesUp(t *testing.T) {
	q := &fakeQueue{}
	m := testMail()
	m.Attempts = custosmail.MaxAttempts - 1
	q.add(m)
	var log bytes.Buffer
	d := newDeliverer(t, q, leakySender{}, &log)
	if _, failed, err := d.DeliverOnce(t.Context()); failed != 1 || err != nil {
		t.Fatalf("failed %d, %v", failed, err)
	}
	got := q.get(1)
	if got.Attempts != custosmail.MaxAttempts || got.NextAt.Before(now.AddDate(99, 0, 0)) {
		t.Errorf("mail = %+v", got)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "mail=1") ||
		!strings.Contains(log.String(), "template=verify") {
		t.Errorf("log:\n%s", log.String())
	}
	assertNoPersonalData(t, log.String(), testMail())
}

func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{
		0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 9: 256 * time.Minute,
		10: 6 * time.Hour, 40: 6 * time.Hour, 1000: 6 * time.Hour,
	} {
		if got := custosmail.Backoff(attempt); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}

func TestDelivererQueueError(t *testing.T) {
	q := &fakeQueue{err: errors.New("database is locked")}
	d := newDeliverer(t, q, leakySender{}, nil)
	if _, _, err := d.DeliverOnce(t.Context()); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Errorf("err = %v", err)
	}
}

func TestDelivererRunAndKick(t *testing.T) {
	srv := mailtest.NewServer(t)
	q := &fakeQueue{polled: make(chan struct{}, 1)}
	d := newDeliverer(t, q, newSMTP(t, srv, "", ""), nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	<-q.polled // the first round found nothing; the next is an hour away

	q.add(testMail())
	d.Kick()
	if got := waitFor(t, srv, 1); got[0].Subject != testMail().Subject {
		t.Errorf("received %q", got[0].Subject)
	}
	cancel()
	<-done
	if q.get(1).SentAt.IsZero() {
		t.Error("not marked sent")
	}
}
