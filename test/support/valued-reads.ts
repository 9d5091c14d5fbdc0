// What a bare run's infer step reported for the valued model, scored again two ways: from the
// histories its quarantine mode hands it, and from full histories.
import path from 'node:path';
import type { BareRun } from '../../shared/pipeline/bare';
import type { PipelineSpec } from '../../shared/pipeline/spec';
import { evaluateModel } from '../../shared/pipeline/steps/infer';
import { readInt32 } from '../../shared/pipeline/steps/typed-files';
import { readDataset } from '../../shared/data/artifacts/arrow-dataset';
import { loadModel } from '../../shared/ml/load-model';
import { disposeModel } from '../../shared/ml/encoder';
import { valuedModelData } from '../../shared/valuation/quarantine';

export async function valuedNdcgAsRead(run: BareRun, root: string, spec: PipelineSpec) {
  const ds = await readDataset(path.join(root, 'preprocess'));
  const selected = await readInt32(path.join(root, 'value', 'selected.i32'));
  const { model } = await loadModel(path.join(root, 'valued-finetune'));
  try {
    const reported = run.outcomes.find((o) => o.step === 'infer')!.outcome.labelledMetrics!.valued!['ndcg@10'];
    const asQuarantined = await evaluateModel(model, ds, spec, { reads: valuedModelData(ds, selected, spec.valuation.quarantine) });
    const fullHistories = await evaluateModel(model, ds, spec);
    return { reported, asQuarantined: asQuarantined.result, fullHistories: fullHistories.result };
  } finally {
    disposeModel(model);
  }
}
