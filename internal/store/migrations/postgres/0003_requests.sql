-- Data subject requests, PostgreSQL dialect: the same tables and indexes as
-- the SQLite file, with timestamptz for times (a zero time, 0001-01-01 UTC,
-- means "not set"; requests.expires_at, mails.sent_at and next_at and
-- subject_marks.lifted_at use NULL instead). See the SQLite file for what
-- each is for.

CREATE TABLE requests (
    id                TEXT        NOT NULL PRIMARY KEY,
    site              TEXT        NOT NULL,
    type              TEXT        NOT NULL,
    state             TEXT        NOT NULL,
    email             TEXT        NOT NULL,
    email_hash        TEXT        NOT NULL,
    consent_subject   TEXT        NOT NULL,
    locale            TEXT        NOT NULL,
    region            TEXT        NOT NULL,
    jurisdiction      TEXT        NOT NULL,
    law               TEXT        NOT NULL,
    details           TEXT        NOT NULL,
    objection         TEXT        NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    acknowledge_by    TIMESTAMPTZ NOT NULL,
    due_at            TIMESTAMPTZ NOT NULL,
    extend_max        TIMESTAMPTZ NOT NULL,
    tell_extension_by TIMESTAMPTZ NOT NULL,
    act_by            TIMESTAMPTZ NOT NULL,
    without_delay     BOOLEAN     NOT NULL,
    extended          BOOLEAN     NOT NULL,
    extension_reason  TEXT        NOT NULL,
    verified_at       TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ,
    assigned_to       TEXT        NOT NULL,
    deny_reason       TEXT        NOT NULL,
    deny_note         TEXT        NOT NULL,
    result            TEXT        NOT NULL,
    closed_at         TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT      NOT NULL DEFAULT 1,
    data_category     TEXT        NOT NULL DEFAULT 'user.contact.email',
    purpose           TEXT        NOT NULL DEFAULT 'request_handling'
);

CREATE INDEX requests_queue ON requests (state, due_at);
CREATE INDEX requests_duplicate ON requests (site, email_hash, type);
CREATE INDEX requests_rate ON requests (email_hash, received_at);
CREATE INDEX requests_expires ON requests (state, expires_at);

CREATE TABLE request_challenges (
    id           TEXT        NOT NULL PRIMARY KEY,
    request_id   TEXT        NOT NULL,
    code_hash    TEXT        NOT NULL,
    link_hash    TEXT        NOT NULL UNIQUE,
    code_expires TIMESTAMPTZ NOT NULL,
    link_expires TIMESTAMPTZ NOT NULL,
    attempts     INTEGER     NOT NULL,
    used_at      TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT      NOT NULL DEFAULT 1
);

CREATE INDEX request_challenges_request ON request_challenges (request_id);

CREATE TABLE request_events (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id TEXT        NOT NULL,
    time       TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL,
    kind       TEXT        NOT NULL,
    note       TEXT        NOT NULL
);

CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE TABLE request_answers (
    request_id   TEXT        NOT NULL PRIMARY KEY,
    content_type TEXT        NOT NULL,
    file_name    TEXT        NOT NULL,
    data         BYTEA       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX request_answers_expires ON request_answers (expires_at);

CREATE TABLE mails (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id TEXT,
    template   TEXT        NOT NULL,
    to_addr    TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    text_body  TEXT        NOT NULL,
    html_body  TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    attempts   INTEGER     NOT NULL,
    next_at    TIMESTAMPTZ,
    last_error TEXT        NOT NULL
);

CREATE INDEX mails_pending ON mails (id, next_at) WHERE sent_at IS NULL;
CREATE INDEX mails_sent ON mails (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX mails_request ON mails (request_id);

CREATE TABLE subject_links (
    site            TEXT        NOT NULL,
    email_hash      TEXT        NOT NULL,
    consent_subject TEXT        NOT NULL,
    request_id      TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    data_category   TEXT        NOT NULL DEFAULT 'user.privacy_preferences',
    purpose         TEXT        NOT NULL DEFAULT 'request_handling',
    UNIQUE (site, email_hash, consent_subject)
);

CREATE TABLE subject_marks (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site       TEXT        NOT NULL,
    email_hash TEXT        NOT NULL,
    kind       TEXT        NOT NULL,
    detail     TEXT        NOT NULL,
    request_id TEXT        NOT NULL,
    since      TIMESTAMPTZ NOT NULL,
    lifted_at  TIMESTAMPTZ
);

CREATE INDEX subject_marks_subject ON subject_marks (site, email_hash, id);

CREATE TABLE suppressions (
    site       TEXT        NOT NULL,
    hash       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (site, hash)
);

CREATE TABLE consents_erased (
    consent_id TEXT        NOT NULL PRIMARY KEY,
    request_id TEXT        NOT NULL,
    erased_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE daily_jobs (
    name TEXT NOT NULL,
    day  TEXT NOT NULL,
    PRIMARY KEY (name, day)
);
