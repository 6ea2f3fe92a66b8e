-- The use of a refill (リフィル) whose window's opening was announced (the clinic event refill-due), so each use is announced once.
ALTER TABLE prescriptions ADD refill_due_use INT NOT NULL CONSTRAINT df_prescriptions_refill_due_use DEFAULT 0;
CREATE INDEX ix_prescriptions_next_due ON prescriptions (status, next_due_on);
