// Public surface of the data library (step 1 of the method).
export * from './types';
export { RejectSchema, RejectLog, DataFileError, type Reject } from './rejects';
export { RawItemSchema, RawJudgmentSchema, rawEventSchema, timestampSchema, validateRow, type RawItem, type RawEvent, type RawJudgment } from './schemas';
export {
  DataSourceConfigSchema,
  PreprocessConfigSchema,
  SplitConfigSchema,
  LimitsSchema,
  SOURCE_FORMATS,
  parseDataSourceConfig,
  type DataSourceConfig,
  type DataSourceConfigInput,
  type PreprocessConfig,
  type SplitConfig,
  type Limits,
} from './source-config';
export { RawEventTable, type RawDataset, type LocatedItem } from './raw-events';
export { readLines } from './read/lines';
export { readDelimited } from './read/delimited';
export { readJsonl } from './read/jsonl';
export { readParquet } from './read/parquet';
export { loadSource } from './load';
export { loadMl100k, ML100K_RATING_TO_EVENT } from './adapters/ml-100k';
export { loadAmazonBeauty } from './adapters/amazon-beauty';
export { loadEsciUbi, UBI_ACTION_TO_EVENT, ESCI_GAIN_TO_RELEVANCE } from './adapters/esci-ubi';
export { loadCanonical } from './adapters/canonical';
export { preprocess, itemTextOf, type PreprocessResult, type PreprocessSummary } from './preprocess/preprocess';
export { sequencesOf, orderByUserTime } from './preprocess/sequences';
export { sessionize } from './preprocess/sessionize';
export { assignSplit, TRAIN, VALID, TEST } from './preprocess/split';
export { tokenizeItems, trainWordVocabulary, encodeWithVocabulary, encodeWithLocalTokenizer, wordsOf, SPECIAL_TOKENS } from './vocabulary';
export { writeDataset, readDataset, readManifest, readRejects, DatasetManifestSchema, type DatasetManifest } from './artifacts/arrow-dataset';
export { generateSynthetic, writeSynthetic, SyntheticConfigSchema, type SyntheticData, type SyntheticConfigInput } from './synthetic';
