-- Restriction of processing (GDPR Art. 18) where Custos reads consent
-- records: a consent id is restricted when an address it is linked to on
-- the site (subject_links) has a restriction in force (subject_marks of
-- kind 'restricted', lifted_at NULL). The consent API asks this on every
-- read of a subject, so both sides of the join are served by an index.

-- From a consent id to the addresses it is linked to; email_hash is in the
-- index so that the join reads no table row.
CREATE INDEX subject_links_consent ON subject_links (site, consent_subject, email_hash);

-- The restrictions in force: few, whatever the number of marks. The
-- queries name kind = 'restricted' AND lifted_at IS NULL as the index
-- does, so that SQLite can use this partial index.
CREATE INDEX subject_marks_restricted ON subject_marks (site, email_hash)
    WHERE kind = 'restricted' AND lifted_at IS NULL;
