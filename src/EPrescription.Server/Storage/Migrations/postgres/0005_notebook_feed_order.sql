-- The notebook feed without a per-app lock (see NotebookSync/Records/FeedOrder.cs). Each record keeps the id of the
-- transaction that inserted it; the feed is ordered by (feed_tx, feed_sequence) and serves only records whose transaction lies
-- below every running one. Records written before this migration get 0: they come first, in their old order, so a cursor
-- given out before it continues where it was.
ALTER TABLE notebook_records ADD COLUMN feed_tx xid8 NOT NULL DEFAULT '0';
ALTER TABLE notebook_records ALTER COLUMN feed_tx SET DEFAULT pg_current_xact_id();
CREATE INDEX ix_notebook_records_feed_order ON notebook_records (app_client_id, feed_tx, feed_sequence);
DROP INDEX ix_notebook_records_feed;

-- The dispensing's sequence beside its record, so catching up a patient's earlier dispensings starts after the link's latest
-- record instead of reading the patient's whole history on every event.
ALTER TABLE notebook_records ADD COLUMN dispensing_sequence BIGINT NULL;
UPDATE notebook_records r SET dispensing_sequence = d.sequence FROM dispensings d WHERE d.id = r.dispensing_id;
ALTER TABLE notebook_records ALTER COLUMN dispensing_sequence SET NOT NULL;
CREATE INDEX ix_notebook_records_link ON notebook_records (link_id, dispensing_sequence);

-- Every dispensing event looks up the patient's links.
CREATE INDEX ix_notebook_links_patient ON notebook_links (patient_key);
