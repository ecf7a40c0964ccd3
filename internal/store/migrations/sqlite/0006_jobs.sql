-- The job table (DESIGN §3): background work, such as the steps of a
-- request's fulfilment and webhook deliveries, lives in the database, so a
-- restart loses none of it. A runner claims a job with a lease; a job whose
-- lease ran out (its node died) is claimed again, with the checkpoint its
-- handler last recorded.
--
-- Times are INTEGER unix microseconds in UTC; a zero time
-- (-62135596800000000) means "not set": a next_at of zero is due at once.

CREATE TABLE jobs (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL,
    request_id    TEXT    NOT NULL, -- '' for a job of no request
    key           TEXT    NOT NULL UNIQUE, -- the idempotency key
    state         TEXT    NOT NULL, -- pending, running, waiting, failed, dead, done
    attempts      INTEGER NOT NULL, -- runs started since enqueued or retried
    max_attempts  INTEGER NOT NULL,
    claim         INTEGER NOT NULL, -- +1 on every claim, never reset: names the holder
    next_at       INTEGER NOT NULL, -- pending, failed: when due; running: the lease's end
    lease_until   INTEGER NOT NULL, -- running: the lease's end; else zero
    payload       TEXT    NOT NULL, -- JSON, ids only; '' if none
    checkpoint    TEXT    NOT NULL, -- JSON; '' if none
    result        TEXT    NOT NULL, -- JSON; '' if none
    error         TEXT    NOT NULL, -- the last failure, no personal data
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    -- A step's checkpoint and result may hold the person's data (an access
    -- step's rows): whose it is comes through request_id.
    data_category TEXT    NOT NULL DEFAULT 'user',
    purpose       TEXT    NOT NULL DEFAULT 'request_handling'
) STRICT;

-- The jobs a runner may claim, by when they are due (for a running job,
-- when its lease ends): few, however many are done. The claim names
-- state IN ('pending', 'failed', 'running') as the index does, so that
-- SQLite can use this partial index.
CREATE INDEX jobs_due ON jobs (next_at, id) WHERE state IN ('pending', 'failed', 'running');
-- A request's steps.
CREATE INDEX jobs_request ON jobs (request_id, id);

-- What each job waits for: the keys of the jobs that must be done first.
CREATE TABLE job_deps (
    job_id     INTEGER NOT NULL,
    depends_on TEXT    NOT NULL,
    PRIMARY KEY (job_id, depends_on)
) STRICT, WITHOUT ROWID;
