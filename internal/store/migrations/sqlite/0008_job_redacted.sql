-- Whether a done step's result has been redacted: once its
-- request is completed, the rows, records, files and corrected values a
-- step gathered are in the answer or written to the systems, and its
-- result keeps only counts. Completing redacts at once; a request
-- service's sweep redacts what that missed (a failure, a crash between
-- the two), so nothing stays behind unnoticed.
ALTER TABLE jobs ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;

-- The steps the sweep looks at: done, not redacted, of a request. Few,
-- however many are done and redacted.
CREATE INDEX jobs_unredacted ON jobs (id) WHERE state = 'done' AND NOT redacted AND request_id <> '';
