-- A patient linked to a notebook app (電子版お薬手帳), keyed by the patient key (an HMAC), never by raw identifiers.
CREATE TABLE notebook_links (
    id               NVARCHAR(200) NOT NULL PRIMARY KEY,
    app_client_id    NVARCHAR(200) NOT NULL REFERENCES clients (id),
    patient_key      NVARCHAR(200) NOT NULL,
    prescription_id  NVARCHAR(200) NOT NULL REFERENCES prescriptions (id),
    created_at       DATETIME2     NOT NULL,
    CONSTRAINT uq_notebook_links UNIQUE (app_client_id, patient_key)
);

-- A dispensing record for one app: the JAHIS notebook document it receives, with a stable id and its place in the app's feed.
CREATE TABLE notebook_records (
    id               NVARCHAR(200)  NOT NULL PRIMARY KEY,
    feed_sequence    BIGINT         IDENTITY(1,1) NOT NULL UNIQUE,
    app_client_id    NVARCHAR(200)  NOT NULL REFERENCES clients (id),
    link_id          NVARCHAR(200)  NOT NULL REFERENCES notebook_links (id),
    patient_key      NVARCHAR(200)  NOT NULL,
    dispensing_id    NVARCHAR(200)  NOT NULL REFERENCES dispensings (id),
    prescription_id  NVARCHAR(200)  NOT NULL,
    dispensed_on     DATE           NOT NULL,
    document         VARBINARY(MAX) NOT NULL,
    created_at       DATETIME2      NOT NULL,
    CONSTRAINT uq_notebook_records UNIQUE (app_client_id, dispensing_id)
);
CREATE INDEX ix_notebook_records_feed ON notebook_records (app_client_id, feed_sequence);

-- Webhook delivery of a record: pending until the app answers 2xx; parked after the last retry, never dropped.
CREATE TABLE webhook_deliveries (
    record_id        NVARCHAR(200) NOT NULL PRIMARY KEY REFERENCES notebook_records (id),
    app_client_id    NVARCHAR(200) NOT NULL,
    patient_key      NVARCHAR(200) NOT NULL,
    feed_sequence    BIGINT        NOT NULL,
    status           NVARCHAR(20)  NOT NULL,
    attempts         INT           NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME2     NOT NULL,
    claimed_until    DATETIME2     NULL,
    last_error       NVARCHAR(MAX) NULL,
    delivered_at     DATETIME2     NULL,
    parked_at        DATETIME2     NULL
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_patient ON webhook_deliveries (app_client_id, patient_key, feed_sequence);
