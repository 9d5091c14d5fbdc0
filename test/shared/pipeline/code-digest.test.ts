// A step's code digest on a temporary copy of the real source tree: editing a library a step
// imports changes that step's digest (and so its fingerprint) and those of every step that
// reaches the library, while the steps that do not import it keep theirs.
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { codeDigest, SOURCE_ROOT } from '../../../shared/pipeline/code-digest';
import { STEPS, type StepName } from '../../../shared/pipeline/contract';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'assay-code-'));
  cpSync(path.join(SOURCE_ROOT, 'shared'), path.join(root, 'shared'), { recursive: true });
  cpSync(path.join(SOURCE_ROOT, 'package-lock.json'), path.join(root, 'package-lock.json'));
  cpSync(path.join(SOURCE_ROOT, 'build', 'wasm'), path.join(root, 'build', 'wasm'), { recursive: true });
});

async function digests(): Promise<Record<StepName, string>> {
  const entries = await Promise.all(STEPS.map(async (s) => [s, (await codeDigest(path.join(root, 'shared/pipeline/steps', `${s}.ts`), root)).digest] as const));
  return Object.fromEntries(entries) as Record<StepName, string>;
}

/** The steps whose digest differs between two snapshots. */
function changed(before: Record<StepName, string>, after: Record<StepName, string>): StepName[] {
  return STEPS.filter((s) => before[s] !== after[s]);
}

describe('codeDigest of the pipeline steps', () => {
  it('is stable while nothing changes', async () => {
    expect(await digests()).toEqual(await digests());
  });

  // fine-tune scores the validation split with it when early stopping picks the epoch
  it('editing the metrics library changes fine-tune and infer only: the steps before them and the report keep their digests', async () => {
    const before = await digests();
    appendFileSync(path.join(root, 'shared/eval/metrics.ts'), '\nexport const doubled = 2;\n');
    const after = await digests();
    console.log(`after editing shared/eval/metrics.ts: missed ${changed(before, after).join(', ')}; hit ${STEPS.filter((s) => !changed(before, after).includes(s)).join(', ')}`);
    expect(changed(before, after)).toEqual(['finetune', 'infer']);
  });

  it('editing the encoder changes pretrain and every model step after it, not preprocess or report', async () => {
    const before = await digests();
    appendFileSync(path.join(root, 'shared/ml/encoder.ts'), '\n// a changed encoder\n');
    const after = await digests();
    console.log(`after editing shared/ml/encoder.ts: missed ${changed(before, after).join(', ')}; hit ${STEPS.filter((s) => !changed(before, after).includes(s)).join(', ')}`);
    expect(changed(before, after)).toEqual(['pretrain', 'value', 'finetune', 'infer']);
  });

  it('a rebuilt WASM kernel or a changed lockfile changes every step', async () => {
    const before = await digests();
    appendFileSync(path.join(root, 'build/wasm/kernels.wasm'), Buffer.from([0]));
    const afterKernel = await digests();
    expect(changed(before, afterKernel)).toEqual([...STEPS]);
    appendFileSync(path.join(root, 'package-lock.json'), '\n');
    expect(changed(afterKernel, await digests())).toEqual([...STEPS]);
  });
});
