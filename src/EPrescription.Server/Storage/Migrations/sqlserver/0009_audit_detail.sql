-- What a request's outcome was beyond its code, where the action has more to say: a medication check's consent and how many
-- duplicates it found ("consent=card; duplicates=2"). Codes and counts only, never a value of a document.
ALTER TABLE audit_log ADD detail NVARCHAR(200) NULL;
