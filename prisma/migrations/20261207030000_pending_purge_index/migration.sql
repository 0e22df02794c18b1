-- The purge sweep (server/purging/purge-service.ts) and an agent's backlog on reconnecting read the participants
-- whose purge was requested and not yet confirmed. With no index on that, every sweep read the whole table: every
-- holder of every key the network ever made (bench:kme: 0.3-4.8 ms a pass at 2,000-5,800 rows, growing with the
-- history). This partial index holds only the open obligations, so a pass reads what is pending and nothing else.
-- node_id as its column: the backlog of one node is read by it too. Prisma cannot declare a partial index; the
-- model's comment in schema.prisma states it, and the schema-drift test holds the two equal.
CREATE INDEX "key_participants_pending_purge_idx" ON "key_participants"("node_id")
  WHERE "purge_requested_at" IS NOT NULL AND "purge_confirmed_at" IS NULL;
