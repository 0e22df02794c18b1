-- Durable purge obligations (KEY-DELIVERY.md §6.4, issue 14). A purge is an
-- obligation from the moment the transition that ended the key's life records
-- purge_requested_at, until the holder's agent confirms it: in its answer to a
-- `purge` request, or by a hello inventory that no longer holds the key. Since
-- 20261205020000_holder_purges, purged_at already meant exactly that (set only
-- on the holder's answer); the column is renamed so that its name says so, and
-- no second column can disagree with it. Every (key, node) with a request and
-- no confirmation is re-sent when the node's agent reconnects (welcome.purge)
-- and periodically while it is connected (the node_id index serves the
-- reconnect's lookup).

-- AlterTable
ALTER TABLE "key_participants" RENAME COLUMN "purged_at" TO "purge_confirmed_at";

