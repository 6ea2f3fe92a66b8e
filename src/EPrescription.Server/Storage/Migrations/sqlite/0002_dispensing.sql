-- The answer a consumer gave to a message, so a redelivered request is answered the same way without acting twice.
ALTER TABLE processed_messages ADD COLUMN response_type TEXT NULL;
ALTER TABLE processed_messages ADD COLUMN response TEXT NULL;

-- A dispensing result (調剤結果) as the pharmacy reported it: the pharmacist-signed JAHIS notebook document.
CREATE TABLE dispensings (
    id                  TEXT    NOT NULL PRIMARY KEY,
    prescription_id     TEXT    NOT NULL UNIQUE REFERENCES prescriptions (id),
    pharmacy_client_id  TEXT    NOT NULL REFERENCES clients (id),
    patient_key         TEXT    NOT NULL,
    dispensed_on        TEXT    NOT NULL,
    document            BLOB    NOT NULL,
    signature           BLOB    NOT NULL,
    signature_detached  INTEGER NOT NULL,
    verification        TEXT    NOT NULL,
    substitutions       TEXT    NOT NULL,
    recorded_at         TEXT    NOT NULL,
    sequence            INTEGER NULL UNIQUE
);
CREATE INDEX ix_dispensings_patient ON dispensings (patient_key, sequence);
-- SQLite has no identity for a non-key column: number each dispensing as it is inserted (one writer at a time, so no gaps race).
CREATE TRIGGER tr_dispensings_sequence AFTER INSERT ON dispensings WHEN NEW.sequence IS NULL BEGIN UPDATE dispensings SET sequence = (SELECT COALESCE(MAX(sequence), 0) + 1 FROM dispensings) WHERE id = NEW.id; END;
