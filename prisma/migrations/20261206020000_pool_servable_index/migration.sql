-- An ETSI 014 pool is read by its label and state (server/kme/hub/pool-queries.ts): with the label index alone,
-- every count walked every key the pool ever held, consumed ones included, so status and enc_keys slowed as the pool
-- aged (bench:kme: status 20 ms at 128 keys, 133 ms at 2,304). Oldest activation first is the order enc_keys takes.
-- It replaces the label index (its leading column serves every lookup by label), so a key write maintains no more
-- indexes than before.
CREATE INDEX "keys_label_state_activated_at_idx" ON "keys"("label", "state", "activated_at");
DROP INDEX "keys_label_idx";
