package mail

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// Queue is where mails wait to be sent; custos.RequestStore is one.
type Queue interface {
	// PendingMails returns unsent mails due at now, oldest first.
	PendingMails(ctx context.Context, now time.Time, limit int) ([]*custos.Mail, error)
	MailSent(ctx context.Context, id int64, at time.Time) error
	// MailFailed records a failed attempt (the store counts it) and when to
	// try again.
	MailFailed(ctx context.Context, id int64, errText string, next time.Time) error
}

var _ Queue = custos.RequestStore(nil)

// Retries: a failed mail is tried again after 1, 2, 4, … minutes (at most
// MaxBackoff, give or take a tenth), and given up after MaxAttempts.
const (
	MaxAttempts  = 10
	FirstBackoff = time.Minute
	MaxBackoff   = 6 * time.Hour
	// GiveUpAfter is how far NextAt is set once a mail is given up: it
	// stays in the outbox, with its error, and is never tried again.
	GiveUpAfter = 100 * 365 * 24 * time.Hour
)

// Backoff returns the wait after the attempt-th failed attempt (1 for the
// first), without jitter.
func Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 20 {
		return MaxBackoff
	}
	return min(FirstBackoff<<(attempt-1), MaxBackoff)
}

// Deliverer sends the mails of a Queue. Set its fields, then call Run in a
// goroutine, or DeliverOnce.
type Deliverer struct {
	Queue    Queue
	Sender   Sender
	Log      *slog.Logger     // nil: slog.Default()
	Now      func() time.Time // nil: time.Now
	Interval time.Duration    // between rounds; 0: one minute
	Batch    int              // mails read at a time; 0: 50

	once sync.Once
	kick chan struct{}
}

func (d *Deliverer) init() {
	d.once.Do(func() { d.kick = make(chan struct{}, 1) })
}

// Kick wakes Run for a round now, say after a mail was queued. It never
// blocks; kicks while a round runs make one more round.
func (d *Deliverer) Kick() {
	d.init()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers pending mails every Interval, and when kicked, until ctx is
// done.
func (d *Deliverer) Run(ctx context.Context) {
	d.init()
	interval := d.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	for ctx.Err() == nil {
		d.round(ctx)
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-d.kick:
		}
		t.Stop()
	}
}

// round is one DeliverOnce that neither stops Run on an error nor lets a
// panic out.
func (d *Deliverer) round(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			d.log().Error("mail: delivery panicked", "panic", fmt.Sprint(p))
		}
	}()
	if _, _, err := d.DeliverOnce(ctx); err != nil && ctx.Err() == nil {
		d.log().Error("mail: delivery", "err", err)
	}
}

// DeliverOnce sends the mails due now, in batches until none is left, and
// records each outcome. err is an error of the queue (or ctx), not of a
// mail: a mail that fails is counted in failed and tried again later.
func (d *Deliverer) DeliverOnce(ctx context.Context) (sent, failed int, err error) {
	batch := d.Batch
	if batch <= 0 {
		batch = 50
	}
	seen := make(map[int64]bool)
	for {
		mails, err := d.Queue.PendingMails(ctx, d.now(), batch)
		if err != nil {
			return sent, failed, fmt.Errorf("mail: pending mails: %w", err)
		}
		fresh := 0
		for _, m := range mails {
			if seen[m.ID] {
				continue // a queue that did not record the outcome; do not loop on it
			}
			seen[m.ID] = true
			fresh++
			if err := ctx.Err(); err != nil {
				return sent, failed, err
			}
			ok, err := d.deliver(ctx, m)
			if err != nil {
				return sent, failed, err
			}
			if ok {
				sent++
			} else {
				failed++
			}
		}
		if len(mails) < batch || fresh == 0 {
			return sent, failed, nil
		}
	}
}

// deliver sends m and records the outcome: ok if sent, err if the outcome
// could not be recorded.
func (d *Deliverer) deliver(ctx context.Context, m *custos.Mail) (ok bool, err error) {
	sendErr := d.Sender.Send(ctx, m)
	now := d.now()
	if sendErr == nil {
		// Record it even if we are stopping: the mail is out, and an
		// unrecorded one goes out again after the restart.
		if err := d.Queue.MailSent(context.WithoutCancel(ctx), m.ID, now); err != nil {
			// Sent, but not marked: it will go out again. Say so.
			d.log().Error("mail: sent but not marked sent", "mail", m.ID, "template", m.Template, "err", err)
			return true, fmt.Errorf("mail: mark %d sent: %w", m.ID, err)
		}
		d.log().Info("mail: sent", "mail", m.ID, "template", m.Template)
		return true, nil
	}
	if ctx.Err() != nil {
		// Stopping: the attempt was cut short, not failed; leave it due.
		return false, ctx.Err()
	}
	// The text the outbox shows: never the address nor the message, even
	// from a Sender less careful than SMTP.
	text := scrubText(sendErr.Error(), m.To)
	attempt := m.Attempts + 1
	var next time.Time
	if attempt >= MaxAttempts {
		next = now.Add(GiveUpAfter)
		d.log().Error("mail: given up", "mail", m.ID, "template", m.Template)
	} else {
		next = now.Add(jitter(Backoff(attempt)))
		d.log().Warn("mail: not sent", "mail", m.ID, "template", m.Template, "attempt", attempt, "next", next, "err", text)
	}
	if err := d.Queue.MailFailed(ctx, m.ID, text, next); err != nil {
		return false, fmt.Errorf("mail: record failure of %d: %w", m.ID, err)
	}
	return false, nil
}

// jitter returns d give or take a tenth, so that mails failed together
// are not all tried again in the same second.
func jitter(d time.Duration) time.Duration {
	spread := d / 5
	if spread <= 0 {
		return d
	}
	return d - spread/2 + rand.N(spread)
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
