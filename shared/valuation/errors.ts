// Errors valuation raises on bad input. Each names the argument (a path such as
// `train.emb` or `config.k`), what is wrong with it, and what to do next. Bad input is the
// caller's or the data's fault, so activities map ValuationInputError to a non-retryable failure.

export class ValuationInputError extends Error {
  override readonly name = 'ValuationInputError';
  constructor(
    /** dotted path of the offending argument, e.g. `train.labels` or `config.keep` */
    readonly argument: string,
    problem: string,
    fix: string,
  ) {
    super(`Invalid valuation input ${argument}: ${problem}. ${fix}`);
  }
}
