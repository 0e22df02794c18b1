-- Named key policies, editable by administrators (issue 4, "Policies").
-- Seeded with the built-in set of server/keys/key-policies.ts (KEY_POLICIES),
-- same values. The CHECKs repeat the service's validation
-- (server/keys/policies/policy-rules.ts) so that no writer can store a policy
-- the engine could not honour. Keys name their policy: a foreign key, so a key
-- can only be created under a stored policy and a policy in use cannot vanish.

-- CreateTable
CREATE TABLE "key_policies" (
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "size_bits" INTEGER NOT NULL,
    "cryptoperiod_seconds" INTEGER NOT NULL,
    "max_usage" BIGINT,
    "overlap_seconds" INTEGER NOT NULL,
    "retention_days" INTEGER NOT NULL,
    "max_distribution_attempts" INTEGER NOT NULL,
    "auto_revoke_signals" TEXT[] NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL DEFAULT 'migration',

    CONSTRAINT "key_policies_pkey" PRIMARY KEY ("name"),
    CONSTRAINT "key_policies_name_check" CHECK ("name" ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    CONSTRAINT "key_policies_description_check" CHECK (char_length("description") <= 300),
    CONSTRAINT "key_policies_size_bits_check" CHECK ("size_bits" IN (256, 384, 512)),
    CONSTRAINT "key_policies_cryptoperiod_seconds_check" CHECK ("cryptoperiod_seconds" BETWEEN 60 AND 63072000),
    CONSTRAINT "key_policies_max_usage_check" CHECK ("max_usage" IS NULL OR "max_usage" BETWEEN 1 AND 1000000000000),
    CONSTRAINT "key_policies_overlap_seconds_check" CHECK ("overlap_seconds" BETWEEN 0 AND 86400 AND "overlap_seconds" < "cryptoperiod_seconds"),
    CONSTRAINT "key_policies_retention_days_check" CHECK ("retention_days" BETWEEN 0 AND 3650),
    CONSTRAINT "key_policies_max_distribution_attempts_check" CHECK ("max_distribution_attempts" BETWEEN 1 AND 10),
    CONSTRAINT "key_policies_auto_revoke_signals_check" CHECK (
        "auto_revoke_signals" <@ ARRAY['QBER_ABORT', 'OPERATOR_REPORT', 'INTEGRITY_MISMATCH']::TEXT[]
        AND array_position("auto_revoke_signals", NULL) IS NULL),
    CONSTRAINT "key_policies_version_check" CHECK ("version" >= 0)
);

INSERT INTO "key_policies" ("name", "description", "size_bits", "cryptoperiod_seconds", "max_usage", "overlap_seconds",
                            "retention_days", "max_distribution_attempts", "auto_revoke_signals") VALUES
    ('standard', '256-bit keys, rotated daily or after 1,000,000 uses, 5 min overlap, 30 days retention (the AWS/GCP KMS default waiting period)',
     256, 86400, 1000000, 300, 30, 3, ARRAY['QBER_ABORT', 'INTEGRITY_MISMATCH']),
    ('high-assurance', '512-bit keys, rotated hourly or after 100,000 uses, 1 min overlap, 90 days retention, 5 distribution attempts',
     512, 3600, 100000, 60, 90, 5, ARRAY['QBER_ABORT', 'OPERATOR_REPORT', 'INTEGRITY_MISMATCH']),
    ('short-lived', '256-bit session keys, rotated every 15 minutes, no overlap, 7 days retention',
     256, 900, NULL, 0, 7, 3, ARRAY['QBER_ABORT', 'INTEGRITY_MISMATCH']);

-- AddForeignKey
ALTER TABLE "keys" ADD CONSTRAINT "keys_policy_fkey" FOREIGN KEY ("policy") REFERENCES "key_policies"("name") ON DELETE RESTRICT ON UPDATE CASCADE;
