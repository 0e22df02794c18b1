-- An audit entry's details are kept as the canonical JSON text its hash was taken over (type json keeps the text as
-- written; jsonb re-orders keys and adds spaces), so a verifier hashes the stored text instead of parsing and
-- re-serializing it (server/audit/entry-hash.ts, storedEntryPassesQuickly). Entries written before this migration keep
-- the text jsonb gave them, which is not canonical: a verifier finds that their stored text does not hash to their
-- entry hash and checks them the full way (parse, canonicalize, hash), with the same result as before.
-- Every query that reads details (->>, ->) works on json as on jsonb. The rewrite does not fire the append-only row
-- triggers: it changes no entry's contents.
ALTER TABLE "audit_entries" ALTER COLUMN "details" TYPE json USING "details"::json;
