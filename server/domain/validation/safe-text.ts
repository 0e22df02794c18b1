/**
 * Text that PostgreSQL can store and search, for every string a caller sends.
 * PostgreSQL refuses a NUL byte in text and jsonb, so a NUL in a search or an
 * id used to fail deep in a query (a 500) or in the audit write (a 503); lone
 * UTF-16 surrogates would be stored silently mangled. `safeText()` is zod's
 * string with both refused up front, with a message saying what is wrong:
 * every string input of the API starts from it (a test refuses bare
 * `z.string()` in the routers). Tabs and line breaks stay allowed.
 */
import { z } from "zod";

// C0 controls except tab, line feed and carriage return; DEL. Matching control characters is this file's purpose.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `v` is text PostgreSQL stores as given (no NUL or other control characters, no lone surrogates). */
export function isSafeText(v: string): boolean {
  return !CONTROL.test(v) && !LONE_SURROGATE.test(v);
}

/** zod's string, refusing control characters (NUL and the like) and invalid Unicode, with readable messages. */
export function safeText(message = "must be text") {
  return z
    .string({ message })
    .refine((v) => !CONTROL.test(v), { message: "must not contain control characters such as NUL", abort: true })
    .refine((v) => !LONE_SURROGATE.test(v), { message: "must be valid Unicode text", abort: true });
}

/** For text that came from outside unchecked (a sign-in form): control characters and lone surrogates replaced by U+FFFD. */
export function toSafeText(v: string): string {
  return v.replace(new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}`, "g"), "\uFFFD");
}
