-- The use of a refill (リフィル) whose window's opening was announced (the clinic event refill-due), so each use is announced once.
ALTER TABLE prescriptions ADD COLUMN refill_due_use INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ix_prescriptions_next_due ON prescriptions (status, next_due_on);
