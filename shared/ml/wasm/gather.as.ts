// AssemblyScript (see attention.as.ts): an embedding lookup and its gradient, on the tfjs WASM
// heap (../kernels/gather-rows.ts), where the table is read in place instead of copied out of the
// backend and the gradient is summed where the backend keeps it instead of copied in.
//   table f32 [rows × cols], ids i32 [n] (each in [0, rows)), out f32 [n × cols]
//   dy f32 [n × cols] → grad f32 [rows × cols]

import { apart, bytes4, inMemory } from './lib/check.as';

/** out[i] = table[ids[i]] for i < n. */
export function gatherRows(table: usize, ids: usize, out: usize, n: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(n >= 0 && cols >= 0 && inMemory(ids, bytes4(n)) && inMemory(out, bytes4(n, cols)), 'gatherRows: ids or out lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  for (let i = 0; i < n; i++) {
    if (!ASC_NO_ASSERT) assert(load<i32>(ids + (<usize>i << 2)) >= 0 && inMemory(table + <usize>load<i32>(ids + (<usize>i << 2)) * rowBytes, <u64>rowBytes), 'gatherRows: an id whose row lies outside memory');
    memory.copy(out + <usize>i * rowBytes, table + <usize>load<i32>(ids + (<usize>i << 2)) * rowBytes, rowBytes);
  }
}

/** grad = 0, then grad[ids[i]] += dy[i] for i in order (so the sums are the same on every run and in the JS loop). */
export function scatterAddRows(dy: usize, ids: usize, grad: usize, n: i32, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(n >= 0 && rows >= 0 && cols >= 0, 'scatterAddRows: n, rows and cols ≥ 0');
    assert(inMemory(dy, bytes4(n, cols)) && inMemory(ids, bytes4(n)) && inMemory(grad, bytes4(rows, cols)) && apart(grad, bytes4(rows, cols), dy, bytes4(n, cols)), 'scatterAddRows: an operand lies outside memory, or grad over dy');
  }
  const rowBytes = <usize>cols << 2;
  memory.fill(grad, 0, <usize>rows * rowBytes);
  const wide = cols & ~3;
  for (let i = 0; i < n; i++) {
    if (!ASC_NO_ASSERT) assert(<u32>load<i32>(ids + (<usize>i << 2)) < <u32>rows, 'scatterAddRows: an id outside [0, rows)');
    const dst = grad + <usize>load<i32>(ids + (<usize>i << 2)) * rowBytes;
    const src = dy + <usize>i * rowBytes;
    let c = 0;
    for (; c < wide; c += 4) {
      const o = <usize>c << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

/** at[0, floats) = 0: the rows of a table-sized gradient that a class block's product leaves untouched. */
export function fillZeros(at: usize, floats: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(floats >= 0 && inMemory(at, bytes4(floats)), 'fillZeros: the region lies outside memory');
  }
  memory.fill(at, 0, <usize>floats << 2);
}
