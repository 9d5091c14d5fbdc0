// The valuation unit (docs/architecture.md §1 step 3): values are computed per example, then averaged over
// the unit — an interaction (itself), a session, or a user — and broadcast back, so every
// example of a unit carries the unit's mean value and selection keeps or quarantines whole units.
import type { InteractionTable } from '../data/types';
import { ValuationInputError } from './errors';

export const VALUATION_UNITS = ['interaction', 'session', 'user'] as const;
export type ValuationUnit = (typeof VALUATION_UNITS)[number];

/** The unit each row of `table` belongs to (interaction → the row itself). */
export function unitOfRows(table: InteractionTable, unit: ValuationUnit): Int32Array {
  if (unit === 'interaction') return Int32Array.from({ length: table.length }, (_, i) => i);
  if (unit === 'user') return table.user;
  for (let i = 0; i < table.length; i++) {
    if (table.session[i]! < 0) {
      throw new ValuationInputError(`table.session[${i}]`, 'is -1 (not sessionized)', "Run preprocessing's sessionize step first, or value by 'interaction' or 'user'.");
    }
  }
  return table.session;
}

export interface UnitValues {
  /** distinct unit ids, ascending */
  readonly units: Int32Array;
  /** mean example value per unit, aligned with `units` */
  readonly unitValues: Float64Array;
  /** per example: its unit's mean value */
  readonly broadcast: Float64Array;
}

export function aggregateByUnit(values: Float64Array, unitOf: Int32Array): UnitValues {
  if (unitOf.length !== values.length) {
    throw new ValuationInputError('unitOf', `has ${unitOf.length} entries for ${values.length} values`, 'Pass one unit id per valued example, in the same order.');
  }
  let maxUnit = -1;
  for (let i = 0; i < unitOf.length; i++) {
    if (unitOf[i]! < 0) throw new ValuationInputError(`unitOf[${i}]`, `is ${unitOf[i]}`, 'Unit ids are dense non-negative indices.');
    if (unitOf[i]! > maxUnit) maxUnit = unitOf[i]!;
  }
  const sum = new Float64Array(maxUnit + 1);
  const count = new Int32Array(maxUnit + 1);
  for (let i = 0; i < values.length; i++) {
    sum[unitOf[i]!]! += values[i]!;
    count[unitOf[i]!]!++;
  }
  const units: number[] = [];
  for (let u = 0; u <= maxUnit; u++) if (count[u]! > 0) units.push(u);
  const mean = sum.map((s, u) => (count[u]! > 0 ? s / count[u]! : 0));
  return {
    units: Int32Array.from(units),
    unitValues: Float64Array.from(units, (u) => mean[u]!),
    broadcast: Float64Array.from(unitOf, (u) => mean[u]!),
  };
}
