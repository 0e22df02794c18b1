-- The audit chain is append-only: the application never updates or deletes an
-- entry, so the database refuses to. This stops mistakes and casual edits; a
-- superuser can still disable the trigger, which is what the hash chain, the
-- head row and published checkpoints are there to catch.
CREATE FUNCTION "qecnet_audit_entries_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entries is append-only: % of entry % refused', TG_OP, OLD.seq
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_entries_append_only"
BEFORE UPDATE OR DELETE ON "audit_entries"
FOR EACH ROW EXECUTE FUNCTION "qecnet_audit_entries_append_only"();

CREATE TRIGGER "audit_entries_no_truncate"
BEFORE TRUNCATE ON "audit_entries"
FOR EACH STATEMENT EXECUTE FUNCTION "qecnet_audit_entries_append_only"();
