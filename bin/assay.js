#!/usr/bin/env node
// The published entry point: run the TypeScript CLI through tsx so users need no build step.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const tsx = require.resolve('tsx/cli');
const result = spawnSync(process.execPath, [tsx, path.join(__dirname, '..', 'cli', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
