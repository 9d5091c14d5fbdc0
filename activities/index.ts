// Each step's activity: a thin adapter over the step runner; its pool comes from shared/pipeline/step-table.ts.
export * from './self-check';
export * from './run-records';
export * from './preprocess';
export * from './pretrain';
export * from './value';
export * from './finetune';
export * from './infer';
export * from './report';
export * from './partitions';
