/**
 * Schema drift check: what prisma/schema.prisma declares (read through Prisma's
 * own parser, see prisma-dmmf.ts) against what the migrated PostgreSQL database
 * holds (read from pg_catalog). Both sides are reduced to the same shape —
 * tables, columns (type, NOT NULL, default), enums, primary keys, indexes and
 * foreign keys — and compared both ways. Stands in for `prisma migrate diff`,
 * whose schema engine is not available here. Index and constraint names, CHECK
 * constraints, views and other schemas are not compared.
 */
import pg from "pg";
import type { DmmfDatamodel, DmmfField, DmmfModel } from "./prisma-dmmf";

export interface ColumnShape {
  /** Model.field on the schema side, for messages. */
  field?: string;
  /** As PostgreSQL's format_type prints it, e.g. "timestamp(3) with time zone"; enums as "enum Name". */
  type: string;
  notNull: boolean;
  /** Normalised: null, "now()", "autoincrement()", a literal's text, or an expression. */
  default: string | null;
}

export interface ForeignKeyShape {
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface TableShape {
  /** The model's name on the schema side, for messages. */
  model?: string;
  columns: Map<string, ColumnShape>;
  primaryKey: string[] | null;
  /** Each described as e.g. "unique index (a_node_id, b_node_id)" or "index (state) using gin". */
  indexes: string[];
  foreignKeys: ForeignKeyShape[];
}

export interface SchemaShape {
  tables: Map<string, TableShape>;
  /** Enum type name → values in order. */
  enums: Map<string, string[]>;
}

/** Tables that belong to the migration tooling, not the data model. */
export const IGNORED_TABLES = new Set(["_prisma_migrations"]);

// ---------------------------------------------------------------------------
// schema.prisma side

const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

const withArgs = (base: string, args: string[], suffix = "") => (args.length ? `${base}(${args.join(",")})${suffix}` : `${base}${suffix}`);

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => "text",
  VarChar: (a) => withArgs("character varying", a),
  Char: (a) => withArgs("character", a.length ? a : ["1"]),
  Uuid: () => "uuid",
  Xml: () => "xml",
  Inet: () => "inet",
  Citext: () => "citext",
  Integer: () => "integer",
  SmallInt: () => "smallint",
  BigInt: () => "bigint",
  Oid: () => "oid",
  DoublePrecision: () => "double precision",
  Real: () => "real",
  Decimal: (a) => withArgs("numeric", a),
  Money: () => "money",
  Boolean: () => "boolean",
  Timestamp: (a) => withArgs("timestamp", a, " without time zone"),
  Timestamptz: (a) => withArgs("timestamp", a, " with time zone"),
  Time: (a) => withArgs("time", a, " without time zone"),
  Timetz: (a) => withArgs("time", a, " with time zone"),
  Date: () => "date",
  Json: () => "json",
  JsonB: () => "jsonb",
  ByteA: () => "bytea",
  Bit: (a) => withArgs("bit", a.length ? a : ["1"]),
  VarBit: (a) => withArgs("bit varying", a),
};

const ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

/** Defaults Prisma computes in the client: the column has no database default. */
const CLIENT_DEFAULTS = new Set(["uuid", "cuid", "nanoid", "ulid"]);

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;

function expectedType(f: DmmfField, enumDbNames: Map<string, string>): string {
  const list = f.isList ? "[]" : "";
  if (f.kind === "enum") return `enum ${enumDbNames.get(f.type) ?? f.type}${list}`;
  if (f.nativeType) {
    const [name, args] = f.nativeType;
    const native = NATIVE_TYPES[name];
    return native ? `${native(args)}${list}` : `unsupported native type @db.${name} (extend server/testing/schema-drift.ts)`;
  }
  return `${SCALAR_TYPES[f.type] ?? `unsupported type ${f.type}`}${list}`;
}

function expectedDefault(f: DmmfField, enumValueDbNames: Map<string, Map<string, string>>): string | null {
  const d = f.default;
  if (!f.hasDefaultValue || d === undefined || d === null) return null;
  if (typeof d === "object" && !Array.isArray(d) && "name" in d) {
    const fn = d as { name: string; args?: unknown[] };
    if (CLIENT_DEFAULTS.has(fn.name)) return null;
    if (fn.name === "now") return "now()";
    if (fn.name === "autoincrement") return "autoincrement()";
    if (fn.name === "dbgenerated") return normaliseExpression(String(fn.args?.[0] ?? ""));
    return `${fn.name}()`;
  }
  if (f.kind === "enum" && typeof d === "string") return enumValueDbNames.get(f.type)?.get(d) ?? d;
  if (Array.isArray(d)) return `{${d.map(String).join(",")}}`;
  return normaliseLiteral(String(d), f.type === "Json");
}

