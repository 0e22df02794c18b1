/**
 * The validated environment for a command-line script: on a bad variable the
 * script prints every problem and exits with status 2 (a configuration error),
 * instead of a stack trace. Server modules use env() and never exit the process.
 */
import { EnvError, parseEnv, type TEnv } from "../server/config/env";

export function envOrExit(): TEnv {
  try {
    return parseEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
