-- Prescriber feedback (SPEC §11). What the pharmacy tells the prescriber beside the signed dispensing document:
-- the important flag (重要情報) and the pharmacist's note (疑義照会の結果, 服薬状況).
ALTER TABLE dispensings ADD important BIT NOT NULL CONSTRAINT df_dispensings_important DEFAULT 0;
ALTER TABLE dispensings ADD note_to_prescriber NVARCHAR(MAX) NULL;

-- The clinic event feed (GET /v1/clinic/events): one row per event of a clinic's prescription, written with the outbox row of
-- the event in the same transaction (Server/Feedback/ClinicEvents.cs). Ordered like the notebook feed (see
-- Server/Feeds/CommitHorizon.cs): by a rowversion stamped at insert, served only below MIN_ACTIVE_ROWVERSION(), so a cursor
-- never passes an event that commits late; rows are never updated, so the version stays their place. An append-only log like
-- medications: no foreign keys, so later migrations may rebuild prescriptions or dispensings freely.
CREATE TABLE clinic_events (
    id                  NVARCHAR(200)  NOT NULL PRIMARY KEY,
    feed_sequence       BIGINT         IDENTITY(1,1) NOT NULL UNIQUE,
    feed_version        ROWVERSION     NOT NULL,
    clinic_client_id    NVARCHAR(200)  NOT NULL,
    prescription_id     NVARCHAR(200)  NOT NULL,
    type                NVARCHAR(40)   NOT NULL,
    at                  DATETIME2      NOT NULL,
    pharmacy_client_id  NVARCHAR(200)  NULL,
    payload             NVARCHAR(MAX)  NOT NULL
);
CREATE INDEX ix_clinic_events_feed ON clinic_events (clinic_client_id, feed_version);
