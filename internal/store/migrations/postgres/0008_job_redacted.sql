-- Whether a done step's result has been redacted, PostgreSQL dialect: the
-- same column and index as the SQLite file, which says what each is for,
-- with a boolean.
ALTER TABLE jobs ADD COLUMN redacted BOOLEAN NOT NULL DEFAULT false;

CREATE INDEX jobs_unredacted ON jobs (id) WHERE state = 'done' AND NOT redacted AND request_id <> '';
