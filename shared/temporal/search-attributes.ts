// Typed search attributes, so a run can be found in the Temporal UI by dataset, partition,
// current step, model or code version without the CLI. The dev stack registers exactly these.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DATASET = defineSearchAttributeKey('AssayDataset', SearchAttributeType.KEYWORD);
export const PARTITION = defineSearchAttributeKey('AssayPartition', SearchAttributeType.KEYWORD);
export const STEP = defineSearchAttributeKey('AssayStep', SearchAttributeType.KEYWORD);
export const MODEL_ID = defineSearchAttributeKey('AssayModelId', SearchAttributeType.KEYWORD);
export const CODE_VERSION = defineSearchAttributeKey('AssayCodeVersion', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('AssayStatus', SearchAttributeType.KEYWORD);

export const ASSAY_SEARCH_ATTRIBUTES = [DATASET, PARTITION, STEP, MODEL_ID, CODE_VERSION, STATUS] as const;

/** Set by Temporal on workflows a Schedule starts: the nominal (not actual) start time. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
