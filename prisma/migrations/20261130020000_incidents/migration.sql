-- Compromise recovery: one incident per compromised link or node, with its
-- blast radius (incident_keys) and the state of every recovery step, so that a
-- restart resumes exactly where the previous process stopped.
-- "open_target" is set ("link:<id>" / "node:<id>") while the incident is open
-- and cleared when it closes: its UNIQUE index allows at most one open incident
-- per target (NULLs are distinct), which works as a partial unique index that
-- schema.prisma can declare.

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "signal" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "target_name" TEXT NOT NULL,
    "open_target" TEXT,
    "status" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "reported_by" TEXT NOT NULL,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "detected_at" TIMESTAMPTZ(3) NOT NULL,
    "detected_seq" BIGINT NOT NULL,
    "contained_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "time_to_integrity_ms" INTEGER,
    "approval_request_id" UUID,
    "node_ids" TEXT[] NOT NULL,
    "link_ids" TEXT[] NOT NULL,
    "timeline" JSONB NOT NULL DEFAULT '[]',
    "untouched_violations" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incidents_target_type_check" CHECK ("target_type" IN ('link', 'node'))
);

-- CreateTable
CREATE TABLE "incident_keys" (
    "incident_id" UUID NOT NULL,
    "key_id" UUID NOT NULL,
    "exposure" TEXT NOT NULL,
    "state_before" TEXT NOT NULL,
    "version_before" INTEGER NOT NULL,
    "revoked" BOOLEAN NOT NULL DEFAULT false,
    "replacement_id" UUID,
    "waiting_for_node" TEXT,
    "purge_confirmed_by" TEXT[] NOT NULL,
    "distributed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "incident_keys_pkey" PRIMARY KEY ("incident_id","key_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "incidents_number_key" ON "incidents"("number");

-- CreateIndex
CREATE UNIQUE INDEX "incidents_open_target_key" ON "incidents"("open_target");

-- CreateIndex
CREATE INDEX "incidents_status_detected_at_idx" ON "incidents"("status", "detected_at");

-- CreateIndex
CREATE INDEX "incident_keys_key_id_idx" ON "incident_keys"("key_id");

-- CreateIndex
CREATE INDEX "incident_keys_waiting_for_node_idx" ON "incident_keys"("waiting_for_node");

-- AddForeignKey
ALTER TABLE "incident_keys" ADD CONSTRAINT "incident_keys_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_keys" ADD CONSTRAINT "incident_keys_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An incident's step can be held for a security officer's approval (one officer).
INSERT INTO "approval_rules" ("kind", "min_approvals", "ttl_minutes") VALUES ('INCIDENT_RECOVERY', 1, 60)
ON CONFLICT ("kind") DO NOTHING;
