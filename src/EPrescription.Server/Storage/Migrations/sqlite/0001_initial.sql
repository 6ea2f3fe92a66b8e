-- Clients of the service: clinics, pharmacies, notebook apps, administrators. API keys are stored as SHA-256 hashes only.
CREATE TABLE clients (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    role             TEXT    NOT NULL,
    institution_code TEXT    NULL,
    webhook_url      TEXT    NULL,
    webhook_secret   TEXT    NULL,
    key_hash         TEXT    NOT NULL UNIQUE,
    key_hint         TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    revoked_at       TEXT    NULL
);

-- A registered prescription. The signed bytes never change; status and holder move through the lifecycle.
CREATE TABLE prescriptions (
    id                  TEXT    NOT NULL PRIMARY KEY,
    clinic_client_id    TEXT    NOT NULL REFERENCES clients (id),
    institution_code    TEXT    NOT NULL,
    exchange_code       TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    issued_on           TEXT    NOT NULL,
    expires_on          TEXT    NOT NULL,
    document            BLOB    NOT NULL,
    document_encoding   TEXT    NOT NULL,
    signature           BLOB    NOT NULL,
    signature_detached  INTEGER NOT NULL,
    content_hash        TEXT    NOT NULL UNIQUE,
    parsed              TEXT    NOT NULL,
    verification        TEXT    NOT NULL,
    patient_key         TEXT    NOT NULL,
    holder_client_id    TEXT    NULL REFERENCES clients (id),
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT    NULL,
    registered_at       TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    row_version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_prescriptions_status_expires ON prescriptions (status, expires_on);
CREATE INDEX ix_prescriptions_patient ON prescriptions (patient_key);

-- Every transition, appended; never updated.
CREATE TABLE prescription_history (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    prescription_id  TEXT    NOT NULL REFERENCES prescriptions (id),
    at               TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    from_status      TEXT    NULL,
    to_status        TEXT    NOT NULL,
    client_id        TEXT    NULL,
    correlation_id   TEXT    NULL
);
CREATE INDEX ix_history_prescription ON prescription_history (prescription_id, id);

-- The first answer to a request made with an Idempotency-Key, replayed for retries.
CREATE TABLE idempotency_keys (
    client_id        TEXT    NOT NULL,
    idempotency_key  TEXT    NOT NULL,
    request_hash     TEXT    NOT NULL,
    status_code      INTEGER NOT NULL,
    response         TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);

-- Who did what to which prescription, when, with what outcome. No personal data.
CREATE TABLE audit_log (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at               TEXT    NOT NULL,
    client_id        TEXT    NULL,
    client_role      TEXT    NULL,
    action           TEXT    NOT NULL,
    prescription_id  TEXT    NULL,
    outcome          TEXT    NOT NULL,
    status_code      INTEGER NOT NULL,
    correlation_id   TEXT    NULL
);
CREATE INDEX ix_audit_prescription ON audit_log (prescription_id, id);

-- Transactional outbox: events written in the same transaction as the change they announce, published by the relay.
CREATE TABLE outbox (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT    NOT NULL UNIQUE,
    message_type     TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    correlation_id   TEXT    NULL,
    created_at       TEXT    NOT NULL,
    claimed_by       TEXT    NULL,
    claimed_until    TEXT    NULL,
    published_at     TEXT    NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT    NULL
);
CREATE INDEX ix_outbox_unpublished ON outbox (published_at, id);

-- Messages a consumer has handled, recorded in the same transaction as its effect, so a redelivery changes nothing.
CREATE TABLE processed_messages (
    consumer         TEXT    NOT NULL,
    message_id       TEXT    NOT NULL,
    processed_at     TEXT    NOT NULL,
    PRIMARY KEY (consumer, message_id)
);
