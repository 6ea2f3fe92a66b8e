-- Prescriber feedback (SPEC §11). What the pharmacy tells the prescriber beside the signed dispensing document:
-- the important flag (重要情報) and the pharmacist's note (疑義照会の結果, 服薬状況).
ALTER TABLE dispensings ADD COLUMN important BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE dispensings ADD COLUMN note_to_prescriber TEXT NULL;

-- The clinic event feed (GET /v1/clinic/events): one row per event of a clinic's prescription, written with the outbox row of
-- the event in the same transaction (Server/Feedback/ClinicEvents.cs). Ordered like the notebook feed (see
-- Server/Feeds/CommitHorizon.cs): by the inserting transaction's id (feed_tx) and then feed_sequence, served only below the
-- reading snapshot's xmin, so a cursor never passes an event that commits late. An append-only log like medications: no
-- foreign keys, so later migrations may rebuild prescriptions or dispensings freely.
CREATE TABLE clinic_events (
    id                  TEXT        NOT NULL PRIMARY KEY,
    feed_sequence       BIGINT      GENERATED ALWAYS AS IDENTITY UNIQUE,
    feed_tx             xid8        NOT NULL DEFAULT pg_current_xact_id(),
    clinic_client_id    TEXT        NOT NULL,
    prescription_id     TEXT        NOT NULL,
    type                TEXT        NOT NULL,
    at                  TIMESTAMPTZ NOT NULL,
    pharmacy_client_id  TEXT        NULL,
    payload             TEXT        NOT NULL
);
CREATE INDEX ix_clinic_events_feed ON clinic_events (clinic_client_id, feed_tx, feed_sequence);
