-- Staff console, SQLite dialect: staff accounts, their sign-in failures and
-- sessions, API tokens, and an index for the console's reports on the
-- ledger. Times are INTEGER unix microseconds in UTC, as in 0001; a zero
-- time (-62135596800000000, 0001-01-01) means "not set", as consents'
-- expires_at does.

-- Staff accounts. The e-mail address is personal data, so the row says
-- whose it is (subject, the account's id), what and why, like the ledger.
-- email is stored lowercased by the store, so the UNIQUE constraint is
-- case-insensitive. setup_token_hash is NULL once the one-time link is used;
-- NULLs do not collide in a UNIQUE index on either engine.
CREATE TABLE staff_users (
    id               TEXT    NOT NULL PRIMARY KEY,
    email            TEXT    NOT NULL UNIQUE,
    role             TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL, -- PHC string, '' until set up
    totp_secret      BLOB,             -- NULL without a second factor
    totp_last_step   INTEGER NOT NULL,
    recovery_codes   TEXT    NOT NULL, -- JSON array of SHA-256 hex hashes
    disabled         INTEGER NOT NULL,
    setup_token_hash TEXT,
    setup_expires    INTEGER NOT NULL,
    locked_until     INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 0, -- +1 on every update: a write from a stale read is refused
    subject          TEXT    NOT NULL,
    data_category    TEXT    NOT NULL,
    purpose          TEXT    NOT NULL,
    collected_at     INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX staff_users_setup_token ON staff_users (setup_token_hash);

-- Failed sign-ins of the last hour, for locking an account. They are about
-- a person too, so they carry the same four columns.
CREATE TABLE staff_sign_in_failures (
    user_id       TEXT    NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    subject       TEXT    NOT NULL,
    data_category TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    collected_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX staff_sign_in_failures_user ON staff_sign_in_failures (user_id, at);

-- Signed-in browsers, keyed by the SHA-256 of the cookie's token. The index
-- on (user_id, created_at) lists a user's sessions newest first and signs
-- them out everywhere.
CREATE TABLE staff_sessions (
    token_hash    TEXT    NOT NULL PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    user_agent    TEXT    NOT NULL,
    ip_prefix     TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    data_category TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    collected_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX staff_sessions_user ON staff_sessions (user_id, created_at);

-- Server-to-server credentials, stored hashed. created_by is a staff id (or
-- whoever the CLI names), not a foreign key: a token outlives nothing it
-- needs from the account that made it.
CREATE TABLE api_tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL,
    last_used  INTEGER NOT NULL -- zero if never used
) STRICT;

-- The console's reports read the ledger by issue time: the newest rows of
-- every site (SearchConsents with no or few filters, newest first) and the
-- rows of a period (WalkConsents, the dashboard). (issued_at, audit_seq) is
-- the order both use, so either reads a range of this index in order with
-- no sort. It leads with issued_at rather than site because the reports
-- span all sites as often as one, and an installation has few sites: a
-- per-site report filters the period's rows of the others, whereas a
-- (site, issued_at) index could not serve an all-sites report without
-- sorting. A new consent's issued_at is close to now, so its entry lands at
-- the right edge of this B-tree, the cheap place, unlike a subject-keyed
-- index. A search by subject uses consents_site_subject_issued instead,
-- site by site (see reports.go). Measured on 200,000 rows of three sites, a
-- page of 100 of all sites or of one, or of a period, takes under a
-- millisecond on either engine with this index.
CREATE INDEX consents_issued ON consents (issued_at, audit_seq);
