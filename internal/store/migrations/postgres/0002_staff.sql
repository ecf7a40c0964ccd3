-- Staff console, PostgreSQL dialect: the same tables and indexes as the
-- SQLite file, with timestamptz for times (a zero time, 0001-01-01 UTC,
-- means "not set"). See the SQLite file for what each is for.

CREATE TABLE staff_users (
    id               TEXT        NOT NULL PRIMARY KEY,
    email            TEXT        NOT NULL UNIQUE,
    role             TEXT        NOT NULL,
    password_hash    TEXT        NOT NULL,
    totp_secret      BYTEA,
    totp_last_step   BIGINT      NOT NULL,
    recovery_codes   TEXT        NOT NULL, -- JSON array of SHA-256 hex hashes
    disabled         BOOLEAN     NOT NULL,
    setup_token_hash TEXT,
    setup_expires    TIMESTAMPTZ NOT NULL,
    locked_until     TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    version          BIGINT  NOT NULL DEFAULT 0, -- +1 on every update: a write from a stale read is refused
    subject          TEXT        NOT NULL,
    data_category    TEXT        NOT NULL,
    purpose          TEXT        NOT NULL,
    collected_at     TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX staff_users_setup_token ON staff_users (setup_token_hash);

CREATE TABLE staff_sign_in_failures (
    user_id       TEXT        NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    at            TIMESTAMPTZ NOT NULL,
    subject       TEXT        NOT NULL,
    data_category TEXT        NOT NULL,
    purpose       TEXT        NOT NULL,
    collected_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX staff_sign_in_failures_user ON staff_sign_in_failures (user_id, at);

CREATE TABLE staff_sessions (
    token_hash    TEXT        NOT NULL PRIMARY KEY,
    user_id       TEXT        NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    user_agent    TEXT        NOT NULL,
    ip_prefix     TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    data_category TEXT        NOT NULL,
    purpose       TEXT        NOT NULL,
    collected_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX staff_sessions_user ON staff_sessions (user_id, created_at);

CREATE TABLE api_tokens (
    id         TEXT        NOT NULL PRIMARY KEY,
    name       TEXT        NOT NULL,
    role       TEXT        NOT NULL,
    hash       TEXT        NOT NULL UNIQUE,
    created_by TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked    BOOLEAN     NOT NULL,
    last_used  TIMESTAMPTZ NOT NULL -- zero if never used
);

CREATE INDEX consents_issued ON consents (issued_at, audit_seq);
