// Search input that the data or the spec cannot satisfy (no logged search, too few searches for
// the folds) is the user's to fix, so a step fails as invalid input, which is not retried,
// instead of as an error Temporal would retry to the same end.
import { SearchInputError } from '../../search/search-task';
import { InvalidInputError } from '../errors';

export function refuseBadSearchInput<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    throw err instanceof SearchInputError ? new InvalidInputError(err.message) : err;
  });
}
