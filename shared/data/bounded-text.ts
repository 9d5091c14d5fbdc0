// Text that leaves a reader (reject details, error messages, Temporal failures, lineage rows)
// is clipped here: a source row or header can be megabytes, Temporal refuses payloads over its
// limit, and a message nobody can read in full helps nobody. The location always comes first,
// so clipping the tail never loses where the problem is.

/** a reject's detail or field path */
export const MAX_DETAIL_CHARS = 1_000;
/** an error message (location + reason), far under Temporal's payload limits */
export const MAX_MESSAGE_CHARS = 4_000;

/** `text` unchanged when short, else its head and how long it was. */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  // do not cut a surrogate pair in half: the result must stay valid UTF-16
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${detached(text.slice(0, end))}… (${text.length} chars, clipped)`;
}

/**
 * A fresh copy of a short string. V8 represents a slice as a view that keeps the whole parent
 * alive, so a clipped excerpt of a megabyte line would otherwise retain the megabyte.
 */
function detached(short: string): string {
  return Array.from(short).join('');
}
