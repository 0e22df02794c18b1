/**
 * Where to go after signing in: only a path of this console. The `next`
 * parameter comes from a link anyone can write, so anything that a browser
 * could read as another site is replaced by the default page: absolute and
 * protocol-relative URLs, backslashes (browsers read `/\evil.example` as
 * `//evil.example`), their percent-encoded forms, control characters and
 * whitespace. What is returned is re-serialised by the URL parser, so what is
 * checked is exactly what the browser will follow. Pure: used by the sign-in
 * page for both the form's redirect and the "Continue" link.
 */
const PROBE_ORIGIN = "http://qecnet.invalid";
const MAX_LENGTH = 2000;

function decodedForms(v: string): string[] | null {
  const forms = [v];
  let cur = v;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      return null; // malformed escapes: not a path this console wrote
    }
    if (next === cur) break;
    forms.push(next);
    cur = next;
  }
  return forms;
}

/** `next` if it is a same-site path (normalised), else `fallback`. */
export function safeNext(next: unknown, fallback = "/mesh"): string {
  if (typeof next !== "string" || next.length === 0 || next.length > MAX_LENGTH) return fallback;
  const forms = decodedForms(next);
  if (!forms) return fallback;
  for (const f of forms) {
    // One leading "/", then not another "/" or "\"; no backslash, control character or whitespace anywhere.
    // eslint-disable-next-line no-control-regex
    if (!/^\/(?![/\\])/.test(f) || /[\\\u0000-\u001f\u007f\s]/.test(f)) return fallback;
  }
  let url: URL;
  try {
    url = new URL(next, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("/") && !path.startsWith("//") ? path : fallback;
}
