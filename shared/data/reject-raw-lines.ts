// Rejects decided after parsing (duplicates, interaction filters, unknown items) only have the
// parsed fields at hand; a data engineer fixing the source needs the line as it is in the file.
// One streaming pass over each text file that has such rejects puts the raw line back.
// Parquet rows have no text line, and a file no longer readable keeps the parsed fields.
import { existsSync } from 'node:fs';
import { excerptOf, type Reject } from './rejects';
import { readLines } from './read/lines';

const NOT_TEXT = /\.parquet$/i;

/** The rejects with every excerpt replaced by its source line (truncated), where the file can be read as text. */
export async function withRawLines(rejects: readonly Reject[]): Promise<Reject[]> {
  const wanted = new Map<string, Set<number>>();
  for (const r of rejects) {
    if (r.line < 1 || NOT_TEXT.test(r.file) || !existsSync(r.file)) continue;
    const lines = wanted.get(r.file) ?? new Set<number>();
    lines.add(r.line);
    wanted.set(r.file, lines);
  }
  const raw = new Map<string, string>();
  for (const [file, lines] of wanted) {
    let last = 0;
    for (const l of lines) last = Math.max(last, l);
    for await (const physical of readLines(file)) {
      if (physical.line > last) break;
      if (!lines.has(physical.line)) continue;
      raw.set(`${physical.line}\u0000${file}`, 'text' in physical ? excerptOf(physical.text.replace(/\r$/, '')) : physical.excerpt);
    }
  }
  return rejects.map((r) => {
    const line = raw.get(`${r.line}\u0000${r.file}`);
    return line === undefined ? r : { ...r, excerpt: line };
  });
}
