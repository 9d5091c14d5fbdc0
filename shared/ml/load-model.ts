// Rebuilds a model from any checkpoint directory a pretraining or fine-tuning run wrote,
// for fine-tuning from a stored pretrain artifact or for inference.
import { loadCheckpoint } from './checkpoint';
import { modelFromWeights, type NamedWeights, type RecModel } from './encoder';
import type { CheckpointMeta } from './training-loop';

export async function loadModel(checkpointDir: string): Promise<{ model: RecModel; meta: CheckpointMeta }> {
  const ck = await loadCheckpoint<CheckpointMeta>(checkpointDir);
  const params: NamedWeights = {};
  for (const [name, t] of Object.entries(ck.tensors)) if (name.startsWith('param/')) params[name.slice(6)] = t;
  return { model: modelFromWeights(ck.meta.encoder, ck.meta.vocabulary, params), meta: ck.meta };
}
