-- What each patient takes, one row per drug line of a registered prescription or a recorded dispensing, for the
-- duplicate-medication check (重複投薬チェック): a check reads the patient's rows still counting and never parses a document.
-- Derived from the stored documents, so no foreign keys: the write path may reshape prescriptions and dispensings freely.
-- source_kind: prescription (counts through its last valid date until ended_at) or dispensing (through its supply days).
-- A drug is known by ingredient_code (7 characters of YJ, 厚労省 or 一般名コード), product_kind + product_code (receipt = レセ電,
-- hot = HOT9) or name_key (NFKC name without blanks and 【般】): at least one of them.
CREATE TABLE medications (
    source_kind       TEXT    NOT NULL,
    source_id         TEXT    NOT NULL,
    line_no           INTEGER NOT NULL,
    patient_key       TEXT    NOT NULL,
    prescription_id   TEXT    NOT NULL,
    rp                INTEGER NOT NULL,
    drug              INTEGER NOT NULL,
    ingredient_code   TEXT    NULL,
    product_kind      TEXT    NULL,
    product_code      TEXT    NULL,
    name_key          TEXT    NULL,
    route             TEXT    NOT NULL,
    taking_from       TEXT    NOT NULL,
    taking_until      TEXT    NOT NULL,
    drug_name         TEXT    NULL,
    drug_code         TEXT    NULL,
    institution_code  TEXT    NULL,
    institution_name  TEXT    NULL,
    pharmacy_code     TEXT    NULL,
    pharmacy_name     TEXT    NULL,
    dated_on          TEXT    NOT NULL,
    recorded_at       TEXT    NOT NULL,
    ended_at          TEXT    NULL,
    PRIMARY KEY (source_kind, source_id, line_no)
);
CREATE INDEX ix_medications_patient_taking ON medications (patient_key, taking_until);
