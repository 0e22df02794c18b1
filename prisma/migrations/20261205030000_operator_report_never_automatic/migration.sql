-- An operator's report never revokes keys automatically (issue 12, finding 2):
-- it is one person's word, so the incident it opens waits for security
-- officers' approval (INCIDENT_RECOVERY). Only signals the system measures
-- itself (QBER over the abort threshold, a holder's integrity mismatch) may be
-- automatic. The built-in high-assurance policy loses OPERATOR_REPORT (and so
-- does any policy an administrator gave it); from now on the database refuses it.
-- The code refuses it too (policy-rules.ts, and the recovery engine ignores it).

UPDATE "key_policies"
   SET "auto_revoke_signals" = array_remove("auto_revoke_signals", 'OPERATOR_REPORT'),
       "version" = "version" + 1,
       "updated_by" = 'migration: operator reports never revoke automatically'
 WHERE 'OPERATOR_REPORT' = ANY("auto_revoke_signals");

ALTER TABLE "key_policies" ADD CONSTRAINT "key_policies_operator_report_not_automatic_check"
    CHECK (NOT ('OPERATOR_REPORT' = ANY("auto_revoke_signals")));
