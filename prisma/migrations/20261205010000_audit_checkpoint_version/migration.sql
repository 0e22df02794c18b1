-- Checkpoint format version (docs/audit-format.md): 1 = the signed canonical
-- JSON body of the first release, 2 = a C2SP tlog-checkpoint signed as a C2SP
-- signed note. Existing rows stay version 1 and keep verifying as such.
ALTER TABLE "audit_checkpoints" ADD COLUMN "version" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "audit_checkpoints" ADD CONSTRAINT "audit_checkpoints_version_check" CHECK ("version" IN (1, 2));
