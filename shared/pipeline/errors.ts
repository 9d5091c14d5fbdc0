// The one error type that means "the input is wrong": activities turn it into a
// non-retryable Temporal failure (retrying cannot fix bad data), everything else retries.
import { clipText, MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS } from '../data/bounded-text';

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  readonly location?: string;
  constructor(message: string, location?: string) {
    // the location goes first and the reason is clipped, so the message always fits a Temporal failure
    const where = location === undefined ? undefined : clipText(location, MAX_DETAIL_CHARS);
    const reason = clipText(message, MAX_MESSAGE_CHARS);
    super(where ? `${where}: ${reason}` : reason);
    this.location = where;
  }
}
