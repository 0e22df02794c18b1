-- Issue 18: link pads as real bytes. The hub allocates each hop's pad offsets from a cursor per link direction
-- (never reused, so a crash between allocation and sending only wastes bytes), and records them with the route.
CREATE TABLE "link_pad_cursors" (
    "link_id" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "next_offset" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "link_pad_cursors_pkey" PRIMARY KEY ("link_id","direction")
);

ALTER TABLE "key_routes" ADD COLUMN "pad_offsets" BIGINT[] NOT NULL DEFAULT '{}';
