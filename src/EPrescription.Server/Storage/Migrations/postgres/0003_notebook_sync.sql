-- A patient linked to a notebook app (電子版お薬手帳), keyed by the patient key (an HMAC), never by raw identifiers.
CREATE TABLE notebook_links (
    id               TEXT        NOT NULL PRIMARY KEY,
    app_client_id    TEXT        NOT NULL REFERENCES clients (id),
    patient_key      TEXT        NOT NULL,
    prescription_id  TEXT        NOT NULL REFERENCES prescriptions (id),
    created_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (app_client_id, patient_key)
);

-- A dispensing record for one app: the JAHIS notebook document it receives, with a stable id and its place in the app's feed.
CREATE TABLE notebook_records (
    id               TEXT        NOT NULL PRIMARY KEY,
    feed_sequence    BIGINT      GENERATED ALWAYS AS IDENTITY UNIQUE,
    app_client_id    TEXT        NOT NULL REFERENCES clients (id),
    link_id          TEXT        NOT NULL REFERENCES notebook_links (id),
    patient_key      TEXT        NOT NULL,
    dispensing_id    TEXT        NOT NULL REFERENCES dispensings (id),
    prescription_id  TEXT        NOT NULL,
    dispensed_on     DATE        NOT NULL,
    document         BYTEA       NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (app_client_id, dispensing_id)
);
CREATE INDEX ix_notebook_records_feed ON notebook_records (app_client_id, feed_sequence);

-- Webhook delivery of a record: pending until the app answers 2xx; parked after the last retry, never dropped.
CREATE TABLE webhook_deliveries (
    record_id        TEXT        NOT NULL PRIMARY KEY REFERENCES notebook_records (id),
    app_client_id    TEXT        NOT NULL,
    patient_key      TEXT        NOT NULL,
    feed_sequence    BIGINT      NOT NULL,
    status           TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    claimed_until    TIMESTAMPTZ NULL,
    last_error       TEXT        NULL,
    delivered_at     TIMESTAMPTZ NULL,
    parked_at        TIMESTAMPTZ NULL
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_patient ON webhook_deliveries (app_client_id, patient_key, feed_sequence);
