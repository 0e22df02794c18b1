-- Signed checkpoints of the audit log, the higher levels of its Merkle tree,
-- and the position of each SIEM forwarder. Checkpoints are append-only like
-- the entries; they are also written to a file outside the database.

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "tree_size" BIGINT NOT NULL,
    "root_hash" TEXT NOT NULL,
    "head_hash" TEXT NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "consistency" JSONB,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("tree_size")
);

-- CreateTable
CREATE TABLE "audit_merkle_nodes" (
    "level" SMALLINT NOT NULL,
    "idx" BIGINT NOT NULL,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "audit_merkle_nodes_pkey" PRIMARY KEY ("level", "idx")
);

-- CreateTable
CREATE TABLE "audit_forward_cursors" (
    "name" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_forward_cursors_pkey" PRIMARY KEY ("name")
);

CREATE FUNCTION "qecnet_audit_checkpoints_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoints is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_checkpoints_append_only"
BEFORE UPDATE OR DELETE ON "audit_checkpoints"
FOR EACH ROW EXECUTE FUNCTION "qecnet_audit_checkpoints_append_only"();

CREATE TRIGGER "audit_checkpoints_no_truncate"
BEFORE TRUNCATE ON "audit_checkpoints"
FOR EACH STATEMENT EXECUTE FUNCTION "qecnet_audit_checkpoints_append_only"();
