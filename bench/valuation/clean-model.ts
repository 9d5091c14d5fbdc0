// A model of the clean data that trains, printed beside the values with --clean-model on: the
// bench's own cross-fit told the ground truth — pretrained on the clean rows only, each fold's
// warm-up trained on the other folds' clean rows only — scoring every interaction from the
// history the pipeline sees. It is what the values would read if the method already knew which
// rows are clean: the counting references (reference-detectors.ts) bound what popularity and
// co-occurrence can say, this one what the trained sequence model can. A detection target
// above it asks for evidence the interactions do not carry, not a better way to value them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { valuationSeed, type PipelineSpec } from '../../shared/pipeline/spec';
import type { CrossFitSettingValues } from '../../shared/valuation/cross-fit-config';
import { crossFitValues } from '../../shared/valuation/cross-fit';
import { noiseDetectionQuality } from '../../shared/valuation/detection';
import { keptTable } from '../../shared/valuation/quarantine';
import { pretrainOn } from './pipeline-path';
import { rowsWithoutNoise, type NoiseSetting } from './protocol';
import type { ReferenceDetection } from './reference-detectors';

export async function cleanModelDetection(setting: Pick<NoiseSetting, 'ds' | 'noisy'>, spec: PipelineSpec, crossFit: Readonly<CrossFitSettingValues>): Promise<ReferenceDetection> {
  const started = performance.now();
  const values = await cleanModelValues(setting, spec, crossFit);
  const scored = crossFit.scoreItems === undefined ? 'the whole catalogue' : `${crossFit.scoreItems} sampled items`;
  return {
    label: `model of the clean data: cross-fit (${crossFit.folds} folds × ${crossFit.warmupEpochs} warm-up epochs, ${crossFit.directions}, against ${scored}) pretrained and fitted on the clean rows only (reads the ground truth)`,
    kind: 'clean-data model',
    quality: noiseDetectionQuality(values, setting.noisy),
    seconds: (performance.now() - started) / 1000,
  };
}

/** One value per training interaction, from a pretrain and fold warm-ups that never trained on a noisy row. */
export async function cleanModelValues({ ds, noisy }: Pick<NoiseSetting, 'ds' | 'noisy'>, spec: PipelineSpec, crossFit: Readonly<CrossFitSettingValues>): Promise<Float64Array> {
  const clean = Uint8Array.from(noisy, (x) => 1 - x);
  const pretrained = await pretrainOn({ ...ds, train: keptTable(ds.train, rowsWithoutNoise(noisy)).table }, spec);
  const checkpointDir = await mkdtemp(path.join(tmpdir(), 'assay-bench-clean-model-'));
  try {
    return await crossFitValues({ numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train, trainable: clean }, pretrained.model, spec.finetune, { ...crossFit, seed: valuationSeed(spec) }, { checkpointDir });
  } finally {
    await pretrained.dispose();
    await rm(checkpointDir, { recursive: true, force: true });
  }
}
