// Keys a user wrote that the schema does not know, found by walking the schema beside the
// input. zod drops unknown keys silently, so a typo (`pretrian`) would start a run with
// defaults; this walk names every such key at any depth, with the closest known key, without
// each schema having to declare itself strict.
import type { z } from 'zod';

export interface UnknownKey {
  /** the key's path from the root, e.g. ['pretrain', 'lerningRate'] */
  readonly path: readonly (string | number)[];
  /** the closest known key at the same place, when one is close enough to be a typo */
  readonly suggestion?: string;
}

type Def = z.core.$ZodTypeDef & Record<string, unknown>;
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

export function unknownKeys(schema: z.ZodType, input: unknown, at: readonly (string | number)[] = []): UnknownKey[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return unknownKeys(def.innerType as z.ZodType, input, at);
  switch (def.type) {
    case 'pipe':
      return unknownKeys(def.in as z.ZodType, input, at);
    case 'lazy':
      return unknownKeys((def.getter as () => z.ZodType)(), input, at);
    case 'array':
      return Array.isArray(input) ? input.flatMap((v, i) => unknownKeys(def.element as z.ZodType, v, [...at, i])) : [];
    case 'record':
      return isPlainObject(input) ? Object.entries(input).flatMap(([k, v]) => unknownKeys(def.valueType as z.ZodType, v, [...at, k])) : [];
    case 'union':
      return unionUnknownKeys(def, input, at);
    case 'object':
      return objectUnknownKeys(def, input, at);
    default:
      return [];
  }
}

function objectUnknownKeys(def: Def, input: unknown, at: readonly (string | number)[]): UnknownKey[] {
  if (!isPlainObject(input)) return [];
  const shape = def.shape as Record<string, z.ZodType>;
  // an object that declares a catch-all (passthrough, a typed rest) accepts other keys on purpose
  const acceptsRest = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
  const known = Object.keys(shape);
  const found: UnknownKey[] = [];
  for (const [key, value] of Object.entries(input)) {
    const child = shape[key];
    if (child) found.push(...unknownKeys(child, value, [...at, key]));
    else if (!acceptsRest) found.push({ path: [...at, key], suggestion: closest(key, known) });
  }
  return found;
}

function unionUnknownKeys(def: Def, input: unknown, at: readonly (string | number)[]): UnknownKey[] {
  let options = def.options as z.ZodType[];
  const discriminator = def.discriminator as string | undefined;
  if (discriminator && isPlainObject(input)) {
    // judge the input against the variant its discriminator selects, not against all of them
    const selected = options.filter((o) => {
      const tag = (defOf(o).shape as Record<string, z.ZodType> | undefined)?.[discriminator];
      return tag?.safeParse(input[discriminator]).success ?? false;
    });
    if (selected.length > 0) options = selected;
  }
  let best: UnknownKey[] | undefined;
  for (const option of options) {
    const found = unknownKeys(option, input, at);
    if (!best || found.length < best.length) best = found;
  }
  return best ?? [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The known key within a typo's distance of `key` (edit distance, case-insensitive), if any. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters is one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Int32Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/** `path: unknown key 'x'; did you mean 'y'?` — one line per key, in the style of zod's issues. */
export function describeUnknownKey(found: UnknownKey): string {
  const key = String(found.path[found.path.length - 1]);
  const where = found.path.map(String).join('.');
  return `${where}: unknown key '${key}'${found.suggestion ? `; did you mean '${found.suggestion}'?` : ''}`;
}
