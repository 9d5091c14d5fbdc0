// The one error type that means "the input is wrong": activities turn it into a
// non-retryable Temporal failure (retrying cannot fix bad data), everything else retries.
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(message: string, readonly location?: string) {
    super(location ? `${location}: ${message}` : message);
  }
}
