-- Prescriber feedback (SPEC §11). What the pharmacy tells the prescriber beside the signed dispensing document:
-- the important flag (重要情報) and the pharmacist's note (疑義照会の結果, 服薬状況). Columns only: migration 0007
-- rebuilds this table, and a later migration adds to what it built.
ALTER TABLE dispensings ADD COLUMN important INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dispensings ADD COLUMN note_to_prescriber TEXT NULL;

-- The clinic event feed (GET /v1/clinic/events): one row per event of a clinic's prescription, written with the outbox row of
-- the event in the same transaction (Server/Feedback/ClinicEvents.cs). SQLite has one writer at a time, so rows commit in
-- feed_sequence order and that is the whole order (see Server/Feeds/CommitHorizon.cs). An append-only log like medications:
-- no foreign keys, so later migrations may rebuild prescriptions or dispensings freely.
CREATE TABLE clinic_events (
    feed_sequence       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id                  TEXT    NOT NULL UNIQUE,
    clinic_client_id    TEXT    NOT NULL,
    prescription_id     TEXT    NOT NULL,
    type                TEXT    NOT NULL,
    at                  TEXT    NOT NULL,
    pharmacy_client_id  TEXT    NULL,
    payload             TEXT    NOT NULL
);
CREATE INDEX ix_clinic_events_feed ON clinic_events (clinic_client_id, feed_sequence);
