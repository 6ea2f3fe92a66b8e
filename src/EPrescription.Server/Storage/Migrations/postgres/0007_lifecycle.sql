-- The lifecycle of refills (リフィル) and parts (分割調剤): a prescription may have several dispensings, so the one-dispensing
-- rule goes; the prescription keeps how many uses it allows and has had, the parts of the current use, the next use's due date
-- and the last date it may still be received (what the expiry sweeper looks at); a sheet of a split instruction (record 63)
-- keeps which part it is.
ALTER TABLE prescriptions ADD COLUMN total_uses INTEGER NOT NULL DEFAULT 1;
ALTER TABLE prescriptions ADD COLUMN uses_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prescriptions ADD COLUMN parts_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prescriptions ADD COLUMN next_due_on DATE NULL;
ALTER TABLE prescriptions ADD COLUMN valid_through DATE NULL;
ALTER TABLE prescriptions ADD COLUMN split_part INTEGER NULL;
ALTER TABLE prescriptions ADD COLUMN split_of INTEGER NULL;
UPDATE prescriptions SET valid_through = expires_on WHERE status IN ('registered', 'received');
UPDATE prescriptions SET uses_done = 1 WHERE status = 'dispensed';
CREATE INDEX ix_prescriptions_valid_through ON prescriptions (valid_through);
CREATE INDEX ix_prescriptions_siblings ON prescriptions (patient_key, issued_on);

-- part: a part (分割調剤) of its use, not the use's last dispensing; use_number: which use of the prescription the dispensing belongs to; content_hash: the signed bytes' hash, so a retried
-- dispensing is answered as the first time.
ALTER TABLE dispensings DROP CONSTRAINT dispensings_prescription_id_key;
ALTER TABLE dispensings ADD COLUMN use_number INTEGER NOT NULL DEFAULT 1;
ALTER TABLE dispensings ADD COLUMN content_hash TEXT NULL;
ALTER TABLE dispensings ADD COLUMN part BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ix_dispensings_prescription ON dispensings (prescription_id, sequence);
CREATE INDEX ix_dispensings_content ON dispensings (prescription_id, content_hash);
