-- Restriction of processing (GDPR Art. 18), PostgreSQL dialect: the same
-- indexes as the SQLite file, which says what each is for.

CREATE INDEX subject_links_consent ON subject_links (site, consent_subject, email_hash);

CREATE INDEX subject_marks_restricted ON subject_marks (site, email_hash)
    WHERE kind = 'restricted' AND lifted_at IS NULL;
