-- QECNet initial schema: mesh topology, keys and their participants, audit chain.
-- Written by hand in Prisma's layout; test/schema-drift checks it against schema.prisma.

-- CreateEnum
CREATE TYPE "KeyState" AS ENUM ('GENERATED', 'DISTRIBUTED', 'ACTIVE', 'ROTATING', 'RETIRED', 'REVOKED', 'DESTROYED');

-- CreateEnum
CREATE TYPE "NodeRole" AS ENUM ('HUB', 'RELAY', 'ENDPOINT');

-- CreateEnum
CREATE TYPE "NodeStatus" AS ENUM ('ONLINE', 'DEGRADED', 'ISOLATED', 'OFFLINE');

-- CreateEnum
CREATE TYPE "LinkStatus" AS ENUM ('UP', 'DEGRADED', 'DOWN');

-- CreateTable
CREATE TABLE "nodes" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "NodeRole" NOT NULL,
    "status" "NodeStatus" NOT NULL DEFAULT 'ONLINE',
    "site" TEXT NOT NULL,
    "x" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "y" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "nodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "links" (
    "id" TEXT NOT NULL,
    "a_node_id" TEXT NOT NULL,
    "b_node_id" TEXT NOT NULL,
    "status" "LinkStatus" NOT NULL DEFAULT 'UP',
    "length_km" DOUBLE PRECISION NOT NULL,
    "loss_db_per_km" DOUBLE PRECISION NOT NULL DEFAULT 0.2,
    "detector_efficiency" DOUBLE PRECISION NOT NULL DEFAULT 0.1,
    "baseline_qber" DOUBLE PRECISION NOT NULL,
    "qber" DOUBLE PRECISION NOT NULL,
    "secret_key_rate_bps" DOUBLE PRECISION NOT NULL,
    "pool_bits" BIGINT NOT NULL,
    "pool_capacity_bits" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "keys" (
    "id" UUID NOT NULL,
    "lineage_id" UUID NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "distribution_attempt" INTEGER NOT NULL DEFAULT 1,
    "predecessor_id" UUID,
    "label" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "policy" TEXT NOT NULL DEFAULT 'standard',
    "state" "KeyState" NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "size_bits" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "entropy_source" TEXT NOT NULL,
    "material_ciphertext" BYTEA,
    "material_nonce" BYTEA,
    "material_key_id" TEXT,
    "usage_count" BIGINT NOT NULL DEFAULT 0,
    "last_used_at" TIMESTAMPTZ(3),
    "failure_reason" TEXT,
    "revocation_reason" TEXT,
    "retention_days" INTEGER NOT NULL DEFAULT 30,
    "generated_at" TIMESTAMPTZ(3) NOT NULL,
    "distributed_at" TIMESTAMPTZ(3),
    "activated_at" TIMESTAMPTZ(3),
    "rotating_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "destroyed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "key_participants" (
    "key_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "confirmed_at" TIMESTAMPTZ(3),
    "receipt_mac" TEXT,
    "purged_at" TIMESTAMPTZ(3),

    CONSTRAINT "key_participants_pkey" PRIMARY KEY ("key_id","node_id")
);

-- CreateTable
CREATE TABLE "audit_entries" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "from_state" TEXT,
    "to_state" TEXT,
    "details" JSONB NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "entry_hash" TEXT NOT NULL,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit_head" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_head_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "links_b_node_id_idx" ON "links"("b_node_id");

-- CreateIndex
CREATE UNIQUE INDEX "links_a_node_id_b_node_id_key" ON "links"("a_node_id", "b_node_id");

-- CreateIndex
CREATE INDEX "keys_state_idx" ON "keys"("state");

-- CreateIndex
CREATE INDEX "keys_lineage_id_generation_idx" ON "keys"("lineage_id", "generation");

-- CreateIndex
CREATE INDEX "keys_label_idx" ON "keys"("label");

-- CreateIndex
CREATE INDEX "key_participants_node_id_idx" ON "key_participants"("node_id");

-- CreateIndex
CREATE INDEX "audit_entries_subject_type_subject_id_seq_idx" ON "audit_entries"("subject_type", "subject_id", "seq");

-- CreateIndex
CREATE INDEX "audit_entries_action_idx" ON "audit_entries"("action");

-- AddForeignKey
ALTER TABLE "links" ADD CONSTRAINT "links_a_node_id_fkey" FOREIGN KEY ("a_node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "links" ADD CONSTRAINT "links_b_node_id_fkey" FOREIGN KEY ("b_node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "keys" ADD CONSTRAINT "keys_predecessor_id_fkey" FOREIGN KEY ("predecessor_id") REFERENCES "keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_participants" ADD CONSTRAINT "key_participants_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_participants" ADD CONSTRAINT "key_participants_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The audit chain has exactly one head row, created with the schema (genesis).
INSERT INTO "audit_head" ("id", "seq", "hash", "updated_at")
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', CURRENT_TIMESTAMP);
