package storetest

import (
	"context"
	"regexp"
	"sync"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
)

// CodeTap is a store with an ear on the e-mails it queues: it keeps the
// code of each new challenge, as the person would read it in their inbox,
// so that a program drives the request flow without an SMTP server (the
// request benchmarks).
type CodeTap struct {
	*store.DB
	mu    sync.Mutex
	codes map[string]string
}

// NewCodeTap returns db with a tap on its e-mailed codes.
func NewCodeTap(db *store.DB) *CodeTap {
	return &CodeTap{DB: db, codes: map[string]string{}}
}

var mailedCode = regexp.MustCompile(`\b[0-9]{6}\b`)

// ApplyRequestChange applies ch and, once it is stored, keeps the code
// its verification or download e-mail holds.
func (c *CodeTap) ApplyRequestChange(ctx context.Context, ch *custos.RequestChange) error {
	var code string
	if ch.Challenge != nil && ch.Challenge.Version == 0 {
		for _, m := range ch.Mails {
			if m.Template == "verify" || m.Template == "download_code" {
				code = mailedCode.FindString(m.Text)
			}
		}
	}
	if err := c.DB.ApplyRequestChange(ctx, ch); err != nil {
		return err
	}
	if code != "" {
		c.mu.Lock()
		c.codes[ch.Challenge.ID] = code
		c.mu.Unlock()
	}
	return nil
}

// Take returns the code e-mailed for challenge id and forgets it; "" if
// none was.
func (c *CodeTap) Take(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	code := c.codes[id]
	delete(c.codes, id)
	return code
}
