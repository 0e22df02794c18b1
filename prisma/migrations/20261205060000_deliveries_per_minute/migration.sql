-- Deliveries per minute (issue 17, the wall's chart): every confirmed receipt
-- is one copy of a key delivered to a node agent, stamped in
-- key_participants.confirmed_at. trends.deliveries counts them per minute over
-- the last minutes (at most a day): a range scan of this index, instead of a
-- scan of every participant row ever written.

-- CreateIndex
CREATE INDEX "key_participants_confirmed_at_idx" ON "key_participants"("confirmed_at");
