-- Clients of the service: clinics, pharmacies, notebook apps, administrators. API keys are stored as SHA-256 hashes only.
CREATE TABLE clients (
    id               NVARCHAR(200) NOT NULL PRIMARY KEY,
    name             NVARCHAR(MAX) NOT NULL,
    role             NVARCHAR(200) NOT NULL,
    institution_code NVARCHAR(200) NULL,
    webhook_url      NVARCHAR(MAX) NULL,
    webhook_secret   NVARCHAR(MAX) NULL,
    key_hash         NVARCHAR(200) NOT NULL UNIQUE,
    key_hint         NVARCHAR(200) NOT NULL,
    created_at       DATETIME2 NOT NULL,
    revoked_at       DATETIME2 NULL
);

-- A registered prescription. The signed bytes never change; status and holder move through the lifecycle.
CREATE TABLE prescriptions (
    id               NVARCHAR(200) NOT NULL PRIMARY KEY,
    clinic_client_id NVARCHAR(200) NOT NULL REFERENCES clients (id),
    institution_code NVARCHAR(200) NOT NULL,
    exchange_code    NVARCHAR(200) NOT NULL,
    status           NVARCHAR(200) NOT NULL,
    issued_on        DATE NOT NULL,
    expires_on       DATE NOT NULL,
    document         VARBINARY(MAX) NOT NULL,
    document_encoding NVARCHAR(200) NOT NULL,
    signature        VARBINARY(MAX) NOT NULL,
    signature_detached BIT NOT NULL,
    content_hash     NVARCHAR(200) NOT NULL UNIQUE,
    parsed           NVARCHAR(MAX) NOT NULL,
    verification     NVARCHAR(MAX) NOT NULL,
    patient_key      NVARCHAR(200) NOT NULL,
    holder_client_id NVARCHAR(200) NULL REFERENCES clients (id),
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     DATETIME2 NULL,
    registered_at    DATETIME2 NOT NULL,
    updated_at       DATETIME2 NOT NULL,
    row_version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_prescriptions_status_expires ON prescriptions (status, expires_on);
CREATE INDEX ix_prescriptions_patient ON prescriptions (patient_key);

-- Every transition, appended; never updated.
CREATE TABLE prescription_history (
    id               BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
    prescription_id  NVARCHAR(200) NOT NULL REFERENCES prescriptions (id),
    at               DATETIME2 NOT NULL,
    action           NVARCHAR(200) NOT NULL,
    from_status      NVARCHAR(200) NULL,
    to_status        NVARCHAR(200) NOT NULL,
    client_id        NVARCHAR(200) NULL,
    correlation_id   NVARCHAR(200) NULL
);
CREATE INDEX ix_history_prescription ON prescription_history (prescription_id, id);

-- The first answer to a request made with an Idempotency-Key, replayed for retries.
CREATE TABLE idempotency_keys (
    client_id        NVARCHAR(200) NOT NULL,
    idempotency_key  NVARCHAR(200) NOT NULL,
    request_hash     NVARCHAR(200) NOT NULL,
    status_code      INTEGER NOT NULL,
    response         NVARCHAR(MAX) NOT NULL,
    created_at       DATETIME2 NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);

-- Who did what to which prescription, when, with what outcome. No personal data.
CREATE TABLE audit_log (
    id               BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
    at               DATETIME2 NOT NULL,
    client_id        NVARCHAR(200) NULL,
    client_role      NVARCHAR(200) NULL,
    action           NVARCHAR(200) NOT NULL,
    prescription_id  NVARCHAR(200) NULL,
    outcome          NVARCHAR(200) NOT NULL,
    status_code      INTEGER NOT NULL,
    correlation_id   NVARCHAR(200) NULL
);
CREATE INDEX ix_audit_prescription ON audit_log (prescription_id, id);

-- Transactional outbox: events written in the same transaction as the change they announce, published by the relay.
CREATE TABLE outbox (
    id               BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
    message_id       NVARCHAR(200) NOT NULL UNIQUE,
    message_type     NVARCHAR(200) NOT NULL,
    payload          NVARCHAR(MAX) NOT NULL,
    correlation_id   NVARCHAR(200) NULL,
    created_at       DATETIME2 NOT NULL,
    claimed_by       NVARCHAR(200) NULL,
    claimed_until    DATETIME2 NULL,
    published_at     DATETIME2 NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       NVARCHAR(MAX) NULL
);
CREATE INDEX ix_outbox_unpublished ON outbox (published_at, id);

-- Messages a consumer has handled, recorded in the same transaction as its effect, so a redelivery changes nothing.
CREATE TABLE processed_messages (
    consumer         NVARCHAR(200) NOT NULL,
    message_id       NVARCHAR(200) NOT NULL,
    processed_at     DATETIME2 NOT NULL,
    PRIMARY KEY (consumer, message_id)
);
