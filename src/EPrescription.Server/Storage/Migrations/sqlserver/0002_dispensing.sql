-- The answer a consumer gave to a message, so a redelivered request is answered the same way without acting twice.
ALTER TABLE processed_messages ADD response_type NVARCHAR(400) NULL, response NVARCHAR(MAX) NULL;

-- A dispensing result (調剤結果) as the pharmacy reported it: the pharmacist-signed JAHIS notebook document.
CREATE TABLE dispensings (
    id                  NVARCHAR(200)  NOT NULL PRIMARY KEY,
    prescription_id     NVARCHAR(200)  NOT NULL UNIQUE REFERENCES prescriptions (id),
    pharmacy_client_id  NVARCHAR(200)  NOT NULL REFERENCES clients (id),
    patient_key         NVARCHAR(200)  NOT NULL,
    dispensed_on        DATE           NOT NULL,
    document            VARBINARY(MAX) NOT NULL,
    signature           VARBINARY(MAX) NOT NULL,
    signature_detached  BIT            NOT NULL,
    verification        NVARCHAR(MAX)  NOT NULL,
    substitutions       NVARCHAR(MAX)  NOT NULL,
    recorded_at         DATETIME2      NOT NULL,
    sequence            BIGINT         IDENTITY(1,1) NOT NULL UNIQUE
);
CREATE INDEX ix_dispensings_patient ON dispensings (patient_key, sequence);
