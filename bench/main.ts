// `npm run bench -- <name> [args]`: each benchmark prints its figures (ratios against a
// baseline measured in the same run); none asserts a time.
const BENCHES: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  'cold-start': () => import('./cold-start'),
  'knn-shapley': () => import('./knn-shapley'),
  search: () => import('./search'),
  'text-encoder': () => import('./text-encoder'),
  overhead: () => import('./overhead'),
  quality: () => import('./quality'),
  throughput: () => import('./throughput'),
  'throughput-scoring': () => import('./throughput-scoring'),
  'tracin-output-variants': () => import('./tracin-output-variants'),
  'valuation-detection': () => import('./valuation-detection'),
  valuation: () => import('./valuation'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || !(name in BENCHES)) {
    console.log(`usage: npm run bench -- <name> [args]\nbenchmarks: ${Object.keys(BENCHES).join(', ')}`);
    if (name && name !== '--help' && name !== '-h') process.exitCode = 2;
    return;
  }
  await (await BENCHES[name]!()).run(args);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
