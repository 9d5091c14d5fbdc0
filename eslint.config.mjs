// Lint keeps the strict-TypeScript habits honest; workflows get an extra rule because
// Temporal replays them and any Node API there would break determinism.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.assay/**', 'dist/**', 'test-output/**', 'bench-output/**', 'bin/**', 'build/**', '**/*.as.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process'], message: 'Workflows must stay deterministic: no Node APIs.' },
          // Values only from the few shared modules that are plain deterministic data or pure
          // functions of it (each imports nothing but types).
          { regex: '^\\.\\./(activities|shared)/(?!temporal/search-attributes$|temporal/run-memo$|pipeline/contract$|pipeline/partition-outcome$|pipeline/step-table$)', allowTypeImports: true, message: 'Workflows import activities and shared code as types only.' },
        ],
      }],
    },
  },
);
