-- The lifecycle of refills (リフィル) and parts (分割調剤): a prescription may have several dispensings, so the one-dispensing
-- rule goes; the prescription keeps how many uses it allows and has had, the parts of the current use, the next use's due date
-- and the last date it may still be received (what the expiry sweeper looks at); a sheet of a split instruction (record 63)
-- keeps which part it is.
ALTER TABLE prescriptions ADD COLUMN total_uses INTEGER NOT NULL DEFAULT 1;
ALTER TABLE prescriptions ADD COLUMN uses_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prescriptions ADD COLUMN parts_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prescriptions ADD COLUMN next_due_on TEXT NULL;
ALTER TABLE prescriptions ADD COLUMN valid_through TEXT NULL;
ALTER TABLE prescriptions ADD COLUMN split_part INTEGER NULL;
ALTER TABLE prescriptions ADD COLUMN split_of INTEGER NULL;
UPDATE prescriptions SET valid_through = expires_on WHERE status IN ('registered', 'received');
UPDATE prescriptions SET uses_done = 1 WHERE status = 'dispensed';
CREATE INDEX ix_prescriptions_valid_through ON prescriptions (valid_through);
CREATE INDEX ix_prescriptions_siblings ON prescriptions (patient_key, issued_on);

-- SQLite cannot drop a UNIQUE constraint: the table is rebuilt (the migrator runs SQLite scripts with foreign keys off and
-- checks them before it commits). part: a part (分割調剤) of its use, not the use's last dispensing; use_number: which use of the prescription the dispensing belongs to; content_hash: the
-- signed bytes' hash, so a retried dispensing is answered as the first time.
CREATE TABLE dispensings_new (
    id                  TEXT    NOT NULL PRIMARY KEY,
    prescription_id     TEXT    NOT NULL REFERENCES prescriptions (id),
    pharmacy_client_id  TEXT    NOT NULL REFERENCES clients (id),
    patient_key         TEXT    NOT NULL,
    dispensed_on        TEXT    NOT NULL,
    document            BLOB    NOT NULL,
    signature           BLOB    NOT NULL,
    signature_detached  INTEGER NOT NULL,
    verification        TEXT    NOT NULL,
    substitutions       TEXT    NOT NULL,
    recorded_at         TEXT    NOT NULL,
    sequence            INTEGER NULL UNIQUE,
    use_number          INTEGER NOT NULL DEFAULT 1,
    part                INTEGER NOT NULL DEFAULT 0,
    content_hash        TEXT    NULL
);
INSERT INTO dispensings_new (id, prescription_id, pharmacy_client_id, patient_key, dispensed_on, document, signature, signature_detached,
    verification, substitutions, recorded_at, sequence)
SELECT id, prescription_id, pharmacy_client_id, patient_key, dispensed_on, document, signature, signature_detached,
    verification, substitutions, recorded_at, sequence FROM dispensings;
DROP TABLE dispensings;
ALTER TABLE dispensings_new RENAME TO dispensings;
CREATE INDEX ix_dispensings_patient ON dispensings (patient_key, sequence);
CREATE INDEX ix_dispensings_prescription ON dispensings (prescription_id, sequence);
CREATE INDEX ix_dispensings_content ON dispensings (prescription_id, content_hash);
CREATE TRIGGER tr_dispensings_sequence AFTER INSERT ON dispensings WHEN NEW.sequence IS NULL BEGIN UPDATE dispensings SET sequence = (SELECT COALESCE(MAX(sequence), 0) + 1 FROM dispensings) WHERE id = NEW.id; END;
