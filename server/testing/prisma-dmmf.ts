/**
 * Prisma's DMMF (the parsed data model) of a schema, without @prisma/internals
 * or a schema engine: the `prisma` CLI package ships the schema parser as
 * WebAssembly (build/prisma_schema_build_bg.wasm, the same module as
 * @prisma/prisma-schema-wasm), and `get_dmmf` only needs four small imports.
 * This is the wasm-bindgen glue for that one call. Test-only.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const PRISMA_SCHEMA_PATH = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");

/** The parts of DMMF.Datamodel the drift check reads. */
export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema?: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
  /** The model's `///` comment. */
  documentation?: string;
}

export interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: Array<{ name: string; dbName: string | null }>;
}

export interface DmmfIndex {
  model: string;
  type: "id" | "normal" | "unique" | "fulltext";
  isDefinedOnField: boolean;
  dbName?: string | null;
  algorithm?: string;
  fields: Array<{ name: string; sortOrder?: "asc" | "desc" }>;
}

export interface DmmfDatamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

interface SchemaWasm {
  memory: WebAssembly.Memory;
  __wbindgen_externrefs: WebAssembly.Table;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __externref_table_dealloc(index: number): void;
  __wbindgen_start(): void;
  get_dmmf(ptr: number, len: number): [number, number, number, number];
}

function findWasm(): string {
  // node_modules/prisma may sit in this project or in a parent (hoisted) folder.
  for (let dir = path.resolve(import.meta.dirname, "../.."); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules/prisma/build/prisma_schema_build_bg.wasm");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error("prisma_schema_build_bg.wasm not found: is the `prisma` devDependency installed?");
  }
}

let wasm: SchemaWasm | null = null;

function instance(): SchemaWasm {
  if (wasm) return wasm;
  const module = new WebAssembly.Module(readFileSync(findWasm()));
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let exports: SchemaWasm | null = null;
  const text = (ptr: number, len: number) =>
    decoder.decode(new Uint8Array(exports!.memory.buffer).subarray(ptr >>> 0, (ptr >>> 0) + len));
  let panic = "";
  // The import names carry a per-build hash suffix: match them by prefix.
  const imports: Record<string, (...args: number[]) => unknown> = {};
  for (const { name } of WebAssembly.Module.imports(module)) {
    if (name.startsWith("__wbg_set_message_")) imports[name] = (p, l) => void (panic = text(p!, l!));
    else if (name.startsWith("__wbg_Error_")) imports[name] = (p, l) => new Error(text(p!, l!));
    else if (name.startsWith("__wbg___wbindgen_throw_")) {
      imports[name] = (p, l) => {
        throw new Error(text(p!, l!));
      };
    } else if (name === "__wbindgen_init_externref_table") {
      imports[name] = () => {
        const table = exports!.__wbindgen_externrefs;
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
      };
    } else {
      throw new Error(`prisma_schema_build_bg.wasm wants an unknown import "${name}": update server/testing/prisma-dmmf.ts for this Prisma version`);
    }
  }
  try {
    exports = new WebAssembly.Instance(module, { __wbindgen_placeholder__: imports }).exports as unknown as SchemaWasm;
    exports.__wbindgen_start();
  } catch (err) {
    throw new Error(`Could not start Prisma's schema wasm${panic ? ` (${panic})` : ""}: ${(err as Error).message}`);
  }
  wasm = exports;
  return wasm;
}

/** The DMMF datamodel of a schema text; throws Prisma's validation errors as they are. */
export function getDmmf(schemaText: string): DmmfDatamodel {
  const w = instance();
  const input = new TextEncoder().encode(JSON.stringify({ prismaSchema: schemaText, noColor: true }));
  const ptr = w.__wbindgen_malloc(input.length, 1) >>> 0;
  new Uint8Array(w.memory.buffer).set(input, ptr);
  const [outPtr, outLen, errIndex, isErr] = w.get_dmmf(ptr, input.length);
  if (isErr) {
    const error = w.__wbindgen_externrefs.get(errIndex) as Error;
    w.__externref_table_dealloc(errIndex);
    throw new Error(`prisma schema is invalid: ${error.message}`);
  }
  try {
    const decoded = new TextDecoder().decode(new Uint8Array(w.memory.buffer).subarray(outPtr >>> 0, (outPtr >>> 0) + outLen));
    return (JSON.parse(decoded) as { datamodel: DmmfDatamodel }).datamodel;
  } finally {
    w.__wbindgen_free(outPtr, outLen, 1);
  }
}

export function readSchemaDmmf(schemaPath = PRISMA_SCHEMA_PATH): DmmfDatamodel {
  return getDmmf(readFileSync(schemaPath, "utf8"));
}
