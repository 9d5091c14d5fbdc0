import { defineConfig } from 'vitest/config';

// The kernel tests once more, on the kernels built with their entry checks on
// (build/wasm-assert/, shared/ml/wasm/kernel-build.ts): a call that reads or writes outside its
// operands fails here instead of passing on whatever the memory held. They need no dev stack.
export default defineConfig({
  test: {
    include: ['test/shared/ml/{kernels,adam,embed,ops,softmax-loss}.test.ts'],
    setupFiles: ['test/support/kernel-asserts-setup.ts'],
    env: { ASSAY_KERNEL_ASSERTS: '1' },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 600_000,
    reporters: ['default'],
  },
});
