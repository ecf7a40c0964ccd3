-- The job table, PostgreSQL dialect: the same tables and indexes as the
-- SQLite file, which says what each is for, with timestamptz for times (a
-- zero time, 0001-01-01 UTC, means "not set"; a next_at of zero is due at
-- once). Runners on several nodes claim with FOR UPDATE SKIP LOCKED.

CREATE TABLE jobs (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT        NOT NULL,
    request_id    TEXT        NOT NULL,
    key           TEXT        NOT NULL UNIQUE,
    state         TEXT        NOT NULL,
    attempts      INTEGER     NOT NULL,
    max_attempts  INTEGER     NOT NULL,
    claim         BIGINT      NOT NULL,
    next_at       TIMESTAMPTZ NOT NULL,
    lease_until   TIMESTAMPTZ NOT NULL,
    payload       TEXT        NOT NULL,
    checkpoint    TEXT        NOT NULL,
    result        TEXT        NOT NULL,
    error         TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT      NOT NULL DEFAULT 1,
    data_category TEXT        NOT NULL DEFAULT 'user',
    purpose       TEXT        NOT NULL DEFAULT 'request_handling'
);

CREATE INDEX jobs_due ON jobs (next_at, id) WHERE state IN ('pending', 'failed', 'running');
CREATE INDEX jobs_request ON jobs (request_id, id);

CREATE TABLE job_deps (
    job_id     BIGINT NOT NULL,
    depends_on TEXT   NOT NULL,
    PRIMARY KEY (job_id, depends_on)
);
