// Runs a command as a child and hands it the signals this process gets, so `timeout`, Ctrl-C
// or a supervisor stopping the `assay` entry stops the real CLI too instead of orphaning it.
// Exits as the child did: its exit code, or the same signal.
const { spawn } = require('node:child_process');

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runForwardingSignals(command, args) {
  const child = spawn(command, args, { stdio: 'inherit' });
  const forward = (signal) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); };
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on('error', (err) => {
    console.error(`assay: cannot start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return child;
}

module.exports = { runForwardingSignals };
