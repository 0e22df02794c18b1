-- Every batch of the transition runner loads the keys it works on with their
-- successors (replacements, retries): by predecessor, which had no index, so
-- each batch scanned the whole keys table.
CREATE INDEX "keys_predecessor_id_idx" ON "keys"("predecessor_id");
