/**
 * `npm run user:create -- --email ada@example.org --name "Ada L." --role admin`
 * Creates a console user (the first administrator, typically), audited as
 * "system:user-create". The password is never a command-line argument (it
 * would show in the process list): it is read from QECNET_NEW_USER_PASSWORD,
 * from standard input with --password-stdin, or prompted for without echo.
 * Uses DATABASE_URL, or the embedded PostgreSQL of `npm run demo` (stop the
 * console first: one process at a time owns the embedded data folder).
 */
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { isRole, ROLES } from "../server/domain/access/roles";
import { MIN_PASSWORD_LENGTH } from "../server/auth/auth";
import { EnvError, parseEnv } from "../server/config/env";
import { createPrismaClient } from "../server/db/client";
import { prepareDatabase } from "../server/db/prepare-database";
import { DomainError } from "../server/domain/errors/domain-error";
import { KeyService } from "../server/keys/key-service";
import { vaultFromEnvironment } from "../server/keys/key-vault";
import { UserService } from "../server/users/user-service";

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run user:create -- --email <email> --name <name> --role <${ROLES.join("|")}> [--password-stdin]\n` +
    "       the password comes from QECNET_NEW_USER_PASSWORD, standard input (--password-stdin) or a prompt.");
  process.exit(2);
}

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, "");
}

/** Asks twice on the terminal without echoing what is typed. */
async function prompt(question: string): Promise<string> {
  if (!process.stdin.isTTY) usage("No terminal to prompt for a password: use QECNET_NEW_USER_PASSWORD or --password-stdin.");
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let muted = false;
  out._writeToOutput = (s: string) => {
    if (!muted || s.includes("\n")) out.output.write(muted ? "\n" : s);
  };
  const ask = (q: string) => new Promise<string>((resolve) => {
    muted = false;
    rl.question(q, (a) => resolve(a));
    muted = true;
  });
  const a = await ask(question);
  const b = await ask("Repeat the password: ");
  rl.close();
  if (a !== b) usage("The two passwords differ; nothing was created.");
  return a;
}

const { values } = parseArgs({
  options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string" }, "password-stdin": { type: "boolean", default: false } },
  strict: true,
});
if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) usage("--email must be an email address");
if (!values.name || values.name.trim().length < 2) usage("--name must be at least 2 characters");
if (!isRole(values.role)) usage(`--role must be one of ${ROLES.join(", ")}`);

let env;
try {
  env = parseEnv();
} catch (err) {
  if (err instanceof EnvError) usage(err.message);
  throw err;
}
const password = process.env.QECNET_NEW_USER_PASSWORD ?? (values["password-stdin"] ? await readStdin() : await prompt(`Password for ${values.email}: `));
if (password.length < MIN_PASSWORD_LENGTH || password.length > 128) usage(`The password must be ${MIN_PASSWORD_LENGTH} to 128 characters; nothing was created.`);

const prepared = await prepareDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.dataDir, embeddedPort: env.QECNET_EMBEDDED_PG_PORT });
const db = createPrismaClient(prepared.url, 2);
let failed = false;
try {
  const keys = new KeyService(db, vaultFromEnvironment(env.QECNET_MASTER_KEY, env.dataDir));
  const u = await new UserService(db, keys.runner).create({ email: values.email, name: values.name.trim(), role: values.role, password }, { actor: "system:user-create" });
  console.log(`Created ${u.email} (${u.role}). Sign in at the console with this email and the password you gave.`);
} catch (err) {
  if (err instanceof DomainError) {
    console.error(err.message);
    failed = true;
  } else throw err;
} finally {
  await db.$disconnect();
  await prepared.stop();
}
if (failed) process.exit(1);
