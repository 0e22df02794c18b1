-- Agent sessions shared between console instances (issue 14: "several console
-- instances share the agents: any instance can reach any agent"). Each agent
-- process holds one session with one instance (the one it dialled); that
-- instance publishes the session here (what the agent last said about itself),
-- and the others reach the agent through it (server/agents/hub/agent-relay.ts).
-- One row per node: a reconnect to another instance takes the row over. An
-- instance that dies leaves its rows with an ageing heartbeat, so the node goes
-- OFFLINE as it would if its agent fell silent. No key material is stored here.
CREATE TABLE "agent_sessions" (
    "node_id" TEXT NOT NULL,
    "instance_id" TEXT NOT NULL,
    "agent_version" TEXT NOT NULL,
    "store_id" TEXT NOT NULL,
    "connected_at" TIMESTAMPTZ(3) NOT NULL,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL,
    "held_keys" INTEGER NOT NULL,
    CONSTRAINT "agent_sessions_pkey" PRIMARY KEY ("node_id"),
    CONSTRAINT "agent_sessions_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "agent_sessions_held_keys_check" CHECK ("held_keys" >= 0)
);
CREATE INDEX "agent_sessions_instance_id_idx" ON "agent_sessions"("instance_id");
