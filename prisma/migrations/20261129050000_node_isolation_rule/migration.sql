-- Isolating a node can be requested by an analyst and needs one security officer's approval.
INSERT INTO "approval_rules" ("kind", "min_approvals", "ttl_minutes") VALUES ('NODE_ISOLATION', 1, 240)
ON CONFLICT ("kind") DO NOTHING;
