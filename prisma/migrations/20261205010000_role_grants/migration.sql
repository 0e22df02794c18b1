-- Who made each account and who granted its role (issue 12, finding 3). The
-- approval workflow refuses the vote of an account whose creator or role granter
-- is the requester (or made a previous approver): a person cannot collect the
-- votes of accounts they control. Granting officer or admin is itself a
-- two-person action: the ROLE_GRANT approval kind, decided by a second admin.
-- NULL means made by the system (the demo seed, the `user:create` command on the host).

-- AlterTable
ALTER TABLE "users" ADD COLUMN "created_by_id" TEXT,
ADD COLUMN "role_granted_by_id" TEXT,
ADD COLUMN "role_approved_by_id" TEXT,
ADD COLUMN "role_granted_at" TIMESTAMPTZ(3);

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_role_granted_by_id_fkey" FOREIGN KEY ("role_granted_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_role_approved_by_id_fkey" FOREIGN KEY ("role_approved_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A role grant is decided by one administrator other than the one who asked.
INSERT INTO "approval_rules" ("kind", "min_approvals", "ttl_minutes") VALUES ('ROLE_GRANT', 1, 240);
