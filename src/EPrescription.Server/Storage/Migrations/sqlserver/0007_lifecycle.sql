-- The lifecycle of refills (リフィル) and parts (分割調剤): a prescription may have several dispensings, so the one-dispensing
-- rule goes; the prescription keeps how many uses it allows and has had, the parts of the current use, the next use's due date
-- and the last date it may still be received (what the expiry sweeper looks at); a sheet of a split instruction (record 63)
-- keeps which part it is.
ALTER TABLE prescriptions ADD total_uses INT NOT NULL CONSTRAINT df_prescriptions_total_uses DEFAULT 1,
    uses_done INT NOT NULL CONSTRAINT df_prescriptions_uses_done DEFAULT 0,
    parts_done INT NOT NULL CONSTRAINT df_prescriptions_parts_done DEFAULT 0,
    next_due_on DATE NULL, valid_through DATE NULL, split_part INT NULL, split_of INT NULL;
EXEC('UPDATE prescriptions SET valid_through = expires_on WHERE status IN (''registered'', ''received'')');
EXEC('UPDATE prescriptions SET uses_done = 1 WHERE status = ''dispensed''');
CREATE INDEX ix_prescriptions_valid_through ON prescriptions (valid_through);
CREATE INDEX ix_prescriptions_siblings ON prescriptions (patient_key, issued_on);

-- The UNIQUE constraint on dispensings.prescription_id was created without a name: find it and drop it.
DECLARE @unique SYSNAME = (SELECT kc.name FROM sys.key_constraints kc JOIN sys.index_columns ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE kc.parent_object_id = OBJECT_ID('dispensings') AND kc.type = 'UQ' AND c.name = 'prescription_id'); DECLARE @drop NVARCHAR(400) = N'ALTER TABLE dispensings DROP CONSTRAINT ' + QUOTENAME(@unique); EXEC(@drop);
ALTER TABLE dispensings ADD use_number INT NOT NULL CONSTRAINT df_dispensings_use_number DEFAULT 1, content_hash NVARCHAR(200) NULL;
ALTER TABLE dispensings ADD part BIT NOT NULL CONSTRAINT df_dispensings_part DEFAULT 0;
CREATE INDEX ix_dispensings_prescription ON dispensings (prescription_id, sequence);
CREATE INDEX ix_dispensings_content ON dispensings (prescription_id, content_hash);
