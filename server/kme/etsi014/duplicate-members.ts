/**
 * Finds an object member named twice in JSON text. JSON.parse keeps the last
 * one silently, so `{"number":500,"number":1}` would read as a request for one
 * key while a client (or a proxy that checked it) read 500: an ambiguous request
 * is refused instead (RFC 8259 §4: names SHOULD be unique). Runs only on text
 * JSON.parse accepted, so it tracks nesting and strings and nothing else.
 */

/** The first repeated member name, decoded, or null. */
export function firstDuplicateMember(text: string): string | null {
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "{") stack.push(new Set());
    else if (c === "[") stack.push(null);
    else if (c === "}" || c === "]") stack.pop();
    else if (c === '"') {
      const end = stringEnd(text, i);
      const keys = stack[stack.length - 1];
      if (keys && nextSignificant(text, end) === ":") {
        // Compare decoded names: "\u006eumber" and "number" are the same member.
        const name = JSON.parse(text.slice(i, end)) as string;
        if (keys.has(name)) return name;
        keys.add(name);
      }
      i = end;
      continue;
    }
    i++;
  }
  return null;
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

function nextSignificant(text: string, from: number): string | undefined {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  return text[i];
}
