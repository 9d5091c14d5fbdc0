// The infer step records its metrics on test targets new to training (items the models know by
// their text alone) under labels `cold-items:<model>`; the report finds them by this prefix.
export const COLD_ITEMS_PREFIX = 'cold-items:';
