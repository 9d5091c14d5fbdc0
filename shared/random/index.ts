// The seeded generators: one interface (Rng), two streams (docs/decisions/0014-one-seeded-generator.md).
export { Rng } from './rng';
export { mixSeed, Random } from './mulberry32';
export { Sfc32 } from './sfc32';
export { seededRowSample } from './row-sample';
