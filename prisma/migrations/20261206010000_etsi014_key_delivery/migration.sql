-- ETSI GS QKD 014 key delivery to applications (issue 15, KEY-DELIVERY.md §3, §5).
--
-- saes: the applications (SAEs) each site's KME serves. The SAE ID is the CN of
-- the client certificate the SAE CA issued it; pins (SHA-256 of the DER, lower-case
-- hex) optionally bind it to given certificates. A disabled SAE is kept (its
-- deliveries name it) and refused at every KME.
-- sae_pairs: unordered pairs of SAEs allowed to share keys (sae_a < sae_b). A pair
-- spanning two sites gives them a key pool: the ACTIVE keys of policy etsi014 whose
-- participants are exactly those two sites.
-- key_sae_deliveries: which application got which key, when; a row is made when the
-- key is addressed (enc_keys) and delivered_at is set when that SAE received it.
-- At most one master per key (the claim job, under the audit head lock). No key material anywhere.
CREATE TABLE "saes" (
    "sae_id" TEXT NOT NULL,
    "node_id" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "cert_pins" TEXT[] NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" TEXT NOT NULL,
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_by" TEXT,
    CONSTRAINT "saes_pkey" PRIMARY KEY ("sae_id"),
    CONSTRAINT "saes_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "saes_sae_id_check" CHECK ("sae_id" ~ '^[A-Za-z0-9._:-]{1,64}$'),
    CONSTRAINT "saes_description_check" CHECK (char_length("description") <= 300),
    CONSTRAINT "saes_cert_pins_check" CHECK (cardinality("cert_pins") <= 8 AND array_to_string("cert_pins", ',') ~ '^([0-9a-f]{64}(,[0-9a-f]{64})*)?$'),
    CONSTRAINT "saes_disabled_check" CHECK ("enabled" = ("disabled_at" IS NULL))
);
CREATE INDEX "saes_node_id_idx" ON "saes"("node_id");

CREATE TABLE "sae_pairs" (
    "sae_a" TEXT NOT NULL,
    "sae_b" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    CONSTRAINT "sae_pairs_pkey" PRIMARY KEY ("sae_a", "sae_b"),
    CONSTRAINT "sae_pairs_sae_a_fkey" FOREIGN KEY ("sae_a") REFERENCES "saes"("sae_id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "sae_pairs_sae_b_fkey" FOREIGN KEY ("sae_b") REFERENCES "saes"("sae_id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "sae_pairs_order_check" CHECK ("sae_a" < "sae_b")
);
CREATE INDEX "sae_pairs_sae_b_idx" ON "sae_pairs"("sae_b");

CREATE TABLE "key_sae_deliveries" (
    "key_id" UUID NOT NULL,
    "sae_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "kme_node_id" TEXT NOT NULL,
    "master_sae_id" TEXT NOT NULL,
    "size_bits" INTEGER NOT NULL,
    "request_id" TEXT NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL,
    "delivered_at" TIMESTAMPTZ(3),
    CONSTRAINT "key_sae_deliveries_pkey" PRIMARY KEY ("key_id", "sae_id"),
    CONSTRAINT "key_sae_deliveries_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "keys"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "key_sae_deliveries_sae_id_fkey" FOREIGN KEY ("sae_id") REFERENCES "saes"("sae_id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "key_sae_deliveries_kme_node_id_fkey" FOREIGN KEY ("kme_node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "key_sae_deliveries_role_check" CHECK ("role" IN ('master', 'slave')),
    CONSTRAINT "key_sae_deliveries_size_bits_check" CHECK ("size_bits" BETWEEN 8 AND 8192 AND "size_bits" % 8 = 0),
    CONSTRAINT "key_sae_deliveries_master_check" CHECK (("role" = 'master') = ("sae_id" = "master_sae_id"))
);
CREATE INDEX "key_sae_deliveries_sae_id_idx" ON "key_sae_deliveries"("sae_id", "assigned_at");
CREATE INDEX "key_sae_deliveries_delivered_at_idx" ON "key_sae_deliveries"("delivered_at");

-- key_compromise_notices: a key already consumed by applications whose recorded route crossed a compromised relay or
-- link (§5.5). DESTROYED is terminal, so there is no state change: the applications are told through their KME's
-- status (qecnet_revoked_key_IDs), and the chain has KEY_COMPROMISE_NOTIFIED.
CREATE TABLE "key_compromise_notices" (
    "incident_id" UUID NOT NULL,
    "key_id" UUID NOT NULL,
    "sae_ids" TEXT[] NOT NULL,
    "reason" TEXT NOT NULL,
    "notified_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "key_compromise_notices_pkey" PRIMARY KEY ("incident_id", "key_id"),
    CONSTRAINT "key_compromise_notices_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "key_compromise_notices_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "keys"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "key_compromise_notices_reason_check" CHECK (char_length("reason") <= 300)
);
CREATE INDEX "key_compromise_notices_sae_ids_idx" ON "key_compromise_notices" USING GIN ("sae_ids");

-- The built-in policy of pool keys (KEY-DELIVERY.md §5.1): the longest a pool key or an
-- unfetched key lives is its cryptoperiod; retention 0 (a consumed key is destroyed at once).
INSERT INTO "key_policies" ("name", "description", "size_bits", "cryptoperiod_seconds", "max_usage", "overlap_seconds",
                            "retention_days", "max_distribution_attempts", "auto_revoke_signals") VALUES
    ('etsi014', 'ETSI 014 pool keys for applications: 256 bits, served once, rotated daily if unused, 5 min fetch window, no retention',
     256, 86400, NULL, 300, 0, 3, ARRAY['QBER_ABORT', 'INTEGRITY_MISMATCH'])
ON CONFLICT ("name") DO NOTHING;
