-- Clients of the service: clinics, pharmacies, notebook apps, administrators. API keys are stored as SHA-256 hashes only.
CREATE TABLE clients (
    id               TEXT     NOT NULL PRIMARY KEY,
    name             TEXT     NOT NULL,
    role             TEXT     NOT NULL,
    institution_code TEXT     NULL,
    webhook_url      TEXT     NULL,
    webhook_secret   TEXT     NULL,
    key_hash         TEXT     NOT NULL UNIQUE,
    key_hint         TEXT     NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    revoked_at       TIMESTAMPTZ NULL
);

-- A registered prescription. The signed bytes never change; status and holder move through the lifecycle.
CREATE TABLE prescriptions (
    id               TEXT     NOT NULL PRIMARY KEY,
    clinic_client_id TEXT     NOT NULL REFERENCES clients (id),
    institution_code TEXT     NOT NULL,
    exchange_code    TEXT     NOT NULL,
    status           TEXT     NOT NULL,
    issued_on        DATE     NOT NULL,
    expires_on       DATE     NOT NULL,
    document         BYTEA    NOT NULL,
    document_encoding TEXT     NOT NULL,
    signature        BYTEA    NOT NULL,
    signature_detached BOOLEAN  NOT NULL,
    content_hash     TEXT     NOT NULL UNIQUE,
    parsed           TEXT     NOT NULL,
    verification     TEXT     NOT NULL,
    patient_key      TEXT     NOT NULL,
    holder_client_id TEXT     NULL REFERENCES clients (id),
    failed_attempts  INTEGER  NOT NULL DEFAULT 0,
    locked_until     TIMESTAMPTZ NULL,
    registered_at    TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    row_version      INTEGER  NOT NULL DEFAULT 1
);
CREATE INDEX ix_prescriptions_status_expires ON prescriptions (status, expires_on);
CREATE INDEX ix_prescriptions_patient ON prescriptions (patient_key);

-- Every transition, appended; never updated.
CREATE TABLE prescription_history (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prescription_id  TEXT     NOT NULL REFERENCES prescriptions (id),
    at               TIMESTAMPTZ NOT NULL,
    action           TEXT     NOT NULL,
    from_status      TEXT     NULL,
    to_status        TEXT     NOT NULL,
    client_id        TEXT     NULL,
    correlation_id   TEXT     NULL
);
CREATE INDEX ix_history_prescription ON prescription_history (prescription_id, id);

-- The first answer to a request made with an Idempotency-Key, replayed for retries.
CREATE TABLE idempotency_keys (
    client_id        TEXT     NOT NULL,
    idempotency_key  TEXT     NOT NULL,
    request_hash     TEXT     NOT NULL,
    status_code      INTEGER  NOT NULL,
    response         TEXT     NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);

-- Who did what to which prescription, when, with what outcome. No personal data.
CREATE TABLE audit_log (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               TIMESTAMPTZ NOT NULL,
    client_id        TEXT     NULL,
    client_role      TEXT     NULL,
    action           TEXT     NOT NULL,
    prescription_id  TEXT     NULL,
    outcome          TEXT     NOT NULL,
    status_code      INTEGER  NOT NULL,
    correlation_id   TEXT     NULL
);
CREATE INDEX ix_audit_prescription ON audit_log (prescription_id, id);

-- Transactional outbox: events written in the same transaction as the change they announce, published by the relay.
CREATE TABLE outbox (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id       TEXT     NOT NULL UNIQUE,
    message_type     TEXT     NOT NULL,
    payload          TEXT     NOT NULL,
    correlation_id   TEXT     NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    claimed_by       TEXT     NULL,
    claimed_until    TIMESTAMPTZ NULL,
    published_at     TIMESTAMPTZ NULL,
    attempts         INTEGER  NOT NULL DEFAULT 0,
    last_error       TEXT     NULL
);
CREATE INDEX ix_outbox_unpublished ON outbox (published_at, id);

-- Messages a consumer has handled, recorded in the same transaction as its effect, so a redelivery changes nothing.
CREATE TABLE processed_messages (
    consumer         TEXT     NOT NULL,
    message_id       TEXT     NOT NULL,
    processed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, message_id)
);
