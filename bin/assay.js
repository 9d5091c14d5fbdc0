#!/usr/bin/env node
// The published entry point: run the TypeScript CLI through tsx so users need no build step.
const path = require('node:path');
const { runForwardingSignals } = require('./forward-signals');

const tsx = require.resolve('tsx/cli');
runForwardingSignals(process.execPath, [tsx, path.join(__dirname, '..', 'cli', 'main.ts'), ...process.argv.slice(2)]);