export function schemaShapeFromDmmf(dm: DmmfDatamodel): SchemaShape {
  const enumDbNames = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enumValueDbNames = new Map(dm.enums.map((e) => [e.name, new Map(e.values.map((v) => [v.name, v.dbName ?? v.name]))]));
  const models = new Map(dm.models.map((m) => [m.name, m]));
  const tables = new Map<string, TableShape>();
  for (const m of dm.models) {
    const byName = new Map(m.fields.map((f) => [f.name, f]));
    const col = (name: string) => columnOf(byName.get(name) ?? ({ name } as DmmfField));
    const columns = new Map<string, ColumnShape>();
    for (const f of m.fields) {
      if (f.kind === "object") continue;
      columns.set(columnOf(f), {
        field: `${m.name}.${f.name}`,
        type: expectedType(f, enumDbNames),
        notNull: f.isRequired || f.isList,
        default: expectedDefault(f, enumValueDbNames),
      });
    }
    const pk = m.primaryKey?.fields ?? m.fields.filter((f) => f.isId).map((f) => f.name);
    const indexes = dm.indexes
      .filter((ix) => ix.model === m.name && (ix.type === "unique" || ix.type === "normal"))
      .map((ix) =>
        describeIndex(
          ix.type === "unique",
          ix.fields.map((f) => `${col(f.name)}${f.sortOrder === "desc" ? " DESC" : ""}`),
          (ix.algorithm ?? "BTree").toLowerCase(),
        ),
      );
    // Partial indexes, which Prisma cannot declare: the model's `///` comment states each, as the database side describes it.
    for (const line of m.documentation?.split("\n") ?? []) {
      const partial = /^Partial index[^:]*: (index \(.+\) where .+)$/.exec(line.trim());
      if (partial) indexes.push(partial[1]!);
    }
    const foreignKeys: ForeignKeyShape[] = [];
    for (const f of m.fields) {
      if (f.kind !== "object" || !f.relationFromFields?.length) continue;
      const target = models.get(f.type);
      const targetFields = new Map(target?.fields.map((t) => [t.name, t]) ?? []);
      const required = f.relationFromFields.every((n) => byName.get(n)?.isRequired);
      foreignKeys.push({
        columns: f.relationFromFields.map(col),
        refTable: target ? tableOf(target) : f.type,
        refColumns: (f.relationToFields ?? []).map((n) => columnOf(targetFields.get(n) ?? ({ name: n } as DmmfField))),
        onDelete: ACTIONS[f.relationOnDelete ?? (required ? "Restrict" : "SetNull")] ?? String(f.relationOnDelete),
        onUpdate: ACTIONS[f.relationOnUpdate ?? "Cascade"] ?? String(f.relationOnUpdate),
      });
    }
    tables.set(tableOf(m), { model: m.name, columns, primaryKey: pk.length ? pk.map(col) : null, indexes, foreignKeys });
  }
  const enums = new Map(dm.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]));
  return { tables, enums };
}

// ---------------------------------------------------------------------------
// database side

function describeIndex(unique: boolean, columns: string[], method: string, extra = ""): string {
  return `${unique ? "unique index" : "index"} (${columns.join(", ")})${method === "btree" ? "" : ` using ${method}`}${extra}`;
}

function normaliseExpression(expr: string): string {
  return expr.trim().replace(/\s+/g, " ");
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function normaliseLiteral(text: string, json = false): string {
  if (json) {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return text;
    }
  }
  // 15 significant digits: Prisma's schema parser reads 0.0000017 as 0.0000016999999999999998.
  return NUMBER.test(text) ? String(Number(Number(text).toPrecision(15))) : text;
}

