-- The notebook feed without a per-app lock (see NotebookSync/Records/FeedOrder.cs). Each record gets a rowversion, stamped at
-- insert; the feed is ordered by it and serves only versions below MIN_ACTIVE_ROWVERSION(). Records are never updated, so the
-- version stays the record's place.

-- The dispensing's sequence beside its record, so catching up a patient's earlier dispensings starts after the link's latest
-- record instead of reading the patient's whole history on every event. (Before the rowversion: this update would stamp it.)
ALTER TABLE notebook_records ADD dispensing_sequence BIGINT NULL;
UPDATE r SET dispensing_sequence = d.sequence FROM notebook_records r JOIN dispensings d ON d.id = r.dispensing_id;
ALTER TABLE notebook_records ALTER COLUMN dispensing_sequence BIGINT NOT NULL;
CREATE INDEX ix_notebook_records_link ON notebook_records (link_id, dispensing_sequence);

ALTER TABLE notebook_records ADD feed_version ROWVERSION NOT NULL;
-- Adding the column stamps the existing records in no particular order: touch them one by one in feed_sequence order, so
-- their versions follow their old order and a cursor given out before this migration continues where it was.
DECLARE @next BIGINT = (SELECT MIN(feed_sequence) FROM notebook_records)
WHILE @next IS NOT NULL
BEGIN
    UPDATE notebook_records SET created_at = created_at WHERE feed_sequence = @next
    SET @next = (SELECT MIN(feed_sequence) FROM notebook_records WHERE feed_sequence > @next)
END;
CREATE INDEX ix_notebook_records_feed_order ON notebook_records (app_client_id, feed_version);
DROP INDEX ix_notebook_records_feed ON notebook_records;

-- Every dispensing event looks up the patient's links.
CREATE INDEX ix_notebook_links_patient ON notebook_links (patient_key);
