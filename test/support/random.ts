// Seeded floats in [0, 1) for test inputs, from the project's own generator.
import { Random } from '../../shared/random';

export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}