/** pg_get_expr text of a column default, in the same form as expectedDefault. */
export function normaliseDbDefault(expr: string | null, type: string): string | null {
  if (expr === null) return null;
  let e = expr.trim();
  if (/^nextval\(/i.test(e)) return "autoincrement()";
  if (/^(now\(\)|current_timestamp(\(\d+\))?)$/i.test(e)) return "now()";
  // Strip trailing casts: 'x'::text, 'A'::"Enum", '0'::numeric::double precision, '{}'::text[] ...
  const cast = /::(?:"[^"]+"|[a-z_][a-z0-9_ ]*(?:\(\d+(?:,\s*\d+)?\))?)(?:\[\])?$/i;
  while (cast.test(e)) e = e.replace(cast, "").trim();
  if (/^\(.*\)$/.test(e) && NUMBER.test(e.slice(1, -1))) e = e.slice(1, -1);
  const quoted = /^'((?:[^']|'')*)'$/.exec(e);
  if (quoted) return normaliseLiteral(quoted[1]!.replace(/''/g, "'"), type === "jsonb" || type === "json");
  if (NUMBER.test(e) || /^(true|false)$/i.test(e)) return normaliseLiteral(e.toLowerCase());
  return normaliseExpression(e);
}

const DB_ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

/** Reads the current schema (search_path's first) of the database `url` names. */
export async function readDatabaseShape(url: string): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{
      table: string; column: string; type: string; not_null: boolean; typtype: string; typname: string;
      elem_typtype: string | null; elem_typname: string | null; default: string | null; identity: string; relkind: string;
    }>(`
      SELECT c.relname::text AS table, a.attname::text AS column, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS not_null, ty.typtype::text AS typtype, ty.typname::text AS typname,
             el.typtype::text AS elem_typtype, el.typname::text AS elem_typname,
             pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, c.relkind::text AS relkind
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type ty ON ty.oid = a.atttypid
        LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
       ORDER BY c.relname, a.attnum`);
    const tableNames = await client.query<{ table: string }>(
      `SELECT relname::text AS table FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')`,
    );
    const constraints = await client.query<{
      table: string; type: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null;
      on_delete: string; on_update: string;
    }>(`
      SELECT t.relname::text AS table, c.contype::text AS type,
             array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
             r.relname::text AS ref_table,
             array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
             c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        LEFT JOIN pg_class r ON r.oid = c.confrelid
       WHERE t.relnamespace = current_schema()::regnamespace AND c.contype IN ('p', 'f')`);
    const indexes = await client.query<{
      table: string; unique: boolean; method: string; predicate: string | null; columns: string[]; included: string[];
    }>(`
      SELECT t.relname::text AS table, ix.indisunique AS unique, am.amname::text AS method,
             pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
             array(SELECT CASE WHEN k.attnum = 0 THEN '(expression)' ELSE a.attname::text END
                          || CASE WHEN (ix.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                     FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                    WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord) AS columns,
             array(SELECT a.attname::text
                     FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                    WHERE k.ord > ix.indnkeyatts ORDER BY k.ord) AS included
        FROM pg_index ix
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_am am ON am.oid = i.relam
       WHERE t.relnamespace = current_schema()::regnamespace AND NOT ix.indisprimary`);
    const enums = await client.query<{ name: string; values: string[] }>(`
      SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       WHERE t.typnamespace = current_schema()::regnamespace
       GROUP BY t.typname`);

    const tables = new Map<string, TableShape>();
    const table = (name: string) => {
      let t = tables.get(name);
      if (!t) tables.set(name, (t = { columns: new Map(), primaryKey: null, indexes: [], foreignKeys: [] }));
      return t;
    };
    for (const { table: name } of tableNames.rows) table(name);
    for (const r of columns.rows) {
      const type =
        r.typtype === "e" ? `enum ${r.typname}` : r.elem_typtype === "e" ? `enum ${r.elem_typname}[]` : r.type;
      table(r.table).columns.set(r.column, {
        type,
        notNull: r.not_null,
        default: r.identity ? "autoincrement()" : normaliseDbDefault(r.default, r.type),
      });
    }
    for (const c of constraints.rows) {
      if (c.type === "p") table(c.table).primaryKey = c.columns;
      else {
        table(c.table).foreignKeys.push({
          columns: c.columns,
          refTable: c.ref_table ?? "?",
          refColumns: c.ref_columns ?? [],
          onDelete: DB_ACTIONS[c.on_delete] ?? c.on_delete,
          onUpdate: DB_ACTIONS[c.on_update] ?? c.on_update,
        });
      }
    }
    for (const ix of indexes.rows) {
      const extra = `${ix.included.length ? ` include (${ix.included.join(", ")})` : ""}${ix.predicate ? ` where ${ix.predicate}` : ""}`;
      table(ix.table).indexes.push(describeIndex(ix.unique, ix.columns, ix.method, extra));
    }
    return { tables, enums: new Map(enums.rows.map((e) => [e.name, e.values])) };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------
// comparison

