#!/usr/bin/env node
import { runCli } from './run-cli.js';

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
/** Back to the start of the line, and the line erased. */
const CLEAR_LINE = '\r\u001b[K';
let progressShown = false;
const clearProgress = () => {
  if (progressShown) {
    process.stderr.write(CLEAR_LINE);
    progressShown = false;
  }
};

// The exit code is set rather than exiting, so buffered output is flushed first.
void runCli(process.argv.slice(2), {
  out: (text) => (clearProgress(), process.stdout.write(line(text))),
  err: (text) => (clearProgress(), process.stderr.write(line(text))),
  progress: process.stderr.isTTY
    ? (text) => {
        progressShown = true;
        process.stderr.write(CLEAR_LINE + text);
      }
    : undefined,
}).then((code) => {
  clearProgress();
  process.exitCode = code;
});
