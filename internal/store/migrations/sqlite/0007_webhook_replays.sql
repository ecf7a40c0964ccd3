-- The webhook callbacks received (the replay guard, webhook.ReplayGuard):
-- a callback copied on its way and sent again is refused, on whichever
-- node it arrives, because the nodes share this table. A callback is known
-- by its replay key (its id and the timestamp of its signature), stored as
-- the SHA-256 hex of the key: fixed in length, and nothing a processor put
-- in its id is kept. No personal data.
--
-- A key is remembered until "until" (the end of its signature's
-- tolerance): from then on the signature is refused anyway, so an expired
-- row counts as absent and is replaced, and the periodic sweep deletes it.
-- Times are INTEGER unix microseconds in UTC.

CREATE TABLE webhook_replays (
    key_hash TEXT    NOT NULL PRIMARY KEY, -- hex SHA-256 of the replay key
    until    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The sweep deletes by until.
CREATE INDEX webhook_replays_until ON webhook_replays (until);