const list = (xs: readonly string[]) => `(${xs.join(", ")})`;
const fkTarget = (fk: ForeignKeyShape) => `foreign key ${list(fk.columns)} → ${fk.refTable}${list(fk.refColumns)}`;
const fkActions = (fk: ForeignKeyShape) => `ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;

/** Items of `a` not matched one-for-one in `b` (multiset difference). */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  return a.filter((x) => {
    const i = left.indexOf(x);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/**
 * Every difference between the schema and the database, one readable line
 * each; empty when they agree.
 */
export function compareSchemaShapes(schema: SchemaShape, db: SchemaShape, ignoredTables = IGNORED_TABLES): string[] {
  const out: string[] = [];
  for (const [name, want] of schema.tables) {
    const where = `${name} (model ${want.model ?? "?"})`;
    const have = db.tables.get(name);
    if (!have) {
      out.push(`Table ${where} is declared in schema.prisma but missing from the database`);
      continue;
    }
    for (const [col, w] of want.columns) {
      const h = have.columns.get(col);
      const label = `${name}.${col}${w.field ? ` (${w.field})` : ""}`;
      if (!h) {
        out.push(`Column ${label} is declared in schema.prisma but missing from the database`);
        continue;
      }
      if (w.type !== h.type) out.push(`Column ${label}: schema.prisma says type ${w.type} but the database has ${h.type}`);
      if (w.notNull !== h.notNull) {
        out.push(
          `Column ${label}: schema.prisma says ${w.notNull ? "NOT NULL (required)" : "nullable (optional)"} but the database column is ${h.notNull ? "NOT NULL" : "nullable"}`,
        );
      }
      if (w.default !== h.default) {
        out.push(
          `Column ${label}: schema.prisma says ${w.default === null ? "no default" : `default ${w.default}`} but the database has ${h.default === null ? "no default" : `default ${h.default}`}`,
        );
      }
    }
    for (const col of have.columns.keys()) {
      if (!want.columns.has(col)) out.push(`Column ${name}.${col} exists in the database but schema.prisma does not declare it`);
    }
    if ((want.primaryKey ?? []).join() !== (have.primaryKey ?? []).join()) {
      out.push(
        `Table ${where}: schema.prisma says primary key ${want.primaryKey ? list(want.primaryKey) : "none"} but the database has ${have.primaryKey ? list(have.primaryKey) : "none"}`,
      );
    }
    for (const ix of minus(want.indexes, have.indexes)) out.push(`Table ${where}: ${ix} is declared in schema.prisma but missing from the database`);
    for (const ix of minus(have.indexes, want.indexes)) out.push(`Table ${where}: ${ix} exists in the database but schema.prisma does not declare it`);
    const haveFks = [...have.foreignKeys];
    for (const fk of want.foreignKeys) {
      const i = haveFks.findIndex((h) => fkTarget(h) === fkTarget(fk));
      if (i < 0) {
        out.push(`Table ${where}: ${fkTarget(fk)} ${fkActions(fk)} is declared in schema.prisma but missing from the database`);
        continue;
      }
      const [h] = haveFks.splice(i, 1);
      if (fkActions(h!) !== fkActions(fk)) {
        out.push(`Table ${where}: ${fkTarget(fk)}: schema.prisma says ${fkActions(fk)} but the database has ${fkActions(h!)}`);
      }
    }
    for (const fk of haveFks) out.push(`Table ${where}: ${fkTarget(fk)} ${fkActions(fk)} exists in the database but schema.prisma does not declare it`);
  }
  for (const name of db.tables.keys()) {
    if (!schema.tables.has(name) && !ignoredTables.has(name)) {
      out.push(`Table ${name} exists in the database but schema.prisma has no model for it`);
    }
  }
  for (const [name, values] of schema.enums) {
    const have = db.enums.get(name);
    if (!have) out.push(`Enum ${name} is declared in schema.prisma but the database has no such type`);
    else if (values.join() !== have.join()) {
      out.push(`Enum ${name}: schema.prisma lists ${list(values)} but the database type has ${list(have)}`);
    }
  }
  for (const name of db.enums.keys()) {
    if (!schema.enums.has(name)) out.push(`Enum type ${name} exists in the database but schema.prisma does not declare it`);
  }
  return out;
}

/** The drift between a parsed schema and the database at `url`. */
export async function findSchemaDrift(dm: DmmfDatamodel, url: string): Promise<string[]> {
  return compareSchemaShapes(schemaShapeFromDmmf(dm), await readDatabaseShape(url));
}
