-- The notebook feed without a per-app lock (see NotebookSync/Records/FeedOrder.cs). SQLite has one writer at a time, so
-- records commit in feed_sequence order and the feed keeps that order; only the catch-up and link look-ups change.

-- The dispensing's sequence beside its record, so catching up a patient's earlier dispensings starts after the link's latest
-- record instead of reading the patient's whole history on every event.
ALTER TABLE notebook_records ADD COLUMN dispensing_sequence INTEGER NOT NULL DEFAULT 0;
UPDATE notebook_records SET dispensing_sequence = (SELECT d.sequence FROM dispensings d WHERE d.id = notebook_records.dispensing_id);
CREATE INDEX ix_notebook_records_link ON notebook_records (link_id, dispensing_sequence);

-- Every dispensing event looks up the patient's links.
CREATE INDEX ix_notebook_links_patient ON notebook_links (patient_key);
