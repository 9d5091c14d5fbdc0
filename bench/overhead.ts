// `npm run bench -- overhead [--spec file]`: the same pipeline run bare (steps called
// directly) and through Temporal with MinIO and Postgres, in one process run; prints the ratio
// (target ≤ 1.03×) and the wall time of a fully cached re-run (target ≤ 5 s).
import os from 'node:os';
import path from 'node:path';
import { devUp } from '../infra/dev/stack';
import { repoRoot } from '../infra/dev/paths';
import { readServices } from '../shared/config/services';
import { runBare } from '../shared/pipeline/bare';
import { loadSpecFile } from '../shared/pipeline/spec';
import { AssayClient } from '../cli/client';
import { startLocalWorkers } from '../cli/local-workers';
import { closeRuntime } from '../activities/runtime';

function parseArgs(args: string[]): { spec: string } {
  let spec = path.join(repoRoot, 'specs', 'tiny.json');
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--spec' && args[i + 1]) spec = path.resolve(args[++i]!);
    else throw new Error(`overhead: unknown argument '${args[i]}' (usage: npm run bench -- overhead [--spec file])`);
  }
  return { spec };
}

export async function run(args: string[]): Promise<void> {
  const { spec: file } = parseArgs(args);
  const status = await devUp();
  for (const [k, v] of Object.entries(status.env)) process.env[k] ??= v;
  const spec = loadSpecFile(file, { dataset: `overhead-${Date.now().toString(36)}` });
  console.log(`overhead bench: ${file} (dataset ${spec.source.format}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

  // A first, untimed pass (the tiny spec) loads the TensorFlow.js/ONNX runtimes and warms the JIT, so neither
  // side of the comparison pays start-up costs the other does not.
  await runBare(loadSpecFile(path.join(repoRoot, 'specs', 'tiny.json')));
  const bare = await runBare(spec);
  console.log(`bare:      ${bare.seconds.toFixed(2)} s  (${bare.outcomes.map((o) => `${o.step}${o.variant ? `:${o.variant}` : ''} ${o.seconds.toFixed(1)}`).join(', ')})`);

  const workers = await startLocalWorkers(spec);
  const client = await AssayClient.connect(readServices());
  try {
    const t0 = performance.now();
    await client.runAndWait(spec, { noCache: true });
    const temporal = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const cached = await client.runAndWait(spec);
    const cachedSeconds = (performance.now() - t1) / 1000;
    const hits = cached.result.steps.filter((s) => s.cacheHit).length;
    console.log(`temporal:  ${temporal.toFixed(2)} s  → ratio ${(temporal / bare.seconds).toFixed(3)}× the bare run (target ≤ 1.03×)`);
    console.log(`cached re-run: ${cachedSeconds.toFixed(2)} s  (${hits}/${cached.result.steps.length} steps from the cache; the report is rebuilt per run) (target ≤ 5 s)`);
    console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await client.close();
    await workers.stop();
    await closeRuntime();
  }
}
