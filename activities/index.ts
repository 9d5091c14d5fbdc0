export * from './self-check';
export * from './run-records';
export * from './preprocess';
export * from './pretrain';
export * from './value';
export * from './finetune';
export * from './infer';
export * from './report';
