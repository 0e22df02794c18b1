-- A purge at a holder is done only when the holder confirms it (issue 12,
-- finding 8). The transition that ends a key's life (revocation, destruction)
-- records purge_requested_at in its own transaction; the purge sweep
-- (server/keys/purging) tells every holder, sets purged_at on the holder's
-- answer, and retries those that did not answer, with back-off, also after a
-- restart (the rows are the durable queue). Earlier versions set purged_at at
-- the instruction, without any answer (and told no holder on the approval and
-- manual-destruction paths): those rows go back to "requested", so the sweep
-- asks their holders again (a holder that no longer has the key just says so).

-- AlterTable
ALTER TABLE "key_participants" ADD COLUMN "purge_requested_at" TIMESTAMPTZ(3),
ADD COLUMN "purge_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "purge_last_attempt_at" TIMESTAMPTZ(3);

UPDATE "key_participants" SET "purge_requested_at" = "purged_at", "purged_at" = NULL WHERE "purged_at" IS NOT NULL;
