-- A version of the mesh's topology and figures: every statement that writes
-- nodes or links bumps it (triggers, so writers outside the transition runner
-- count too). The runner keeps the mesh it last wrote in memory and reuses it
-- while the version it reads under the audit head lock still matches.

-- CreateTable
CREATE TABLE "mesh_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "mesh_version_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mesh_version_single_row" CHECK ("id" = 1)
);

INSERT INTO "mesh_version" ("id", "version") VALUES (1, 0);

CREATE FUNCTION "mesh_version_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "mesh_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "nodes_bump_mesh_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "nodes"
    FOR EACH STATEMENT EXECUTE FUNCTION "mesh_version_bump"();

CREATE TRIGGER "links_bump_mesh_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "links"
    FOR EACH STATEMENT EXECUTE FUNCTION "mesh_version_bump"();
