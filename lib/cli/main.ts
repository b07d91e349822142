#!/usr/bin/env node
import { runCli } from './run-cli.js';

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

// The exit code is set rather than exiting, so buffered output is flushed first.
void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(line(text)),
  err: (text) => process.stderr.write(line(text)),
}).then((code) => {
  process.exitCode = code;
});
