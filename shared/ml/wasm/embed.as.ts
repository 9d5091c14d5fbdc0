// AssemblyScript (see attention.as.ts): the encoder's input rows, one pass each way, in place
// of tfjs's lookup, scale Mul, position Add and dropout Mul (and, backward, the Mul, the Sum
// over the batch and the Pad of the positions' gradient). Each element takes the same f32
// operations in the same order as those ops, and the factors come from dropout.as.ts's stream.
//   table f32 [rows × cols], ids i32 [n] (n = batch·len), pos f32 [posRows × cols]
//   out   f32 [n × cols]: row r = (table[ids[r]]·scale + pos[first + r mod len])·factor
// cols must be a multiple of 4.

import { keepFrom, nextFactors4, seedDraws } from './lib/mulberry32.as';
import { apart, bytes4, inMemory } from './lib/check.as';

export function embedForward(table: usize, ids: usize, pos: usize, out: usize, n: i32, len: i32, cols: i32, first: i32, scale: f32, dropout: i32, seedState: u32, threshold: f64, keep: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(n >= 0 && len > 0 && first >= 0 && cols >= 0 && cols % 4 == 0, 'embedForward: n ≥ 0, len > 0, first ≥ 0, cols a multiple of 4');
    assert(inMemory(ids, bytes4(n)) && inMemory(out, bytes4(n, cols)) && inMemory(pos, bytes4(first + min(n, len), cols)), 'embedForward: ids, out or the positions read lie outside memory');
  }
  seedDraws(seedState);
  const limits = i32x4.splat(keepFrom(threshold));
  const kept = f32x4.splat(keep);
  const scales = f32x4.splat(scale);
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < n; r++) {
    if (!ASC_NO_ASSERT) assert(load<i32>(ids + (<usize>r << 2)) >= 0 && inMemory(table + <usize>load<i32>(ids + (<usize>r << 2)) * rowBytes, <u64>rowBytes), 'embedForward: an id whose row lies outside memory');
    const t = table + <usize>load<i32>(ids + (<usize>r << 2)) * rowBytes;
    const p = pos + <usize>(first + r % len) * rowBytes;
    const o = out + <usize>r * rowBytes;
    for (let c = 0; c < cols; c += 4) {
      const at = <usize>c << 2;
      let v = f32x4.add(f32x4.mul(v128.load(t + at), scales), v128.load(p + at));
      if (dropout) v = f32x4.mul(v, nextFactors4(limits, kept));
      v128.store(o + at, v);
    }
  }
}

/**
 * dTable = Σ_r (dy_r·factor)·scale into row ids[r], dPos = Σ_r dy_r·factor into row first + r mod
 * len, each summed in r order from 0 (`accumulate` 0), or onto what they hold (1: a later row
 * block of the same op).
 */
export function embedBackward(dy: usize, ids: usize, dTable: usize, dPos: usize, n: i32, len: i32, cols: i32, tableRows: i32, posRows: i32, first: i32, scale: f32, accumulate: i32, dropout: i32, seedState: u32, threshold: f64, keep: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(n >= 0 && len > 0 && first >= 0 && cols >= 0 && cols % 4 == 0 && first + min(n, len) <= posRows, 'embedBackward: n ≥ 0, len > 0, cols a multiple of 4, the positions within posRows');
    assert(inMemory(dy, bytes4(n, cols)) && inMemory(ids, bytes4(n)) && inMemory(dTable, bytes4(tableRows, cols)) && inMemory(dPos, bytes4(posRows, cols)), 'embedBackward: an operand lies outside memory');
    assert(apart(dTable, bytes4(tableRows, cols), dPos, bytes4(posRows, cols)), 'embedBackward: dTable overlaps dPos');
  }
  seedDraws(seedState);
  const limits = i32x4.splat(keepFrom(threshold));
  const kept = f32x4.splat(keep);
  const scales = f32x4.splat(scale);
  const rowBytes = <usize>cols << 2;
  if (!accumulate) {
    memory.fill(dTable, 0, <usize>tableRows * rowBytes);
    memory.fill(dPos, 0, <usize>posRows * rowBytes);
  }
  for (let r = 0; r < n; r++) {
    const g = dy + <usize>r * rowBytes;
    if (!ASC_NO_ASSERT) assert(<u32>load<i32>(ids + (<usize>r << 2)) < <u32>tableRows, 'embedBackward: an id outside [0, tableRows)');
    const t = dTable + <usize>load<i32>(ids + (<usize>r << 2)) * rowBytes;
    const p = dPos + <usize>(first + r % len) * rowBytes;
    for (let c = 0; c < cols; c += 4) {
      const at = <usize>c << 2;
      let v = v128.load(g + at);
      if (dropout) v = f32x4.mul(v, nextFactors4(limits, kept));
      v128.store(p + at, f32x4.add(v128.load(p + at), v));
      v128.store(t + at, f32x4.add(v128.load(t + at), f32x4.mul(v, scales)));
    }
  }
}
