// `assay validate`'s work, without the terminal: read and validate a spec's data exactly as
// the preprocess step would, profile it, estimate the training cost, and say what deserves a
// look before a run starts.
import { loadSource, preprocess } from '../data';
import { profileDataset, type DatasetProfile } from '../data/profile';
import { estimateResources, type ResourceEstimate } from './estimate';
import { sourceForPartition, type PipelineSpec } from './spec';
import { sourceFilesOf } from './steps/source-files';

/** Above this share of repeat test targets, excluding seen items hides most of what users do. */
export const HIGH_TEST_REPEAT_SHARE = 0.2;

export interface SpecValidation {
  readonly profile: DatasetProfile;
  readonly estimate: ResourceEstimate;
  readonly warnings: readonly string[];
  /** false when the run would fail: nothing left to train on */
  readonly trainable: boolean;
}

export async function validateSpecData(spec: PipelineSpec): Promise<SpecValidation> {
  const source = sourceForPartition(spec);
  // the same checks (allowed roots first) the preprocess step makes before it reads anything
  await sourceFilesOf(source);
  const raw = await loadSource(source);
  const result = await preprocess(raw, source.preprocess);
  const profile = profileDataset(raw, result);
  const estimate = estimateResources(spec, { users: profile.users, items: profile.items, trainEvents: profile.split.train, vocabulary: result.summary.vocabulary });
  const missing = missingFeatureData(spec, profile);
  return { profile, estimate, warnings: [...warningsOf(spec, profile), ...missing], trainable: profile.split.train > 0 && missing.length === 0 };
}

/** Switches that need data the source does not have: the run would fail at that step. */
function missingFeatureData(spec: PipelineSpec, p: DatasetProfile): string[] {
  const out: string[] = [];
  const column = spec.finetune.exampleWeight;
  if (column !== undefined && column !== 'none' && !p.weightColumns[column]) {
    out.push(`finetune.exampleWeight is '${column}' but the events have no ${column} column: the fine-tune step would fail (docs/data-format.md, "Example weights")`);
  }
  if (spec.pretrain.encoder.priceBuckets !== undefined && p.itemsWithPrice === 0) {
    out.push('pretrain.encoder.priceBuckets is set but no item has a price: the pretrain step would fail (add a price column to the items file, or leave priceBuckets out)');
  }
  return out;
}

function warningsOf(spec: PipelineSpec, p: DatasetProfile): string[] {
  const warnings: string[] = [];
  for (const [file, columns] of Object.entries(p.unknownColumns)) {
    if (columns.length > 0) warnings.push(`${file}: column(s) ${columns.join(', ')} are not read (docs/data-format.md lists the columns Assay reads)`);
  }
  if (p.itemsPruned > 0) warnings.push(`${p.itemsPruned} catalogue item(s) no event mentions are left out of the model (source.preprocess.pruneItemsWithoutEvents)`);
  else if (p.itemsWithoutEvents > 0) warnings.push(`${p.itemsWithoutEvents} catalogue item(s) no event mentions stay in the model's item set, each a softmax class; set source.preprocess.pruneItemsWithoutEvents to true to leave them out`);
  if (spec.infer.excludeSeen && p.testRepeatShare > HIGH_TEST_REPEAT_SHARE) {
    warnings.push(`${percent(p.testRepeatShare)} of the test targets are items the user already had; with infer.excludeSeen true they can never be hits — set it to false for repeat consumption`);
  }
  if (p.rejects > 0) warnings.push(`${p.rejects} row(s) rejected; the preprocess step's rejects artifact lists each with file, line and reason`);
  if (p.split.train === 0) warnings.push('no training interactions are left: nothing can be trained');
  return warnings;
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
