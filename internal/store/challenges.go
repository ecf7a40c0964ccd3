package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// CountAttempt counts one attempt at the code of challenge id, in one
// statement, before the code is compared: of any number of guesses sent
// at once, no more than max are ever compared. It counts only while the
// code may be tried at now (not used, not expired, fewer than max
// attempts) and returns the challenge as it now stands, with counted
// telling whether this attempt may compare the code. A challenge that does
// not exist is ENOTFOUND.
func (db *DB) CountAttempt(ctx context.Context, id string, max int, now time.Time) (c *custos.Challenge, counted bool, err error) {
	var refused error
	err = db.apply(ctx, "count a code attempt", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		c, counted, refused = nil, false, nil
		got, err := scanChallenge(tx.QueryRowContext(ctx, `UPDATE request_challenges SET attempts = attempts + 1, version = version + 1`+
			` WHERE id = $1 AND used_at = $2 AND attempts < $3 AND code_expires > $4 RETURNING `+challengeColumns,
			id, time.Time{}, max, utcMicro(now)))
		if err == nil {
			c, counted = got, true
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("count a code attempt: %w", err)
		}
		got, err = scanChallenge(tx.QueryRowContext(ctx, `SELECT `+challengeColumns+` FROM request_challenges WHERE id = $1`, id))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			refused = custos.Errorf(custos.ENOTFOUND, "challenge not found")
			return false, nil
		case err != nil:
			return false, fmt.Errorf("count a code attempt: %w", err)
		}
		c = got
		return false, nil
	})
	if err != nil {
		return nil, false, err
	}
	return c, counted, refused
}
