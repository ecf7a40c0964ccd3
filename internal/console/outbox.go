package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// Outbox is the queue of e-mails the console shows: with no SMTP server
// configured (in development, in the demo) it is where they can be read.
// *store.DB is one.
type Outbox interface {
	// Mails returns the newest mails first, at most limit.
	Mails(ctx context.Context, limit int) ([]*custos.Mail, error)
	Mail(ctx context.Context, id int64) (*custos.Mail, error)
}

// outboxLimit bounds the mails the outbox lists.
const outboxLimit = 200

// outbox returns the Outbox field, else the store if it is one, else nil.
func (c *Console) outbox() Outbox {
	if c.Outbox != nil {
		return c.Outbox
	}
	if o, ok := c.Store.(Outbox); ok {
		return o
	}
	return nil
}

type mailRow struct {
	ID                             int64
	To, Subject, Template, Created string
	State, StateClass              string
	RequestID                      string
}

type outboxData struct {
	Rows []mailRow
	More string
}

// givenUp tells a mail the deliverer gave up on: its next attempt is set
// a century ahead (mail.GiveUpAfter).
const givenUp = 10 * 365 * 24 * time.Hour

// mailState says, in words, where a mail stands.
func mailState(t *messages, m *custos.Mail, now time.Time) (text, class string) {
	switch {
	case !m.SentAt.IsZero():
		return fmt.Sprintf(t.S("mail_sent"), m.SentAt.UTC().Format(timeFormat)), "sent"
	case m.Attempts > 0 && m.NextAt.After(now.Add(givenUp)):
		return fmt.Sprintf(t.S("mail_given_up"), m.Attempts), "failed"
	case m.Attempts > 0:
		return fmt.Sprintf(t.S("mail_failed"), m.Attempts), "failed"
	default:
		return t.S("mail_pending"), "pending"
	}
}

func (c *Console) outboxOff(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) Outbox {
	o := c.outbox()
	if o == nil {
		c.render(w, r, http.StatusNotFound, "message", "outbox", u, messagesFor(r).S("outbox_off"))
	}
	return o
}

func (c *Console) outboxPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	o := c.outboxOff(w, r, u)
	if o == nil {
		return
	}
	if c.crossSite(r) {
		c.render(w, r, http.StatusOK, "confirm", "outbox", u, r.URL.RequestURI())
		return
	}
	list, err := o.Mails(r.Context(), outboxLimit+1)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	// The list shows people's addresses: its opening is recorded too.
	if err := c.audit(r.Context(), u, "outbox", "list"); err != nil {
		c.fail(w, r, u, err)
		return
	}
	t := messagesFor(r)
	var d outboxData
	for i, m := range list {
		if i == outboxLimit {
			d.More = fmt.Sprintf(t.S("more_mails"), outboxLimit)
			break
		}
		row := mailRow{ID: m.ID, To: m.To, Subject: m.Subject, Template: m.Template,
			Created: m.CreatedAt.UTC().Format(timeFormat), RequestID: m.RequestID}
		row.State, row.StateClass = mailState(t, m, c.Now())
		d.Rows = append(d.Rows, row)
	}
	c.render(w, r, http.StatusOK, "outbox", "outbox", u, d)
}

type mailData struct {
	M          *custos.Mail
	Created    string
	State      string
	StateClass string
	NextAt     string
}

func (c *Console) mailPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	o := c.outboxOff(w, r, u)
	if o == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(w, r, u, custos.Errorf(custos.ENOTFOUND, "no such mail"))
		return
	}
	if c.crossSite(r) {
		c.render(w, r, http.StatusOK, "confirm", "mail", u, r.URL.RequestURI())
		return
	}
	m, err := o.Mail(r.Context(), id)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	// A mail holds a person's address, maybe a verification code: its
	// opening is recorded before it is shown.
	if err := c.audit(r.Context(), u, "mail", strconv.FormatInt(m.ID, 10)); err != nil {
		c.fail(w, r, u, err)
		return
	}
	t := messagesFor(r)
	d := mailData{M: m, Created: m.CreatedAt.UTC().Format(timeFormat)}
	d.State, d.StateClass = mailState(t, m, c.Now())
	if m.SentAt.IsZero() && !m.NextAt.IsZero() && m.NextAt.Before(c.Now().Add(givenUp)) {
		d.NextAt = m.NextAt.UTC().Format(timeFormat)
	}
	c.render(w, r, http.StatusOK, "mail", "mail", u, d)
}
