// Copies of variables' values kept beside the backend, one per version, so that repeated row
// lookups in one training step read an embedding table out of the backend once.
import type * as tf from '@tensorflow/tfjs';
import { dataIdOf } from './tfjs-internals';

/**
 * A variable's values, copied out of the backend once per version: a training step looks
 * rows up in the same embedding table several times (inputs, targets, negatives), and
 * Amazon Beauty's table is 14 MB. Keyed weakly on the backend buffer handle, which a
 * variable swaps on every assign, so a stale copy is never served and none outlives it.
 */
const variableCopies = new WeakMap<object, Float32Array>();

/** The backend buffer handle a variable holds now; every assign swaps it. */
export function versionOf(variable: tf.Variable): object {
  return dataIdOf(variable);
}

/**
 * Records `values` as the current version's copy (the optimizer's array it just assigned),
 * sparing the next lookup a read-back. The caller may change `values` only on its way to
 * assigning the variable its next version.
 */
export function rememberVariableValues(variable: tf.Variable, values: Float32Array): void {
  variableCopies.set(versionOf(variable), values);
}

/** The values of `table`'s current version, read out of the backend at most once per version. */
export function currentValues(table: tf.Variable): Float32Array {
  const handle = versionOf(table);
  let values = variableCopies.get(handle);
  if (!values) {
    values = table.dataSync() as Float32Array;
    variableCopies.set(handle, values);
  }
  return values;
}
