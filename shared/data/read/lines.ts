// Streams a text file (plain or gzip) as physical lines without holding the file in memory.
// Bytes are split on '\n' before decoding so one bad byte sequence costs one row, not the file.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DataFileError, EXCERPT_CHARS } from '../rejects';

export type PhysicalLine =
  | { readonly line: number; readonly byteOffset: number; readonly text: string }
  | {
      readonly line: number;
      readonly byteOffset: number;
      readonly error: 'invalid-utf8' | 'line-too-long';
      readonly detail: string;
      readonly excerpt: string;
    };

export interface LineReaderOptions {
  /** a longer line is rejected (its bytes are skipped, not buffered) */
  readonly maxLineBytes: number;
  /** a tighter bound for line 1 (a header), named in the message by its setting */
  readonly firstLine?: { readonly maxBytes: number; readonly setting: string };
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    await handle.close();
  }
}

/** Throws DataFileError('empty-file') for a zero-byte file, ('missing-file') when absent. */
export async function assertReadableNonEmpty(file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new DataFileError(file, 'missing-file', 'file not found — check the configured path');
  }
  if (size === 0) throw new DataFileError(file, 'empty-file', 'file is empty (0 bytes) — expected a header or at least one row');
}

export async function* readLines(
  file: string,
  options: LineReaderOptions = { maxLineBytes: DEFAULT_MAX_LINE_BYTES },
): AsyncGenerator<PhysicalLine> {
  await assertReadableNonEmpty(file);
  const gzip = await isGzipFile(file);
  const raw = createReadStream(file);
  let compressedBytes = 0;
  raw.on('data', (chunk) => (compressedBytes += chunk.length));
  let source: NodeJS.ReadableStream = raw;
  if (gzip) {
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    raw.pipe(gunzip);
    source = gunzip;
  }

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let oversize = false;
  let lineNo = 0;
  let lineStart = 0; // decompressed byte offset of the current line
  let offset = 0; // decompressed bytes consumed
  const bodyLimit = { maxBytes: options.maxLineBytes, setting: 'limits.maxLineBytes' };
  const headerLimit = options.firstLine && options.firstLine.maxBytes < options.maxLineBytes ? options.firstLine : bodyLimit;
  const limitOf = (line: number) => (line === 1 ? headerLimit : bodyLimit);

  const finish = (tail: Buffer): PhysicalLine => {
    lineNo++;
    const totalBytes = partsBytes + tail.length;
    const bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    const start = lineStart;
    parts = [];
    partsBytes = 0;
    const wasOversize = oversize;
    oversize = false;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    if (wasOversize) {
      const limit = limitOf(lineNo);
      const crOnly = bytes.subarray(0, EXCERPT_CHARS).includes(0x0d) ? '; it contains carriage returns, so the file may use CR-only line breaks — convert them to LF' : '';
      return {
        line: lineNo,
        byteOffset: start,
        error: 'line-too-long',
        detail: `line ${lineNo} is ${totalBytes} bytes, over ${limit.setting}=${limit.maxBytes}${crOnly}; raise ${limit.setting} or fix the export`,
        excerpt: bytes.subarray(0, EXCERPT_CHARS).toString('latin1'),
      };
    }
    try {
      return { line: lineNo, byteOffset: start, text: decoder.decode(bytes.subarray(0, end)) };
    } catch {
      const bad = firstInvalidUtf8(bytes.subarray(0, end));
      return {
        line: lineNo,
        byteOffset: start,
        error: 'invalid-utf8',
        detail: `invalid UTF-8 at byte ${start + bad} (column ${bad + 1}); re-encode the file as UTF-8`,
        excerpt: bytes.subarray(0, EXCERPT_CHARS).toString('latin1'),
      };
    }
  };

  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        const piece = chunk.subarray(from, nl === -1 ? chunk.length : nl);
        if (!oversize) {
          if (partsBytes + piece.length > limitOf(lineNo + 1).maxBytes) {
            // keep only a prefix for the excerpt; skip the rest of the line without buffering it
            const keep = Math.max(0, EXCERPT_CHARS - partsBytes);
            if (keep > 0) parts.push(Buffer.from(piece.subarray(0, keep)));
            oversize = true;
          } else if (piece.length > 0) {
            parts.push(piece);
          }
        }
        partsBytes += piece.length;
        if (nl === -1) {
          offset += chunk.length - from;
          break;
        }
        offset += nl - from + 1;
        yield finish(Buffer.alloc(0));
        lineStart = offset;
        from = nl + 1;
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (gzip) {
      const truncated = /unexpected end of file/i.test(message);
      throw new DataFileError(
        file,
        truncated ? 'truncated-gzip' : 'corrupt-gzip',
        `${truncated ? 'gzip stream ends early' : `gzip data is corrupt (${message})`} at compressed byte offset ${compressedBytes} ` +
          `(decompressed byte ${offset}, after ${lineNo} complete lines); the ${lineNo} lines before it were read — ` +
          're-download or re-export the file to get the rest',
        lineNo + 1,
        compressedBytes,
      );
    }
    throw new DataFileError(file, 'read-error', `read failed at byte ${offset}: ${message}`, lineNo + 1, offset);
  }
  if (partsBytes > 0) yield finish(Buffer.alloc(0));
}

/** Index of the first byte that starts an invalid UTF-8 sequence (RFC 3629 rules). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need: number;
    let min: number;
    if (b < 0x80) { i++; continue; }
    else if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return 0;
}
