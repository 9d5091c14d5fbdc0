// A minimal Parquet writer for test fixtures only (no Parquet writer is installed): one row
// group, REQUIRED columns, PLAIN encoding, no compression — the simplest valid file per the
// Apache Parquet format spec, its metadata in Thrift compact protocol.
import { writeFileSync } from 'node:fs';

type Column = { name: string; kind: 'int64' | 'double' | 'utf8'; values: (number | string)[] };

class Compact {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    this.bytes.push((delta << 4) | type);
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void { this.field(id, 5); this.zigzag(v); }
  i64(id: number, v: number): void { this.field(id, 6); this.zigzag(v); }
  str(id: number, s: string): void { this.field(id, 8); this.binary(s); }
  binary(s: string): void { const b = Buffer.from(s); this.varint(BigInt(b.length)); this.bytes.push(...b); }
  struct(id: number, body: () => void): void { this.field(id, 12); this.begin(); body(); this.end(); }
  begin(): void { this.last.push(0); }
  end(): void { this.bytes.push(0); this.last.pop(); }
  list(id: number, elemType: number, n: number, each: (i: number) => void): void {
    this.field(id, 9);
    if (n < 15) this.bytes.push((n << 4) | elemType);
    else { this.bytes.push(0xf0 | elemType); this.varint(BigInt(n)); }
    for (let i = 0; i < n; i++) each(i);
  }
}

const PHYSICAL = { int64: 2, double: 5, utf8: 6 } as const;

export function writeParquet(path: string, columns: Column[]): void {
  const rows = columns[0]!.values.length;
  const out: number[] = [...Buffer.from('PAR1')];
  const chunks: { offset: number; size: number }[] = [];
  for (const col of columns) {
    const data: number[] = [];
    for (const v of col.values) {
      if (col.kind === 'utf8') {
        const b = Buffer.from(String(v));
        const len = Buffer.alloc(4);
        len.writeUInt32LE(b.length);
        data.push(...len, ...b);
      } else {
        const b = Buffer.alloc(8);
        if (col.kind === 'int64') b.writeBigInt64LE(BigInt(v as number));
        else b.writeDoubleLE(v as number);
        data.push(...b);
      }
    }
    const header = new Compact();
    header.i32(1, 0); // DATA_PAGE
    header.i32(2, data.length);
    header.i32(3, data.length);
    header.struct(5, () => {
      header.i32(1, rows);
      header.i32(2, 0); // PLAIN
      header.i32(3, 3); // RLE
      header.i32(4, 3);
    });
    header.bytes.push(0);
    chunks.push({ offset: out.length, size: header.bytes.length + data.length });
    out.push(...header.bytes, ...data);
  }
  const meta = new Compact();
  meta.i32(1, 1);
  meta.list(2, 12, columns.length + 1, (i) => {
    meta.begin();
    if (i === 0) {
      meta.str(4, 'schema');
      meta.i32(5, columns.length);
    } else {
      const col = columns[i - 1]!;
      meta.i32(1, PHYSICAL[col.kind]);
      meta.i32(3, 0); // REQUIRED
      meta.str(4, col.name);
      if (col.kind === 'utf8') meta.i32(6, 0); // UTF8
    }
    meta.end();
  });
  meta.i64(3, rows);
  meta.list(4, 12, 1, () => {
    meta.begin();
    meta.list(1, 12, columns.length, (i) => {
      const col = columns[i]!;
      const chunk = chunks[i]!;
      meta.begin();
      meta.i64(2, chunk.offset);
      meta.struct(3, () => {
        meta.i32(1, PHYSICAL[col.kind]);
        meta.list(2, 5, 1, () => meta.zigzag(0));
        meta.list(3, 8, 1, () => meta.binary(col.name));
        meta.i32(4, 0);
        meta.i64(5, rows);
        meta.i64(6, chunk.size);
        meta.i64(7, chunk.size);
        meta.i64(9, chunk.offset);
      });
      meta.end();
    });
    meta.i64(2, chunks.reduce((n, c) => n + c.size, 0));
    meta.i64(3, rows);
    meta.end();
  });
  meta.bytes.push(0);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(meta.bytes.length);
  writeFileSync(path, Buffer.from([...out, ...meta.bytes, ...len, ...Buffer.from('PAR1')]));
}
