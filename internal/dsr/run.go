package dsr

import (
	"context"
	"time"

	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/mail"
)

// Run does the background work of requests until ctx ends: every minute it
// deletes requests never verified, answers past their download window and
// the webhook replay keys no longer needed (Replays), redacts the steps of
// completed requests that completing left as they were, and once a day it
// reminds staff of what falls due. What is due lives in the database, so a
// restart loses nothing.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		s.Sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// redactBatch is how many steps a sweep redacts at most: a backlog (after
// an upgrade, or an outage of the store) clears over a few minutes instead
// of holding one sweep.
const redactBatch = 500

// Sweep runs the background work once.
func (s *Service) Sweep(ctx context.Context) {
	now := s.now()
	if n, a, err := s.Store.ExpireRequests(ctx, now); err != nil {
		if ctx.Err() == nil {
			s.log().Warn("expiring requests", "err", err)
		}
	} else if n+a > 0 {
		s.log().Info("expired", "unverified_requests", n, "answers", a)
	}
	if _, err := s.Remind(ctx); err != nil && ctx.Err() == nil {
		s.log().Warn("request reminder", "err", err)
	}
	if n, err := s.RedactLeftovers(ctx, redactBatch); err != nil {
		if ctx.Err() == nil {
			s.log().Warn("redacting completed requests' steps", "err", err)
		}
	} else if n > 0 {
		s.log().Info("redacted", "steps", n)
	}
	if s.Replays != nil {
		// Kept a tolerance longer than they matter, so that a node whose
		// clock is ahead does not delete what one behind still checks.
		if _, err := s.Replays.DeleteReplays(ctx, now.Add(-webhook.DefaultTolerance)); err != nil && ctx.Err() == nil {
			s.log().Warn("deleting expired webhook replay keys", "err", err)
		}
	}
}

// ReminderJob names the daily reminder in the store's job table.
const ReminderJob = "request-reminder"

// Remind e-mails every enabled privacy officer and administrator the open
// requests that are overdue or fall due within DueSoon, once a day (the
// first call of a UTC day does it; the others, on any node, do nothing).
// It returns how many e-mails it queued.
func (s *Service) Remind(ctx context.Context) (int, error) {
	if s.Staff == nil {
		return 0, nil
	}
	now := s.now()
	first, err := s.Store.ClaimDaily(ctx, ReminderJob, now.Format(time.DateOnly))
	if err != nil || !first {
		return 0, err
	}
	due, err := s.Store.Requests(ctx, custos.RequestQuery{Open: true, DueBefore: now.Add(DueSoon), Limit: 1000})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	users, err := s.Staff.Users(ctx)
	if err != nil {
		return 0, err
	}
	d := mail.Data{Location: time.UTC}
	for _, r := range due {
		d.Reminders = append(d.Reminders, mail.Reminder{ID: r.ID, Type: r.Type, Site: r.Site, DueAt: r.DueAt,
			Overdue: r.Overdue(now), URL: s.PublicURL + "/console/requests/" + r.ID})
	}
	var mails []*custos.Mail
	for _, u := range users {
		if u.Disabled || u.PasswordHash == "" || u.Role != custos.RoleAdmin && u.Role != custos.RolePrivacyOfficer {
			continue
		}
		subject, text, html, err := mail.Compose("reminder", "en", d)
		if err != nil {
			return 0, err
		}
		mails = append(mails, &custos.Mail{Template: "reminder", To: u.Email, Subject: subject, Text: text, HTML: html, CreatedAt: now})
	}
	if len(mails) == 0 {
		return 0, nil
	}
	if err := s.apply(ctx, &custos.RequestChange{Mails: mails}); err != nil {
		return 0, err
	}
	return len(mails), nil
}
