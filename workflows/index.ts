export * from './self-check';
export * from './pipeline';
export * from './backfill';
export * from './scheduled';
