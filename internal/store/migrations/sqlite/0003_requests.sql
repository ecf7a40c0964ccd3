-- Data subject requests, SQLite dialect: the requests, the challenges that
-- prove an address, each request's timeline and answer, the e-mail queue,
-- what is remembered about a person across requests (links to their consent
-- ids, restrictions and objections, the suppression list), the ids of
-- consents an erasure removed, and the claims of daily jobs.
--
-- Times are INTEGER unix microseconds in UTC, as in 0001 and 0002; a zero
-- time (-62135596800000000, 0001-01-01) means "not set". Where a query asks
-- whether something has happened yet (requests.expires_at, mails.sent_at and
-- next_at, subject_marks.lifted_at) "not set" is NULL instead, so that the
-- condition is IS NULL and a partial index can serve it, and a request
-- without an expiry is never taken for an expired one.

-- One row per request. The e-mail address is personal data: the row says
-- what it holds (data_category) and why (purpose); its subject is the
-- address itself, found through email_hash. email, details, consent_subject
-- and deny_note are cleared when the person's later erasure is carried out.
CREATE TABLE requests (
    id                TEXT    NOT NULL PRIMARY KEY,
    site              TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    email             TEXT    NOT NULL, -- lowercased; '' once erased
    email_hash        TEXT    NOT NULL, -- keyed hash of email
    consent_subject   TEXT    NOT NULL, -- '' if none
    locale            TEXT    NOT NULL,
    region            TEXT    NOT NULL,
    jurisdiction      TEXT    NOT NULL,
    law               TEXT    NOT NULL,
    details           TEXT    NOT NULL,
    objection         TEXT    NOT NULL,
    received_at       INTEGER NOT NULL,
    acknowledge_by    INTEGER NOT NULL,
    due_at            INTEGER NOT NULL,
    extend_max        INTEGER NOT NULL,
    tell_extension_by INTEGER NOT NULL,
    act_by            INTEGER NOT NULL,
    without_delay     INTEGER NOT NULL,
    extended          INTEGER NOT NULL,
    extension_reason  TEXT    NOT NULL,
    verified_at       INTEGER NOT NULL,
    expires_at        INTEGER,          -- NULL: never deleted as unverified
    assigned_to       TEXT    NOT NULL,
    deny_reason       TEXT    NOT NULL,
    deny_note         TEXT    NOT NULL,
    result            TEXT    NOT NULL, -- JSON, never personal data
    closed_at         INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1, -- +1 on every update: a write from a stale read is refused
    data_category     TEXT    NOT NULL DEFAULT 'user.contact.email',
    purpose           TEXT    NOT NULL DEFAULT 'request_handling'
) STRICT;

-- The staff queue: by state, earliest due first.
CREATE INDEX requests_queue ON requests (state, due_at);
-- The same request filed again, and an erasure's other requests.
CREATE INDEX requests_duplicate ON requests (site, email_hash, type);
-- The per-address rate limit.
CREATE INDEX requests_rate ON requests (email_hash, received_at);
-- Unverified requests to delete, by state and expiry.
CREATE INDEX requests_expires ON requests (state, expires_at);

-- E-mailed proofs of an address, stored as keyed hashes.
CREATE TABLE request_challenges (
    id           TEXT    NOT NULL PRIMARY KEY,
    request_id   TEXT    NOT NULL,
    code_hash    TEXT    NOT NULL,
    link_hash    TEXT    NOT NULL UNIQUE,
    code_expires INTEGER NOT NULL,
    link_expires INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    used_at      INTEGER NOT NULL, -- zero until used
    created_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX request_challenges_request ON request_challenges (request_id);

-- Each request's timeline. note is staff's free text; it goes with the
-- request.
CREATE TABLE request_events (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    request_id TEXT    NOT NULL,
    time       INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    note       TEXT    NOT NULL
) STRICT;

CREATE INDEX request_events_request ON request_events (request_id, id);

-- The package prepared for a request, deleted when it expires.
CREATE TABLE request_answers (
    request_id   TEXT    NOT NULL PRIMARY KEY,
    content_type TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX request_answers_expires ON request_answers (expires_at);

-- The e-mail queue, and the outbox when no SMTP server is configured. A
-- mail's text is personal data: sent mails are deleted after 30 days.
CREATE TABLE mails (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    request_id TEXT,             -- NULL for a mail about no request
    template   TEXT    NOT NULL,
    to_addr    TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    text_body  TEXT    NOT NULL,
    html_body  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,          -- NULL until sent
    attempts   INTEGER NOT NULL,
    next_at    INTEGER,          -- NULL: as soon as possible
    last_error TEXT    NOT NULL
) STRICT;

-- The mails to send, oldest first: few, whatever the size of the outbox.
-- The queries name sent_at IS NULL as the index does, so that SQLite can
-- use this partial index.
CREATE INDEX mails_pending ON mails (id, next_at) WHERE sent_at IS NULL;
-- Sent mails to delete.
CREATE INDEX mails_sent ON mails (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX mails_request ON mails (request_id);

-- The consent ids (browsers) a person linked to their address on a site,
-- so that a later request includes their consent records.
CREATE TABLE subject_links (
    site            TEXT    NOT NULL,
    email_hash      TEXT    NOT NULL,
    consent_subject TEXT    NOT NULL,
    request_id      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    data_category   TEXT    NOT NULL DEFAULT 'user.privacy_preferences',
    purpose         TEXT    NOT NULL DEFAULT 'request_handling',
    UNIQUE (site, email_hash, consent_subject)
) STRICT;

-- Restrictions (Art. 18) and objections (Art. 21) in force against a
-- person, and lifted ones.
CREATE TABLE subject_marks (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site       TEXT    NOT NULL,
    email_hash TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    since      INTEGER NOT NULL,
    lifted_at  INTEGER           -- NULL while in force
) STRICT;

CREATE INDEX subject_marks_subject ON subject_marks (site, email_hash, id);

-- Keyed hashes of erased people, so that an import does not bring them
-- back.
CREATE TABLE suppressions (
    site       TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site, hash)
) STRICT, WITHOUT ROWID;

-- The ids of consent records an erasure removed from the ledger (random
-- UUIDs, not personal data), so that the ledger still adds up against the
-- consent.recorded entries of the audit trail.
CREATE TABLE consents_erased (
    consent_id TEXT    NOT NULL PRIMARY KEY,
    request_id TEXT    NOT NULL,
    erased_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Daily jobs claimed, so that of several nodes one runs each.
CREATE TABLE daily_jobs (
    name TEXT NOT NULL,
    day  TEXT NOT NULL, -- YYYY-MM-DD
    PRIMARY KEY (name, day)
) STRICT, WITHOUT ROWID;
