-- The webhook callbacks received, PostgreSQL dialect: the same table and
-- index as the SQLite file, which says what each is for, with timestamptz
-- for until. Every node checks and records a callback here, so a replay
-- that reaches another node is refused too.

CREATE TABLE webhook_replays (
    key_hash TEXT        NOT NULL PRIMARY KEY,
    until    TIMESTAMPTZ NOT NULL
);

CREATE INDEX webhook_replays_until ON webhook_replays (until);
