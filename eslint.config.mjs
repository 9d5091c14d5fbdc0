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
          // Values only from the few shared modules that are plain deterministic data.
          { regex: '^\\.\\./(activities|shared)/(?!temporal/search-attributes$|pipeline/contract$)', allowTypeImports: true, message: 'Workflows import activities and shared code as types only.' },
        ],
      }],
    },
  },
);
