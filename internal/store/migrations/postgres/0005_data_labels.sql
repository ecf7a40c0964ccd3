-- Every row that holds personal data says what it is and why (DESIGN §4):
-- the tables of requests that lacked it get a data category and a purpose.
-- Whose it is comes through request_id (the request's email_hash), or the
-- row's own email_hash; when it was collected, from its created_at, time or
-- since.

-- E-mails: the address and what is said to it. Reminders to staff are
-- about the staff member's own account.
ALTER TABLE mails ADD COLUMN data_category TEXT NOT NULL DEFAULT 'user.contact.email';
ALTER TABLE mails ADD COLUMN purpose TEXT NOT NULL DEFAULT 'request_handling';
UPDATE mails SET purpose = 'staff_notification' WHERE request_id IS NULL;

-- The package prepared for a person: all that Custos holds about them.
ALTER TABLE request_answers ADD COLUMN data_category TEXT NOT NULL DEFAULT 'user';
ALTER TABLE request_answers ADD COLUMN purpose TEXT NOT NULL DEFAULT 'request_handling';

-- The timeline: staff notes and reasons may say things about the person.
ALTER TABLE request_events ADD COLUMN data_category TEXT NOT NULL DEFAULT 'user.content.private';
ALTER TABLE request_events ADD COLUMN purpose TEXT NOT NULL DEFAULT 'request_handling';

-- Restrictions and objections in force against a person.
ALTER TABLE subject_marks ADD COLUMN data_category TEXT NOT NULL DEFAULT 'user.privacy_preferences';
ALTER TABLE subject_marks ADD COLUMN purpose TEXT NOT NULL DEFAULT 'request_handling';

-- The keyed hash kept after an erasure, so a later import does not bring
-- the person back.
ALTER TABLE suppressions ADD COLUMN data_category TEXT NOT NULL DEFAULT 'user.contact.email';
ALTER TABLE suppressions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'erasure_suppression';
