-- The answer a consumer gave to a message, so a redelivered request is answered the same way without acting twice.
ALTER TABLE processed_messages ADD COLUMN response_type TEXT NULL;
ALTER TABLE processed_messages ADD COLUMN response TEXT NULL;

-- A dispensing result (調剤結果) as the pharmacy reported it: the pharmacist-signed JAHIS notebook document.
CREATE TABLE dispensings (
    id                  TEXT        NOT NULL PRIMARY KEY,
    prescription_id     TEXT        NOT NULL UNIQUE REFERENCES prescriptions (id),
    pharmacy_client_id  TEXT        NOT NULL REFERENCES clients (id),
    patient_key         TEXT        NOT NULL,
    dispensed_on        DATE        NOT NULL,
    document            BYTEA       NOT NULL,
    signature           BYTEA       NOT NULL,
    signature_detached  BOOLEAN     NOT NULL,
    verification        TEXT        NOT NULL,
    substitutions       TEXT        NOT NULL,
    recorded_at         TIMESTAMPTZ NOT NULL,
    sequence            BIGINT      GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX ix_dispensings_patient ON dispensings (patient_key, sequence);
