// The spec's field reference, generated from the zod schemas through their JSON Schema
// (z.toJSONSchema), so the reference a user reads is the one the parser enforces:
// docs/spec.md (`npm run docs:spec`) and `assay spec --help` print it.
import { z } from 'zod';
import { SpecFileSchema } from './spec';

/** One documented field: its dotted path, the variant it belongs to, type, default and meaning. */
export interface FieldReference {
  readonly path: string;
  /** e.g. `format = csv | jsonl | parquet`, for a field of one variant of a union */
  readonly when?: string;
  readonly type: string;
  readonly default?: string;
  readonly required: boolean;
  readonly description?: string;
}

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
};

/** The spec file's JSON Schema as users write it (defaults applied by the parser are optional here). */
export function specJsonSchema(): JsonSchema {
  return z.toJSONSchema(SpecFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function bounds(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.minimum !== undefined && s.minimum > -MAX_SAFE) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < MAX_SAFE) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined && s.maxLength !== undefined && s.minLength === s.maxLength) parts.push(`${s.minLength} character${s.minLength === 1 ? '' : 's'}`);
  else if (s.minLength !== undefined && s.minLength > 1) parts.push(`≥ ${s.minLength} characters`);
  return parts.length > 0 ? ` ${parts.join(', ')}` : '';
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const variants = s.oneOf ?? s.anyOf;
  if (variants) return variants.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]${s.minItems ? ` (≥ ${s.minItems})` : ''}`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : s.type ?? 'any';
  return `${t}${bounds(s)}`;
}

const isObject = (s: JsonSchema) => s.properties !== undefined;
const variantsOf = (s: JsonSchema) => (s.oneOf ?? s.anyOf ?? []).filter(isObject);

/** The property that tells a union's object variants apart (a const or an enum in each). */
function discriminatorOf(variants: JsonSchema[]): string | undefined {
  const first = variants[0]?.properties ?? {};
  return Object.keys(first).find((key) => variants.every((v) => {
    const p = v.properties?.[key];
    return p !== undefined && (p.const !== undefined || p.enum !== undefined);
  }));
}

function tagOf(variant: JsonSchema, key: string): string {
  const p = variant.properties![key]!;
  return p.const !== undefined ? String(p.const) : (p.enum ?? []).map(String).join(' | ');
}

function walk(s: JsonSchema, at: string, required: boolean, when: string | undefined, out: FieldReference[]): void {
  const variants = variantsOf(s);
  const own: FieldReference = {
    path: at,
    ...(when ? { when } : {}),
    type: isObject(s) || variants.length > 0 ? 'object' : typeOf(s),
    ...(s.default !== undefined && !(typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0) ? { default: JSON.stringify(s.default) } : {}),
    required,
    ...(s.description ? { description: s.description } : {}),
  };
  if (at !== '') out.push(own);
  if (isObject(s)) {
    for (const [key, child] of Object.entries(s.properties!)) walk(child, at ? `${at}.${key}` : key, s.required?.includes(key) ?? false, when, out);
    return;
  }
  if (variants.length === 0) return;
  // a union of objects: fields every variant declares alike once, then each variant's own
  const key = discriminatorOf(variants);
  const shared = Object.keys(variants[0]!.properties!).filter((k) => k !== key && variants.every((v) => JSON.stringify(v.properties?.[k]) === JSON.stringify(variants[0]!.properties![k])));
  if (key) {
    const tag: JsonSchema = { type: 'string', enum: variants.flatMap((v) => v.properties![key]!.const !== undefined ? [v.properties![key]!.const] : v.properties![key]!.enum ?? []), description: variants.map((v) => v.properties![key]!.description).filter(Boolean).join('; ') || undefined };
    const dflt = variants.map((v) => v.properties![key]!.default).find((d) => d !== undefined) ?? (s.default as Record<string, unknown> | undefined)?.[key];
    walk({ ...tag, ...(dflt !== undefined ? { default: dflt } : {}) }, `${at}.${key}`, variants.every((v) => v.required?.includes(key)) && dflt === undefined, when, out);
  }
  for (const k of shared) walk(variants[0]!.properties![k]!, `${at}.${k}`, variants[0]!.required?.includes(k) ?? false, when, out);
  // a field several variants declare alike is listed once, naming them all
  const listed = new Set<string>();
  for (const variant of variants) {
    for (const [k, child] of Object.entries(variant.properties!)) {
      const same = variants.filter((v) => JSON.stringify(v.properties?.[k]) === JSON.stringify(child));
      const id = `${k} ${JSON.stringify(child)}`;
      if (k === key || shared.includes(k) || listed.has(id)) continue;
      listed.add(id);
      const label = key ? `${key} = ${same.map((v) => tagOf(v, key)).join(' | ')}` : undefined;
      walk(child, `${at}.${k}`, variant.required?.includes(k) ?? false, label, out);
    }
  }
}

/** Every field of the spec file, in schema order. */
export function specFields(schema: JsonSchema = specJsonSchema()): FieldReference[] {
  const out: FieldReference[] = [];
  walk(schema, '', true, undefined, out);
  return out;
}

/** Fields without a description: each must say what it does (the docs test keeps this empty). */
export function undocumentedFields(fields: readonly FieldReference[] = specFields()): string[] {
  return fields.filter((f) => !f.description).map((f) => (f.when ? `${f.path} (${f.when})` : f.path));
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ').replaceAll('<', '&lt;');
const pipeSafe = (text: string) => text.replaceAll('\\|', '|');

/** docs/spec.md: one table per top-level section. */
export function specMarkdown(fields: readonly FieldReference[] = specFields()): string {
  const lines = [
    '# Pipeline spec reference',
    '',
    '<!-- Generated by `npm run docs:spec` from the zod schemas (shared/pipeline/spec.ts and what it',
    '     composes); edit the schemas\' .describe() texts, not this file. A test fails when it is stale. -->',
    '',
    'A spec is one JSON file (`assay run <spec>`, `assay validate <spec>`); `specs/` has examples.',
    'Unknown keys are errors (with the closest known key), and so is every value outside the',
    'bounds below; a field left out takes its default. Paths in `source` are relative to the spec',
    'file; `source.dataset` names a folder in `ASSAY_DATA_DIR`. The input columns of the generic',
    'formats: [data-format.md](data-format.md).',
  ];
  // scalars at the top level share one table; every object gets its own
  const parents = new Set(fields.map((f) => f.path.split('.')[0]!).filter((top) => fields.some((f) => f.path.startsWith(`${top}.`))));
  const sections = new Map<string, FieldReference[]>([['top level', []]]);
  for (const f of fields) {
    const top = f.path.split('.')[0]!;
    const section = parents.has(top) ? `\`${top}\`` : 'top level';
    sections.set(section, [...(sections.get(section) ?? []), f]);
  }
  for (const [section, rows] of sections) {
    lines.push('', `## ${section}`, '', '| field | type | default | meaning |', '| --- | --- | --- | --- |');
    for (const f of rows) {
      const name = `\`${f.path}\`${f.required ? ' (required)' : ''}${f.when ? ` — when ${cell(f.when)}` : ''}`;
      lines.push(`| ${name} | ${f.type} | ${f.default !== undefined ? `\`${cell(f.default)}\`` : ''} | ${cell(f.description ?? '')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The same reference as plain text for the terminal (`assay spec --help`). */
export function specText(fields: readonly FieldReference[] = specFields()): string {
  return fields.map((f) => {
    const head = `${f.path}${f.required ? ' (required)' : ''}${f.when ? `  [when ${f.when}]` : ''}  ${pipeSafe(f.type)}${f.default !== undefined ? ` = ${f.default}` : ''}`;
    return f.description ? `${head}\n    ${f.description}` : head;
  }).join('\n');
}
