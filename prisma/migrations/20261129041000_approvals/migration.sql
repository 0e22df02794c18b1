-- Two-person approvals: the policy (how many distinct officers approve each
-- kind of action, how long a request stays open), requests with their computed
-- impact, and one vote per officer and request. A rule can never ask for zero
-- approvals (CHECK here, and the code refuses a missing or zero rule too).

-- CreateEnum
CREATE TYPE "ApprovalStatus" AS ENUM ('PENDING', 'EXECUTING', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "ApprovalDecision" AS ENUM ('APPROVE', 'REJECT');

-- CreateTable
CREATE TABLE "approval_rules" (
    "kind" TEXT NOT NULL,
    "min_approvals" INTEGER NOT NULL,
    "ttl_minutes" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL DEFAULT 'migration',

    CONSTRAINT "approval_rules_pkey" PRIMARY KEY ("kind"),
    CONSTRAINT "approval_rules_min_approvals_check" CHECK ("min_approvals" BETWEEN 1 AND 10),
    CONSTRAINT "approval_rules_ttl_minutes_check" CHECK ("ttl_minutes" BETWEEN 5 AND 10080)
);

-- CreateTable
CREATE TABLE "approval_requests" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "target_label" TEXT NOT NULL,
    "justification" TEXT NOT NULL,
    "impact" JSONB NOT NULL,
    "status" "ApprovalStatus" NOT NULL DEFAULT 'PENDING',
    "required_approvals" INTEGER NOT NULL,
    "requested_by_id" TEXT,
    "requested_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "outcome" JSONB,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "approval_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "approval_requests_required_approvals_check" CHECK ("required_approvals" >= 1)
);

-- CreateTable
CREATE TABLE "approval_votes" (
    "request_id" UUID NOT NULL,
    "voter_id" TEXT NOT NULL,
    "voter" TEXT NOT NULL,
    "decision" "ApprovalDecision" NOT NULL,
    "comment" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "approval_votes_pkey" PRIMARY KEY ("request_id","voter_id")
);

-- CreateIndex
CREATE INDEX "approval_requests_status_created_at_idx" ON "approval_requests"("status", "created_at");

-- CreateIndex
CREATE INDEX "approval_requests_target_type_target_id_idx" ON "approval_requests"("target_type", "target_id");

-- CreateIndex
CREATE INDEX "approval_votes_voter_id_idx" ON "approval_votes"("voter_id");

-- AddForeignKey
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approval_votes" ADD CONSTRAINT "approval_votes_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "approval_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approval_votes" ADD CONSTRAINT "approval_votes_voter_id_fkey" FOREIGN KEY ("voter_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The policy of the issue: one officer for an emergency rotation, two for a
-- revocation (it destroys material and makes every holder purge); 4 hours to decide.
INSERT INTO "approval_rules" ("kind", "min_approvals", "ttl_minutes") VALUES
    ('EMERGENCY_ROTATION', 1, 240),
    ('REVOCATION', 2, 240);
