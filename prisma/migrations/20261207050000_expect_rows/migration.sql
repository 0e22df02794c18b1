-- A check a statement makes of its own row count, for writes the transition runner pipelines with COMMIT
-- (server/commit/batch-flush.ts): COMMIT is on the wire before such a write is answered, so the caller cannot look
-- at the count before committing. The statement calls this instead; the exception aborts the transaction, and
-- PostgreSQL answers the COMMIT behind it with ROLLBACK. Used by ETSI 014's dec_keys claim
-- (server/kme/hub/delivery-claims.ts): the delivery rows it marks must be exactly the ones it read under the lock.
CREATE FUNCTION "qecnet_expect_rows"(actual bigint, expected bigint, what text) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
  IF actual IS DISTINCT FROM expected THEN
    RAISE EXCEPTION '%: % row(s) where % were expected', what, actual, expected USING ERRCODE = 'P0001';
  END IF;
  RETURN actual;
END
$$;
