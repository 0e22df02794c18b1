-- The QKD mesh: bypass channels made when a node is isolated, eavesdropper
-- injection (demo), the route each key took to each participant, samples of
-- link health for the console's charts, and the state of the link simulation.

-- CreateEnum
CREATE TYPE "LinkKind" AS ENUM ('FIBRE', 'BYPASS');

-- AlterTable
ALTER TABLE "nodes" ADD COLUMN "status_reason" TEXT;

-- AlterTable
ALTER TABLE "links"
    ADD COLUMN "kind" "LinkKind" NOT NULL DEFAULT 'FIBRE',
    ADD COLUMN "via_node_id" TEXT,
    ADD COLUMN "eavesdropper" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "down_reason" TEXT,
    ADD COLUMN "bits_consumed" BIGINT NOT NULL DEFAULT 0,
    ADD CONSTRAINT "links_pool_within_capacity" CHECK ("pool_bits" >= 0 AND "pool_bits" <= "pool_capacity_bits"),
    ADD CONSTRAINT "links_distinct_ends" CHECK ("a_node_id" <> "b_node_id"),
    ADD CONSTRAINT "links_bypass_has_via" CHECK (("kind" = 'BYPASS') = ("via_node_id" IS NOT NULL));

-- CreateIndex
CREATE INDEX "links_via_node_id_idx" ON "links"("via_node_id");

-- AddForeignKey
ALTER TABLE "links" ADD CONSTRAINT "links_via_node_id_fkey" FOREIGN KEY ("via_node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "key_routes" (
    "key_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "node_path" TEXT[] NOT NULL,
    "link_path" TEXT[] NOT NULL,
    "bits" INTEGER NOT NULL,
    "routed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "key_routes_pkey" PRIMARY KEY ("key_id","node_id")
);

-- CreateIndex
CREATE INDEX "key_routes_node_path_idx" ON "key_routes" USING GIN ("node_path");

-- CreateIndex
CREATE INDEX "key_routes_link_path_idx" ON "key_routes" USING GIN ("link_path");

-- AddForeignKey
ALTER TABLE "key_routes" ADD CONSTRAINT "key_routes_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_routes" ADD CONSTRAINT "key_routes_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "link_samples" (
    "link_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "qber" DOUBLE PRECISION NOT NULL,
    "pool_bits" BIGINT NOT NULL,
    "secret_key_rate_bps" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "link_samples_pkey" PRIMARY KEY ("link_id","at")
);

-- AddForeignKey
ALTER TABLE "link_samples" ADD CONSTRAINT "link_samples_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "links"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "simulation_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "tick" BIGINT NOT NULL DEFAULT 0,
    "sim_time" TIMESTAMPTZ(3) NOT NULL,
    "last_tick_at" TIMESTAMPTZ(3) NOT NULL,
    "speed" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "seed" INTEGER NOT NULL DEFAULT 1,
    "rng_state" INTEGER NOT NULL DEFAULT 1,
    "last_sample_at" TIMESTAMPTZ(3),

    CONSTRAINT "simulation_state_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "simulation_state_single_row" CHECK ("id" = 1)
);
